"""Parameters of the synthetic C2SG generator: defaults, overrides and validation."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from scoreaudit.errors import DataError, Part, Parts
from scoreaudit.synthetic import constants as C


def _plain(mapping: Mapping) -> dict:
    """Deep-copy a (possibly read-only) mapping of mappings into plain dicts."""
    return {k: (_plain(v) if isinstance(v, Mapping) else v) for k, v in mapping.items()}


def _copy_of(table: Mapping) -> Any:
    """A dataclass field whose default is a fresh dict copy of a read-only constants table."""
    return field(default_factory=lambda: dict(table))


@dataclass(frozen=True)
class C2SGParameters:
    """Every tunable parameter of :func:`scoreaudit.synthetic.c2sg_population`.

    Defaults come from :mod:`scoreaudit.synthetic.constants`, where each value names its
    public source or is marked ASSUMPTION. Build one with :meth:`from_overrides`, which
    validates every value and names the parameter at fault.
    """

    family_status_shares: dict = _copy_of(C.FAMILY_STATUS_SHARES)
    woman_share_by_status: dict = _copy_of(C.WOMAN_SHARE_BY_STATUS)
    no_child_age_band_shares: dict = _copy_of(C.NO_CHILD_AGE_BAND_SHARES)
    children_born_shares: dict = _copy_of(C.CHILDREN_BORN_SHARES)
    other_with_children_prob: float = C.OTHER_WITH_CHILDREN_PROB
    other_adults_shares: tuple = C.OTHER_ADULTS_SHARES
    youngest_child_beta: tuple = C.YOUNGEST_CHILD_BETA
    birth_gap_range: tuple = C.BIRTH_GAP_RANGE
    age_at_birth: tuple = C.AGE_AT_BIRTH
    father_age_gap: float = C.FATHER_AGE_GAP
    activity_shares_by_age_band: dict = _copy_of(C.ACTIVITY_SHARES_BY_AGE_BAND)
    single_mother_inactive_odds: float = C.SINGLE_MOTHER_INACTIVE_ODDS
    rsa_prob_by_activity: dict = _copy_of(C.RSA_PROB_BY_ACTIVITY)
    rsa_under_25_factor: float = C.RSA_UNDER_25_FACTOR
    income_ratio_beta: dict = _copy_of(C.INCOME_RATIO_BETA)
    income_unstable_prob: dict = _copy_of(C.INCOME_UNSTABLE_PROB)
    no_rent_prob: float = C.NO_RENT_PROB
    rent_median_one_person: float = C.RENT_MEDIAN_ONE_PERSON
    rent_per_extra_person: float = C.RENT_PER_EXTRA_PERSON
    rent_log_sd: float = C.RENT_LOG_SD
    separated_recently_prob: dict = _copy_of(C.SEPARATED_RECENTLY_PROB)
    other_household_change_prob: float = C.OTHER_HOUSEHOLD_CHANGE_PROB
    anomaly_base_rate: float = C.ANOMALY_BASE_RATE
    anomaly_coefficients: dict = _copy_of(C.ANOMALY_COEFFICIENTS)
    anomaly_model: Callable[..., Any] | None = None
    include_truth: bool = True
    scenario: str = "baseline"
    planted_effects: dict = field(default_factory=lambda: _plain(C.PLANTED_EFFECTS))
    planted_signal: float = C.PLANTED_SIGNAL

    # ----------------------------------------------------------------------------------
    @classmethod
    def names(cls) -> list[str]:
        """Names of every parameter accepted by ``c2sg_population(**parameters)``."""
        return [f.name for f in fields(cls)]

    @classmethod
    def from_overrides(cls, **overrides: Any) -> C2SGParameters:
        """Defaults updated with ``overrides``, validated.

        Raises
        ------
        DataError
            An unknown parameter name or an invalid value; the message names the parameter.

        Examples
        --------
        >>> C2SGParameters.from_overrides(anomaly_base_rate=0.05).anomaly_base_rate
        0.05
        >>> C2SGParameters.from_overrides(scenario="biased")
        Traceback (most recent call last):
        ...
        scoreaudit.errors.DataError: Unknown scenario 'biased'. Valid scenarios: 'baseline', 'neutral', 'planted'. Give one as scenario=..., e.g. scenario='planted'.
        """
        unknown = sorted(set(overrides) - set(cls.names()))
        if unknown:
            raise DataError.from_key(
                "err_synth_unknown_params",
                names=", ".join(map(repr, unknown)),
                valid=", ".join(cls.names()),
            )
        params = replace(cls(), **overrides)
        params.validate()
        return params

    # ----------------------------------------------------------------------------------
    def validate(self) -> None:
        """Check every parameter; raise :class:`DataError` naming the first bad one."""
        _shares("family_status_shares", self.family_status_shares, C.FAMILY_STATUSES)
        _probs("woman_share_by_status", self.woman_share_by_status, C.FAMILY_STATUSES)
        _table(
            "no_child_age_band_shares",
            self.no_child_age_band_shares,
            ("alone", "couple_no_child", "other"),
            len(C.AGE_BANDS),
        )
        _table(
            "children_born_shares",
            self.children_born_shares,
            ("couple_with_children", "single_parent", "other"),
            6,
        )
        _table(
            "activity_shares_by_age_band",
            self.activity_shares_by_age_band,
            C.AGE_BANDS,
            len(C.ACTIVITY_STATUSES),
        )
        _prob("other_with_children_prob", self.other_with_children_prob)
        _vector_shares("other_adults_shares", self.other_adults_shares, 2)
        _positive_pair("youngest_child_beta", self.youngest_child_beta)
        _range_pair("birth_gap_range", self.birth_gap_range, low=0.5)
        _number("age_at_birth", self.age_at_birth, length=2)
        _number("father_age_gap", self.father_age_gap)
        _positive("single_mother_inactive_odds", self.single_mother_inactive_odds)
        _probs("rsa_prob_by_activity", self.rsa_prob_by_activity, C.ACTIVITY_STATUSES)
        _prob("rsa_under_25_factor", self.rsa_under_25_factor)
        expected = {(a, r) for a in C.ACTIVITY_STATUSES for r in (0, 1)}
        if (
            not isinstance(self.income_ratio_beta, Mapping)
            or set(self.income_ratio_beta) != expected
        ):
            raise DataError.from_key("err_synth_income_beta_keys")
        for key, value in self.income_ratio_beta.items():
            name = f"income_ratio_beta[{key!r}]"
            mean, conc = _number(name, value, length=2)
            if not (0 < mean < 1 and conc > 0):
                raise DataError.from_key("err_synth_income_beta_value", name=name, value=value)
        _probs("income_unstable_prob", self.income_unstable_prob, C.ACTIVITY_STATUSES)
        _prob("no_rent_prob", self.no_rent_prob)
        _positive("rent_median_one_person", self.rent_median_one_person)
        _number("rent_per_extra_person", self.rent_per_extra_person)
        _positive("rent_log_sd", self.rent_log_sd, allow_zero=True)
        _probs("separated_recently_prob", self.separated_recently_prob, C.FAMILY_STATUSES)
        _prob("other_household_change_prob", self.other_household_change_prob)
        rate = _number("anomaly_base_rate", self.anomaly_base_rate)
        if not 0 < rate < 1:
            raise DataError.from_key(
                "err_synth_param_open_unit", name="anomaly_base_rate", value=rate
            )
        if not isinstance(self.anomaly_coefficients, Mapping):
            raise DataError.from_key("err_synth_anomaly_coefficients")
        for key, value in self.anomaly_coefficients.items():
            _number(f"anomaly_coefficients[{key!r}]", value)
        if self.anomaly_model is not None and not callable(self.anomaly_model):
            raise DataError.from_key("err_synth_anomaly_model")
        if self.scenario not in C.SCENARIOS:
            raise DataError.from_key(
                "err_synth_unknown_scenario",
                scenario=self.scenario,
                valid=", ".join(map(repr, C.SCENARIOS)),
            )
        validate_planted_effects(self.planted_effects)
        _prob("planted_signal", self.planted_signal)

    # ----------------------------------------------------------------------------------
    def effective_planted_effects(self) -> dict[str, dict[str, float]]:
        """Planted score shifts in use: ``planted_effects`` if scenario is "planted", else 0."""
        if self.scenario != "planted":
            return {}
        return {a: {g: float(v) for g, v in d.items()} for a, d in self.planted_effects.items()}


def validate_planted_effects(effects: object) -> None:
    """Check ``planted_effects``: {"gender" or "family_status": {group: shift}}."""
    categories = {"gender": C.GENDERS, "family_status": C.FAMILY_STATUSES}
    if not isinstance(effects, Mapping):
        raise DataError.from_key(
            "err_synth_planted_not_mapping", example="{'gender': {'woman': 0.4}}"
        )
    for attr, shifts in effects.items():
        if attr not in categories:
            raise DataError.from_key(
                "err_synth_planted_attribute",
                attr=attr,
                valid=", ".join(map(repr, C.PLANTED_ATTRIBUTES)),
            )
        if not isinstance(shifts, Mapping):
            raise DataError.from_key("err_synth_planted_shifts", attr=attr)
        for group, value in shifts.items():
            if group not in categories[attr]:
                raise DataError.from_key(
                    "err_synth_planted_group",
                    attr=attr,
                    group=group,
                    valid=", ".join(map(repr, categories[attr])),
                )
            _number(f"planted_effects[{attr!r}][{group!r}]", value)


# -------------------------------------------------------------------------------------------
# small validators
# -------------------------------------------------------------------------------------------
_TOL = 1e-6


def _number(name: str, value: object, length: int | None = None) -> Any:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError.from_key("err_synth_param_not_number", name=name, value=value) from None
    if length is None and arr.ndim != 0:
        raise DataError.from_key("err_synth_param_not_single", name=name, value=value)
    if length is not None and arr.shape != (length,):
        raise DataError.from_key("err_synth_param_length", name=name, value=value, length=length)
    if not np.all(np.isfinite(arr)):
        raise DataError.from_key("err_synth_param_not_finite", name=name, value=value)
    return arr.item() if arr.ndim == 0 else tuple(arr.tolist())


def _prob(name: str, value: object) -> float:
    v = _number(name, value)
    if not 0 <= v <= 1:
        raise DataError.from_key("err_synth_param_probability", name=name, value=v)
    return v


def _positive(name: str, value: object, allow_zero: bool = False) -> float:
    v = _number(name, value)
    if v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise DataError.from_key("err_synth_param_positive", name=name, value=v, bound=bound)
    return v


def _positive_pair(name: str, value: object) -> None:
    a, b = _number(name, value, length=2)
    if a <= 0 or b <= 0:
        raise DataError.from_key("err_synth_param_pair_positive", name=name, value=value)


def _range_pair(name: str, value: object, low: float) -> None:
    a, b = _number(name, value, length=2)
    if not low <= a <= b:
        raise DataError.from_key("err_synth_param_range_pair", name=name, value=value, low=low)


def _keys(name: str, mapping: object, keys: tuple) -> Mapping:
    if not isinstance(mapping, Mapping):
        raise DataError.from_key(
            "err_synth_param_not_mapping", name=name, keys=", ".join(map(repr, keys))
        )
    missing = [k for k in keys if k not in mapping]
    extra = [k for k in mapping if k not in keys]
    if missing or extra:
        parts = [
            Part(key, keys=", ".join(map(repr, found)))
            for key, found in (
                ("err_synth_keys_missing", missing),
                ("err_synth_keys_unknown", extra),
            )
            if found
        ]
        raise DataError.from_key(
            "err_synth_param_keys",
            name=name,
            problems=Parts(parts, sep=Part("err_synth_keys_and")),
            keys=", ".join(map(repr, keys)),
        )
    return mapping


def _check_sum(name: str, values: list[float]) -> None:
    if any(v < 0 or v > 1 for v in values):
        raise DataError.from_key("err_synth_param_share_range", name=name, values=values)
    total = math.fsum(values)
    if abs(total - 1.0) > _TOL:
        raise DataError.from_key("err_synth_param_share_sum", name=name, total=total)


def _shares(name: str, mapping: object, keys: tuple) -> None:
    m = _keys(name, mapping, keys)
    _check_sum(name, [_number(f"{name}[{k!r}]", m[k]) for k in keys])


def _probs(name: str, mapping: object, keys: tuple) -> None:
    m = _keys(name, mapping, keys)
    for k in keys:
        _prob(f"{name}[{k!r}]", m[k])


def _vector_shares(name: str, value: object, length: int) -> None:
    _check_sum(name, list(_number(name, value, length=length)))


def _table(name: str, mapping: object, keys: tuple, length: int) -> None:
    m = _keys(name, mapping, keys)
    for k in keys:
        _vector_shares(f"{name}[{k!r}]", m[k], length)
