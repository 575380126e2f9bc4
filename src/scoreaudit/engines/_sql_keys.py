"""Matching rows streamed from an engine to the audit's protected cells."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import Cells
from scoreaudit.errors import DataError

__all__ = ["cell_filter"]


def _py(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _raw_codes(population: Any, frame: pd.DataFrame) -> np.ndarray:
    """Mixed-radix code (over all levels of every attribute) of each grouped row's keys."""
    code = np.zeros(len(frame), dtype=np.int64)
    for i, c in enumerate(population.protected):
        index, codes = population.key_maps[c]
        pos = index.get_indexer(pd.Index(frame[f"k{i}"]))
        if (pos < 0).any():
            raise DataError.from_key(
                "err_sql_changed_value", column=c, source=population.source.name
            )
        code = code * population.attributes[c].n_levels + codes[pos]
    return code


def _cell_codes(population: Any, cells: Cells) -> np.ndarray:
    """Mixed-radix code of every present cell (increasing: cells are in canonical order)."""
    code = np.zeros(cells.n_cells, dtype=np.int64)
    for j, c in enumerate(population.protected):
        code = code * population.attributes[c].n_levels + cells.levels[:, j]
    return code


def _cells_of_keys(population: Any, frame: pd.DataFrame, cells: Cells) -> np.ndarray:
    """Index in ``cells`` of every grouped row (rows streamed after the cells were found)."""
    known = _cell_codes(population, cells)
    code = _raw_codes(population, frame)
    pos = np.minimum(np.searchsorted(known, code), known.size - 1)
    if (known[pos] != code).any():
        raise DataError.from_key("err_sql_changed", source=population.source.name)
    return pos


def cell_filter(population: Any, table: Any, cells: Cells, wanted: np.ndarray) -> Any:
    """Engine condition: the row's protected keys are those of one of the ``wanted`` cells."""
    import ibis

    cond = ibis.literal(False)
    for i in np.asarray(wanted):
        term = ibis.literal(True)
        for j, c in enumerate(population.protected):
            index, codes = population.key_maps[c]
            key = index[np.flatnonzero(codes == cells.levels[i, j])[0]]
            col = table[f"k{j}"]
            term = term & (col.isnull() if pd.isna(key) else col == _py(key))
        cond = cond | term
    return cond
