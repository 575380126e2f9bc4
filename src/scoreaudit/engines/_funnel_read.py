"""Reading a funnel table: a DataFrame, or a CSV, Parquet or Excel (``.xlsx``) file.

Statistical offices often publish their tables as workbooks, so :func:`audit_funnel` and
``scoreaudit funnel`` read the first sheet of an ``.xlsx`` file as well as what
:func:`scoreaudit.data.io.read_data` reads. Cells are kept as written (hidden markers such as
``x`` or ``[c]`` included); :func:`scoreaudit.engines.funnel.audit_funnel` parses them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from scoreaudit.data.io import read_xlsx
from scoreaudit.errors import DataError

__all__ = ["EXCEL_SUFFIXES", "read_funnel_table"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_funnel_table(table: Any, what: str = "The funnel table") -> pd.DataFrame:
    """The table as a pandas DataFrame (first sheet of an ``.xlsx`` file).

    Examples
    --------
    >>> import pandas as pd
    >>> read_funnel_table(pd.DataFrame({"stage": ["all"], "n": [3]})).shape
    (1, 2)
    """
    if isinstance(table, (str, os.PathLike)) and Path(table).suffix.lower() in EXCEL_SUFFIXES:
        return _read_excel(Path(table))
    from scoreaudit.data.inputs import to_pandas

    return to_pandas(table, what)


def _read_excel(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError.from_key("err_file_missing", file=str(path), hint="")
    return read_xlsx(path)
