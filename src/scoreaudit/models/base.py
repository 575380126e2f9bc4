"""The ScoringModel protocol: anything with ``features`` and ``score(frame)`` can be audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError


@runtime_checkable
class ScoringModel(Protocol):
    """A model that gives every row of a frame a risk score (higher = more likely controlled).

    Attributes
    ----------
    features : sequence of str
        The input columns the model reads.
    """

    features: Sequence[str]

    def score(self, frame: pd.DataFrame) -> np.ndarray:  # pragma: no cover - protocol
        """Return one float score per row of ``frame``."""
        ...


def check_features(model: object, frame: pd.DataFrame) -> None:
    """Raise :class:`ModelError` naming every input column the frame lacks."""
    features = list(getattr(model, "features", []) or [])
    missing = [c for c in features if c not in frame.columns]
    if missing:
        name = getattr(model, "name", type(model).__name__)
        raise ModelError(
            f"Model {name!r} needs column(s) {', '.join(map(repr, missing))}, which the data "
            f"lacks. Available columns: {', '.join(map(str, frame.columns[:30]))}"
            f"{' ...' if len(frame.columns) > 30 else ''}. Use a model built for this "
            "population, or add the missing columns."
        )


def validate_scores(scores: object, n_rows: int, source: str) -> np.ndarray:
    """Check that ``scores`` is one finite float per row; return it as a float64 array.

    The error names how many scores are bad and the first bad row position.
    """
    try:
        arr = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{source} returned scores that are not numbers: {exc}") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise ModelError(
            f"{source} returned {arr.shape} scores for {n_rows} rows; expected one score per row."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        kinds = []
        if np.isnan(arr).any():
            kinds.append(f"{int(np.isnan(arr).sum())} missing (NaN)")
        if np.isinf(arr).any():
            kinds.append(f"{int(np.isinf(arr).sum())} infinite")
        raise ModelError(
            f"{source} gave {' and '.join(kinds)} score(s), first at row position {first}. "
            "Every file needs a finite score: fix or drop these rows before auditing."
        )
    return arr
