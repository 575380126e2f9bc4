"""Execute the notebooks from their jupytext sources and write the paired ``.ipynb`` files.

The percent-format ``.py`` files are the source of truth. This script runs each one from a
clean ``python3`` kernel (working directory: this folder) and writes the ``.ipynb`` of the same
name with its outputs, keeping only stable metadata: no execution timings, no Python version,
cell ids derived from the cell's position and source. Re-executing an unchanged notebook
therefore gives an identical file (same library versions).

Usage, from the repository root::

    python notebooks/execute.py                     # all notebooks
    python notebooks/execute.py 02_c2sg_allegation  # some of them
    python notebooks/execute.py --check             # exit 1 if an .ipynb is out of sync

``tests/notebooks/test_notebooks.py`` imports :func:`load`, :func:`execute` and :func:`cells_of`.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted(HERE.glob("[0-9][0-9]_*.py"))
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3", "file_extension": ".py",
                 "mimetype": "text/x-python", "codemirror_mode": {"name": "ipython", "version": 3},
                 "nbconvert_exporter": "python"}


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,\u202f\u00a0 ]\d+)*(?:[eE]-?\d+)?")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.\-]+){2,}/?")
_VOLATILE = re.compile(r"0x[0-9a-f]+|\d+(?:\.\d+)? ?(?:s|ms|seconds)\b|ipykernel_\d+/\d+")


def numbers_of(nb: nbformat.NotebookNode) -> list[list[str]]:
    """The numbers each code cell prints or displays (text, Markdown, HTML tables), in order.

    Paths (a run's output directory), memory addresses and timings are left out: the rest must
    not change when the notebook is re-executed with the same library.
    """
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                texts.append(o.get("text", ""))
            for mime in ("text/plain", "text/markdown", "text/html"):
                texts.append(str(o.get("data", {}).get(mime, "")))
        text = _VOLATILE.sub(" ", _PATH.sub(" ", "\n".join(texts)))
        out.append(_NUMBER.findall(text))
    return out


def load(path: str | Path) -> nbformat.NotebookNode:
    """The notebook of a percent-format ``.py`` file, without outputs."""
    return jupytext.read(Path(path), fmt="py:percent")


def parameters_index(nb: nbformat.NotebookNode) -> int:
    """Position of the cell tagged ``parameters`` (papermill convention)."""
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return i
    raise ValueError("The notebook has no cell tagged 'parameters'.")


def execute(nb: nbformat.NotebookNode, *, cwd: str | Path = HERE, timeout: int = 600,
            overrides: str | None = None) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a fresh ``python3`` kernel; raise on the first cell error.

    ``overrides`` is code run right after the parameters cell (as papermill injects
    parameters); the injected cell is removed from the returned notebook.
    """
    nb = nbformat.from_dict(nb)  # a copy
    injected = None
    if overrides:
        injected = parameters_index(nb) + 1
        nb.cells.insert(injected, nbformat.v4.new_code_cell(overrides))
    for attempt in range(3):
        client = NotebookClient(nb, kernel_name="python3", timeout=timeout, allow_errors=False,
                                record_timing=False, resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute()
            break
        except RuntimeError as exc:
            # a kernel that dies while starting (two kernels started at once can race for
            # the same ports) is retried; an error raised by a cell is not a RuntimeError
            if "before replying to kernel_info" not in str(exc) or attempt == 2:
                raise
    if injected is not None:
        del nb.cells[injected]
    return nb


def stabilise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only metadata that does not change between runs; deterministic cell ids."""
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        keep = {k: v for k, v in cell.get("metadata", {}).items() if k == "tags"}
        cell.metadata = nbformat.from_dict(keep)
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        cid = f"{cell.cell_type[:2]}-{digest}"
        if cid in seen:
            cid = f"{cid}-{i}"
        seen.add(cid)
        cell.id = cid
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def cells_of(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(type, source) of every code and markdown cell: what must match between the pair."""
    return [(c.cell_type, c.source.strip()) for c in nb.cells
            if c.cell_type in ("code", "markdown")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--check", action="store_true",
                        help="only check that each .ipynb has the cells of its .py source")
    args = parser.parse_args(argv)
    paths = [p for p in NOTEBOOKS if not args.names or p.stem in args.names]
    if args.names and len(paths) != len(args.names):
        parser.error(f"unknown notebook among {args.names}; known: {[p.stem for p in NOTEBOOKS]}")
    status = 0
    for py in paths:
        ipynb = py.with_suffix(".ipynb")
        if args.check:
            same = ipynb.exists() and cells_of(nbformat.read(ipynb, as_version=4)) == cells_of(load(py))
            print(f"{ipynb.name}: {'in sync' if same else 'OUT OF SYNC'}")
            status |= not same
            continue
        print(f"executing {py.name} ...", flush=True)
        nb = stabilise(execute(load(py)))
        nbformat.validate(nb)
        nbformat.write(nb, ipynb)
        print(f"wrote {ipynb.relative_to(HERE.parent)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
