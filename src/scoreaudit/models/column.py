"""Precomputed scores already stored in a column of the data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError, Part
from scoreaudit.models.base import validate_scores


@dataclass(frozen=True)
class ScoreColumn:
    """Use a column of the data as the score (scores computed elsewhere, e.g. by the agency).

    Parameters
    ----------
    column : str
        Name of the numeric score column.
    probability : bool
        Declare the scores to be probabilities (e.g. the output of a logistic model): a score
        outside [0, 1] is then an error naming the row, instead of being audited. A budget
        audit only uses the order of the scores, so any scale works when this is False; the
        audit warns when calibration (which reads scores as probabilities) is computed on
        scores outside [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> ScoreColumn("score").score(pd.DataFrame({"score": [0.2, 0.9]}))
    array([0.2, 0.9])
    """

    column: str
    probability: bool = False

    @property
    def features(self) -> list[str]:
        return [self.column]

    @property
    def name(self) -> str:
        return f"column {self.column!r}"

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        if self.column not in frame.columns:
            raise ModelError.lacking_columns(
                "err_score_column_missing", frame.columns, column=self.column
            )
        col = frame[self.column]
        if not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
            converted = pd.to_numeric(col, errors="coerce")
            bad = converted.isna() & col.notna()
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise ModelError.from_key(
                    "err_score_not_numeric", column=self.column, value=col.iloc[pos], pos=pos
                )
            col = converted
        return validate_scores(
            col.to_numpy(dtype=np.float64, na_value=np.nan),
            len(frame),
            Part("err_score_column_named", name=self.column),
        )

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"kind": "score_column", "column": self.column}
        if self.probability:
            out["probability"] = True
        return out
