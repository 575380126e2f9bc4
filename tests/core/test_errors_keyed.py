"""Every bad-input error of the package comes from the catalogue (fr/en): no ``raise`` of a
scoreaudit error with an English sentence written in the code, outside a short list of
internal checks that no input can reach (each with its reason). A new English message fails
here: give it a catalogue key (``XError.from_key``) instead."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "scoreaudit"

#: scoreaudit's exception classes (ScoreAuditError and its subclasses, by name).
ERRORS = {
    "ScoreAuditError",
    "DataError",
    "ModelError",
    "PolicyError",
    "ConfigError",
    "UnsafeFileError",
    "AttackError",
    "OutputExistsError",
    "NotAReportError",
}

#: (file, exception) -> why an English text is right there.
ALLOWED: dict[tuple[str, str], str] = {
    ("plots/_style.py", "DataError"): "an Axes without a Figure: matplotlib never makes one",
}


def _literal(node: ast.AST) -> bool:
    """A text written in the code: a string, an f-string, or a sum of them."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    return False


def _english_raises() -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = getattr(func, "id", getattr(func, "attr", ""))
            if name in ERRORS and node.exc.args and _literal(node.exc.args[0]):
                key = (path.relative_to(SRC).as_posix(), name)
                found[key] = found.get(key, 0) + 1
    return found


def test_no_english_error_sentence_in_the_code():
    found = _english_raises()
    unexpected = {k: n for k, n in found.items() if k not in ALLOWED}
    assert not unexpected, f"English error messages (use XError.from_key): {unexpected}"


def test_model_names_in_score_errors_are_translated_pieces():
    # validate_scores(scores, n, what): ``what`` goes into the message, so it is a Part
    literal = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "validate_scores"
                and len(node.args) > 2
                and _literal(node.args[2])
            ):
                literal.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not literal, literal


def test_the_scan_sees_a_literal_message():
    # the scan must be able to fail: a literal message is found, a keyed one is not
    code = 'raise DataError(f"bad {x}")\nraise DataError.from_key("err_x", x=1)\n'
    tree = ast.parse(code)
    raises = [n for n in ast.walk(tree) if isinstance(n, ast.Raise)]
    assert [_literal(r.exc.args[0]) for r in raises] == [True, True]
    assert [getattr(r.exc.func, "id", getattr(r.exc.func, "attr", "")) for r in raises] == [
        "DataError",
        "from_key",
    ]
