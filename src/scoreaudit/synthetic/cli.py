"""The ``synth`` command as a plain function (the typer app in ``scoreaudit.cli`` wraps it)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from scoreaudit.errors import DataError
from scoreaudit.synthetic.c2sg import c2sg_population

FORMATS = (".parquet", ".csv")


def write_frame(frame: pd.DataFrame, out: str | os.PathLike, force: bool = False) -> Path:
    """Write ``frame`` to ``out`` (.parquet or .csv), atomically, refusing to overwrite.

    The frame is written to a temporary file in the same directory, then moved into place
    with :func:`os.replace`, so a crash never leaves a half-written file under ``out``.
    Parquet: pyarrow, snappy compression, no index; CSV: UTF-8, no index, ``\\n`` line
    ends. Both are byte-identical for the same frame and library versions.

    Parameters
    ----------
    frame : pandas.DataFrame
    out : path
        Target file; the extension chooses the format.
    force : bool, default False
        Overwrite ``out`` if it exists.

    Returns
    -------
    pathlib.Path
        The written path.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_frame(pd.DataFrame({"a": [1, 2]}), d / "x.csv").read_text()
    'a\\n1\\n2\\n'
    """
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError.from_key("err_synth_out_extension", path=str(path))
    if path.exists() and not force:
        raise DataError.from_key("err_synth_out_exists", path=str(path))
    if path.exists() and path.is_dir():
        raise DataError.from_key("err_synth_out_is_dir", path=str(path))
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise DataError.from_key("err_synth_out_no_dir", path=str(path), directory=str(directory))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        if suffix == ".parquet":
            frame.to_parquet(tmp, engine="pyarrow", compression="snappy", index=False)
        else:
            frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _file_mode(path: Path) -> int:
    """Mode of the file being replaced, else 0o666 minus the process umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def synth(
    n: int = 100_000,
    seed: int = 0,
    out: str | os.PathLike = "c2sg.parquet",
    force: bool = False,
    scenario: str = "baseline",
    **parameters: Any,
) -> Path:
    """Generate a synthetic C2SG population and write it to ``out`` (.parquet or .csv).

    Same ``n``, ``seed``, parameters and library versions: byte-identical file.

    Parameters
    ----------
    n : int, default 100_000
        Number of households.
    seed : int, default 0
        Random seed.
    out : path
        Output file; ``.parquet`` or ``.csv``.
    force : bool, default False
        Overwrite an existing file.
    scenario : {"baseline", "neutral", "planted"}
        See :func:`scoreaudit.synthetic.c2sg_population`.
    **parameters
        Further generator parameters.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = synth(n=100, seed=0, out=pathlib.Path(tempfile.mkdtemp()) / "pop.csv")
    >>> p.suffix
    '.csv'
    """
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise DataError.from_key("err_synth_out_extension", path=str(path))
    if path.exists() and not force:
        raise DataError.from_key("err_synth_out_exists", path=str(path))
    frame = c2sg_population(n, random_state=seed, scenario=scenario, **parameters)
    return write_frame(frame, path, force=force)


def synth_controls(
    n: int = 100_000,
    seed: int = 0,
    out: str | os.PathLike = "c2sg_controls.csv",
    force: bool = False,
    budget: float = 0.05,
    random_share: float = 0.1,
    scenario: str = "planted",
    **parameters: Any,
) -> Path:
    """Write a simulated control log of a planted (or neutral) synthetic population.

    The population is ``c2sg_population(n, seed, scenario=scenario)``: for the same ``n``
    and ``seed`` its households are exactly those of the baseline population (the planted
    ``score`` is the only extra column). The model is its ``score`` column; see
    :func:`scoreaudit.synthetic.control_log` for how the budget is split.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = synth_controls(n=2_000, out=pathlib.Path(tempfile.mkdtemp()) / "log.csv")
    >>> len(pd.read_csv(p))
    100
    """
    from scoreaudit.models.column import ScoreColumn
    from scoreaudit.synthetic.controls import control_log

    if scenario == "baseline":
        raise DataError.from_key("err_synth_controls_need_score")
    path = Path(out)
    if path.exists() and not force:
        raise DataError.from_key("err_synth_out_exists", path=str(path))
    population = c2sg_population(n, random_state=seed, scenario=scenario, **parameters)
    log = control_log(
        population,
        ScoreColumn("score"),
        budget=budget,
        random_share=random_share,
        random_state=seed,
    )
    return write_frame(log, path, force=force)
