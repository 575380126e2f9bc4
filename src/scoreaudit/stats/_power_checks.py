"""Argument checks of the power functions, and the per-comparison significance level."""

from __future__ import annotations

from typing import Literal, TypeVar

import numpy as np

from scoreaudit.errors import Arg, DataError, Part

Correction = Literal["holm", "bonferroni", "bh", "fdr_bh", "none"]


Direction = Literal["increase", "decrease"]


Method = Literal["score", "arcsine"]


#: Cochran's rule, as in the audit: Fisher's exact test when an expected count is below this.
MIN_EXPECTED = 5.0


_CORRECTIONS = ("holm", "bonferroni", "bh", "fdr_bh", "none")


# --------------------------------------------------------------------------------------------
# validation


def _bad(name: str, key: str, **params) -> DataError:
    """The error ``key`` about argument ``name`` (the option, on the command line)."""
    return DataError.from_key(key, name=Arg(name), **params)


def _as_float(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise _bad(name, "err_power_not_number", value=value) from exc
    if np.isnan(arr).any():
        raise _bad(name, "err_power_nan")
    return arr


def _describe_bad(name: str, arr: np.ndarray, bad: np.ndarray, rule: str) -> DataError:
    """The error "``name`` must be ``rule`` (a catalogue key); got ...", first bad value shown."""
    first = arr[bad].flat[0]
    value: Part | str = f"{first:g}"
    if arr.ndim != 0:
        value = Part("err_power_bad_values", first=value, count=int(bad.sum()), size=arr.size)
    return _bad(name, "err_power_bad_value", rule=Part(rule), value=value)


def _check_open_unit(name: str, value) -> np.ndarray:
    arr = _as_float(name, value)
    bad = ~((arr > 0) & (arr < 1))
    if bad.any():
        raise _describe_bad(name, arr, bad, "err_power_rule_open_unit")
    return arr


def _check_probability(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise _bad(name, "err_power_probability_type", value=value)
    v = float(value)
    if not 0 < v < 1:
        raise _describe_bad(name, np.asarray(v), np.asarray(True), "err_power_rule_open_unit")
    return v


def _check_positive(name: str, value) -> np.ndarray:
    arr = _as_float(name, value)
    bad = ~((arr > 0) & np.isfinite(arr))
    if bad.any():
        raise _describe_bad(name, arr, bad, "err_power_rule_files")
    return arr


def _check_comparisons(comparisons) -> int:
    if isinstance(comparisons, bool) or not isinstance(comparisons, (int, np.integer)):
        if not (isinstance(comparisons, (float, np.floating)) and float(comparisons).is_integer()):
            raise _bad("comparisons", "err_power_positive_int", value=comparisons)
    m = int(comparisons)
    if m < 1:
        raise _bad("comparisons", "err_power_positive_int", value=m)
    return m


_Choice = TypeVar("_Choice", bound=str)


def _check_choice(name: str, value: _Choice, options: tuple[str, ...]) -> _Choice:
    """``value`` if it is one of ``options`` (its declared Literal type is kept)."""
    if value not in options:
        raise _bad(name, "err_power_choice", options=", ".join(map(repr, options)), value=value)
    return value


def _check_ratio(ratio, reference_rate: np.ndarray | None, *, allow_one: bool) -> np.ndarray:
    ratio = _as_float("ratio", ratio)
    bad = ~((ratio > 0) & np.isfinite(ratio))
    if bad.any():
        raise _describe_bad("ratio", ratio, bad, "err_power_rule_positive")
    bad = ratio == 1
    if not allow_one and bad.any():
        ones: Part | str = "1"
        if ratio.ndim != 0:
            ones = Part("err_power_ones", count=int(bad.sum()), size=ratio.size)
        raise _bad("ratio", "err_power_ratio_one", value=ones)
    if reference_rate is not None:
        bad = ratio * reference_rate > 1
        if bad.any():
            r, p = (np.broadcast_to(a, bad.shape)[bad].flat[0] for a in (ratio, reference_rate))
            raise DataError.from_key(
                "err_power_ratio_impossible", ratio=r, rate=p, group_rate=r * p, largest=1 / p
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
        raise _bad(name, "err_power_not_number", value=value) from exc
