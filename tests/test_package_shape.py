"""The package's shape (docs/architecture.md): modules short enough to read, the gate's rule
in one place below every gate that applies it."""

import ast
from pathlib import Path

import scoreaudit

PACKAGE = Path(scoreaudit.__file__).parent
#: Longest module, in lines (issue 14: a longer one mixes several jobs; split it by job).
MAX_LINES = 800


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_longer_than_the_limit():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_modules_are_found():
    # the check above must look at the real package, not an empty folder
    names = {str(p.relative_to(PACKAGE)) for p in _modules()}
    assert {"gate/publish.py", "gate/rules.py", "engines/memory.py"} <= names
    assert len(names) > 100


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }


def test_the_gates_take_the_rule_from_one_module():
    # the gates of audits, of results from counts and of funnels apply one rule: none
    # reaches into another gate for it (publish.py re-exports it for older imports)
    for name in ("aggregate.py", "funnel.py", "explanation.py", "publish.py"):
        imported = _imported_modules(PACKAGE / "gate" / name)
        assert "scoreaudit.gate.rules" in imported, name
        if name != "publish.py":
            assert "scoreaudit.gate.publish" not in imported, name
