"""The ScoringModel protocol: anything with ``features`` and ``score(frame)`` can be audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError, Part, Parts


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
    name = getattr(model, "name", type(model).__name__)
    ModelError.require_columns("err_model_missing_columns", frame.columns, features, name=name)


def validate_scores(scores: object, n_rows: int, source: str | Part) -> np.ndarray:
    """Check that ``scores`` is one finite float per row; return it as a float64 array.

    The error names how many scores are bad and the first bad row position; ``source`` names
    the model (best a ``Part("err_model_named", name=...)``, shown in the message's language).
    """
    try:
        arr = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError.from_key("err_scores_not_numbers", source=source, detail=exc) from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise ModelError.from_key("err_scores_shape", source=source, shape=arr.shape, n=n_rows)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        kinds: list[Part | str] = []
        if np.isnan(arr).any():
            kinds.append(Part("err_scores_nan", n=int(np.isnan(arr).sum())))
        if np.isinf(arr).any():
            kinds.append(Part("err_scores_inf", n=int(np.isinf(arr).sum())))
        raise ModelError.from_key(
            "err_scores_not_finite",
            source=source,
            kinds=Parts(kinds, sep=Part("err_sep_and")),
            first=first,
        )
    return arr
