"""Argument checks of the power functions, and the per-comparison significance level."""

from __future__ import annotations

from typing import Literal, TypeVar

import numpy as np

from scoreaudit.errors import DataError

Correction = Literal["holm", "bonferroni", "bh", "fdr_bh", "none"]


Direction = Literal["increase", "decrease"]


Method = Literal["score", "arcsine"]


#: Cochran's rule, as in the audit: Fisher's exact test when an expected count is below this.
MIN_EXPECTED = 5.0


_CORRECTIONS = ("holm", "bonferroni", "bh", "fdr_bh", "none")


# --------------------------------------------------------------------------------------------
# validation


def _as_float(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a number or an array of numbers; got {value!r}.") from exc
    if np.isnan(arr).any():
        raise DataError(f"{name} contains NaN; give a number.")
    return arr


def _describe_bad(name: str, arr: np.ndarray, bad: np.ndarray, rule: str) -> str:
    first = arr[bad].flat[0]
    where = "" if arr.ndim == 0 else f" ({int(bad.sum())} of {arr.size} values, first {first:g})"
    value = f"{first:g}" if arr.ndim == 0 else f"{first:g}{where}"
    return f"{name} must be {rule}; got {value}."


def _check_open_unit(name: str, value) -> np.ndarray:
    arr = _as_float(name, value)
    bad = ~((arr > 0) & (arr < 1))
    if bad.any():
        raise DataError(_describe_bad(name, arr, bad, "strictly between 0 and 1"))
    return arr


def _check_probability(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(f"{name} must be a number strictly between 0 and 1; got {value!r}.")
    v = float(value)
    if not 0 < v < 1:
        raise DataError(f"{name} must be strictly between 0 and 1; got {v:g}.")
    return v


def _check_positive(name: str, value) -> np.ndarray:
    arr = _as_float(name, value)
    bad = ~((arr > 0) & np.isfinite(arr))
    if bad.any():
        raise DataError(_describe_bad(name, arr, bad, "a positive, finite number of files"))
    return arr


def _check_comparisons(comparisons) -> int:
    if isinstance(comparisons, bool) or not isinstance(comparisons, (int, np.integer)):
        if not (isinstance(comparisons, (float, np.floating)) and float(comparisons).is_integer()):
            raise DataError(f"comparisons must be a positive integer; got {comparisons!r}.")
    m = int(comparisons)
    if m < 1:
        raise DataError(f"comparisons must be a positive integer; got {m}.")
    return m


_Choice = TypeVar("_Choice", bound=str)


def _check_choice(name: str, value: _Choice, options: tuple[str, ...]) -> _Choice:
    """``value`` if it is one of ``options`` (its declared Literal type is kept)."""
    if value not in options:
        raise DataError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}.")
    return value


def _check_ratio(ratio, reference_rate: np.ndarray | None, *, allow_one: bool) -> np.ndarray:
    ratio = _as_float("ratio", ratio)
    bad = ~((ratio > 0) & np.isfinite(ratio))
    if bad.any():
        raise DataError(_describe_bad("ratio", ratio, bad, "a positive, finite number"))
    bad = ratio == 1
    if not allow_one and bad.any():
        raise DataError(
            "ratio must differ from 1 (no number of files is enough to detect no disparity); "
            f"got {'1' if ratio.ndim == 0 else f'1 in {int(bad.sum())} of {ratio.size} values'}."
        )
    if reference_rate is not None:
        bad = ratio * reference_rate > 1
        if bad.any():
            r, p = (np.broadcast_to(a, bad.shape)[bad].flat[0] for a in (ratio, reference_rate))
            raise DataError(
                f"ratio={r:g} is impossible for reference_rate={p:g}: the group's rate would be "
                f"{r * p:g} > 1. The largest possible ratio is 1 / reference_rate = {1 / p:g}."
            )
    return ratio


def per_comparison_alpha(
    alpha: float = 0.05, comparisons: int = 1, correction: Correction = "holm"
) -> float:
    """Level at which one comparison is tested, after the audit's multiple-testing correction.

    ``alpha / comparisons`` for ``"holm"``, ``"bonferroni"`` and ``"bh"`` (the first, strictest
    step of Holm and of Benjamini-Hochberg, so power figures are conservative; see the module
    docstring), ``alpha`` for ``"none"``.

    Examples
    --------
    >>> per_comparison_alpha(0.05, 10, "holm")
    0.005
    >>> per_comparison_alpha(0.05, 10, "none")
    0.05
    """
    alpha = _check_probability("alpha", alpha)
    m = _check_comparisons(comparisons)
    correction = _check_choice("correction", correction, _CORRECTIONS)
    return alpha if correction == "none" else alpha / m


def _scalar(arr: np.ndarray):
    """0-d arrays become numpy scalars; other arrays are returned unchanged."""
    return arr[()] if isinstance(arr, np.ndarray) and arr.ndim == 0 else arr


def _as_float_nan(name: str, value) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a number or an array of numbers; got {value!r}.") from exc
