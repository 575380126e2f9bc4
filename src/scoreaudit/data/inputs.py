"""Population data beyond pandas: polars, pyarrow and CSV / Parquet paths.

The audit engine works on a pandas DataFrame (its scoring models read pandas columns), so
other inputs are converted once, at the door, by :func:`to_pandas`.

Why pyarrow (and not narwhals)
------------------------------
* pyarrow is already a runtime dependency (Parquet); narwhals would be a new one.
* Apache Arrow is the common memory format: a polars DataFrame exports itself to Arrow
  without copying (``to_arrow``), DuckDB relations, and any object implementing the Arrow
  PyCapsule stream interface (``__arrow_c_stream__``), convert the same way, so one
  conversion path covers them all.
* Arrow's dictionary arrays are how polars ``Categorical`` / ``Enum`` and Parquet dictionary
  columns carry categories; ``pyarrow.Table.to_pandas`` turns them into pandas
  ``Categorical`` with the same categories in the same order, so protected attributes keep
  their declared levels (and their order in reports). A polars ``Categorical`` declares no
  order: its categories are sorted, as for text. Column names are kept as they are.
* narwhals would let the engine run natively on polars, but the engine's hot loops are
  numpy on integer codes either way: what matters is one cheap conversion, not a dataframe
  abstraction.

Examples
--------
>>> import pyarrow as pa
>>> t = pa.table({"gender": pa.array(["f", "m", "f"]).dictionary_encode(), "score": [0.1, 0.2, 0.3]})
>>> frame = to_pandas(t)
>>> list(frame.columns), list(frame["gender"].cat.categories)
(['gender', 'score'], ['f', 'm'])
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from scoreaudit.errors import DataError, Part

__all__ = ["nested_kind", "refuse_nested_columns", "to_pandas"]


def to_pandas(data: Any, what: str = "Population data") -> pd.DataFrame:
    """Convert population data to a pandas DataFrame, keeping column names and categories.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame or LazyFrame, pyarrow.Table or RecordBatch, \
str or os.PathLike
        A path is read with :func:`scoreaudit.data.io.read_data` (``.csv`` with dialect detection,
        ``.parquet`` keeping types and categories). Any other object exposing the Arrow
        PyCapsule stream interface (``__arrow_c_stream__``, e.g. a DuckDB relation) is read
        through pyarrow.
    what : str
        What the data is, for the error message (e.g. ``"The control log"``).

    Returns
    -------
    pandas.DataFrame
        ``data`` itself when it is already a pandas DataFrame.

    Raises
    ------
    DataError
        For an object of another kind.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"a": [1]})
    >>> to_pandas(f) is f
    True
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (str, os.PathLike)):
        from scoreaudit.data.io import read_data

        return read_data(data)
    import pyarrow as pa

    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        return data.to_pandas()
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return _from_polars(data)
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data).to_pandas()
    if hasattr(data, "to_pandas"):
        return data.to_pandas()
    raise DataError.from_key("err_data_type", what=what, type=type(data).__name__)


def _from_polars(data: Any) -> pd.DataFrame:
    """polars -> Arrow (no copy) -> pandas.

    An ``Enum`` keeps its declared order of categories. A polars ``Categorical`` has no
    declared order (its codes follow the order strings were first seen, or a global string
    cache), so its categories are sorted, as pandas does for a text column: the audit then
    does not depend on how the frame was built.
    """
    import polars as pl

    if hasattr(data, "collect"):  # a LazyFrame
        data = data.collect()
    frame = data.to_arrow().to_pandas()
    for name, dtype in data.schema.items():
        if dtype.base_type() == pl.Categorical:
            col = frame[name]
            frame[name] = col.cat.reorder_categories(sorted(col.cat.categories, key=str))
    return frame


def nested_kind(values: pd.Series) -> str | None:
    """``"list"`` or ``"struct"`` when a column holds lists or records (Parquet nested types).

    Checks the dtype (pandas ``ArrowDtype``) and, for an object column, its first non-missing
    value: pyarrow turns a Parquet ``list`` column into numpy arrays and a ``struct`` column
    into dicts. A column mixing plain values and lists is caught later, when it is used
    (grouping or converting it fails with a message naming the column).

    Examples
    --------
    >>> import pandas as pd
    >>> nested_kind(pd.Series([[1, 2], [3]])), nested_kind(pd.Series([{"a": 1}]))
    ('list', 'struct')
    >>> nested_kind(pd.Series(["a", "b"])) is None
    True
    """
    import numpy as np

    arrow = getattr(values.dtype, "pyarrow_dtype", None)
    if arrow is not None:
        import pyarrow as pa

        if pa.types.is_struct(arrow) or pa.types.is_map(arrow):
            return "struct"
        if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
            return "list"
        if pa.types.is_fixed_size_list(arrow):
            return "list"
        return None
    if values.dtype != object or len(values) == 0:
        return None
    first = values.first_valid_index()
    if first is None:
        return None
    value = values.loc[first]
    if isinstance(value, pd.Series):  # duplicated index labels: take the first
        value = value.iloc[0]
    if isinstance(value, dict):
        return "struct"
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return "list"
    return None


def refuse_nested_columns(frame: pd.DataFrame, columns: Any, role: str | Part) -> None:
    """Raise :class:`DataError` when one of ``columns`` holds lists or records.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : iterable of str
        Columns about to be used (absent ones are skipped: they are reported elsewhere).
    role : str or Part
        What the columns are for, e.g. ``Part("err_role_protected")`` (shown in the message's
        language) or ``"protected attribute"``.

    Examples
    --------
    >>> import pandas as pd
    >>> refuse_nested_columns(pd.DataFrame({"g": [["a"], ["b"]]}), ["g"], "protected attribute")
    Traceback (most recent call last):
    ...
    scoreaudit.errors.DataError: ...
    """
    for column in columns:
        if column not in frame.columns:
            continue
        kind = nested_kind(frame[column])
        if kind is not None:
            what = Part("err_nested_lists" if kind == "list" else "err_nested_records")
            raise DataError.from_key(
                "err_nested_column", column=str(column), role=role, what=what, kind=kind
            )
