"""The notebooks in ``notebooks/`` run top to bottom and their committed ``.ipynb`` match.

Each percent-format ``.py`` source is converted to a notebook in memory and executed from a
fresh ``python3`` kernel (nbclient), with its default parameters except ``OUTPUT_DIR``, which
is redirected to a temporary directory. Any cell error fails the test. A last, injected cell
checks that the kernel runs this interpreter (the venv's python), not another one on the PATH.

A second test checks that each committed ``.ipynb`` holds exactly the cells of its ``.py``
source, executed without errors, so the notebooks read online are the ones CI runs.
Re-execute them with ``python notebooks/execute.py`` after editing a source.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("jupytext")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
_spec = importlib.util.spec_from_file_location("notebook_execute", NOTEBOOK_DIR / "execute.py")
nbexec = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbexec)

SOURCES = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
TIMEOUT = 300  # seconds per cell; each notebook takes well under a minute in total


def test_the_five_notebooks_exist():
    assert [p.stem for p in SOURCES] == [
        "01_quickstart",
        "02_c2sg_allegation",
        "03_control_logs",
        "04_bring_your_own_model",
        "05_control_process",
    ]


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_runs_from_a_clean_kernel(source, tmp_path):
    nb = nbexec.load(source)
    # papermill convention: one cell tagged "parameters" with N_ROWS and a note on full size
    params = nb.cells[nbexec.parameters_index(nb)].source
    assert "N_ROWS" in params and "SEED" in params
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json, sys; print(json.dumps({'executable': sys.executable, 'prefix': sys.prefix}))"
        )
    )
    out = nbexec.execute(
        nb, cwd=NOTEBOOK_DIR, timeout=TIMEOUT, overrides=f"OUTPUT_DIR = {str(tmp_path)!r}"
    )
    # no cell raised (nbclient raises CellExecutionError otherwise); no error output either
    for cell in out.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", (source.name, cell.source[:200])
    kernel = json.loads(out.cells[-1].outputs[0]["text"])
    assert Path(kernel["prefix"]).resolve() == Path(sys.prefix).resolve(), kernel
    out.cells.pop()
    # no warning printed to the reader (deprecations, library warnings)
    for cell in out.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                assert "Warning" not in output["text"], (source.name, output["text"][:300])
    # re-executing changes no number of the committed outputs
    committed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    fresh, kept = nbexec.numbers_of(out), nbexec.numbers_of(committed)
    changed = [i for i, (a, b) in enumerate(zip(fresh, kept, strict=True)) if a != b]
    assert not changed, (
        f"{source.stem}: re-executing changes the numbers of code cells {changed} "
        f"(first: {fresh[changed[0]][:12]} vs committed {kept[changed[0]][:12]}); "
        f"run python notebooks/execute.py {source.stem}"
    )


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_committed_ipynb_matches_its_source(source):
    ipynb = source.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} missing: run python notebooks/execute.py"
    committed = nbformat.read(ipynb, as_version=4)
    assert nbexec.cells_of(committed) == nbexec.cells_of(nbexec.load(source)), (
        f"{ipynb.name} is out of sync with {source.name}: run "
        f"python notebooks/execute.py {source.stem}"
    )
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "committed without outputs"
    assert not any(o["output_type"] == "error" for c in code for o in c.outputs)
    # volatile metadata stripped (re-executing gives minimal diffs)
    assert not any("execution" in c.metadata for c in committed.cells)
    assert "version" not in committed.metadata.get("language_info", {})
