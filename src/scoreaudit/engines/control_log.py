"""The control log: random and score-picked controls, checked and counted by cell."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.data.inputs import to_pandas
from scoreaudit.data.population import Population
from scoreaudit.errors import DataError, Part, quoted

_METHODS = ("random", "score")


def _norm(value: Any) -> str:
    """A value as the text used to compare selection methods and outcomes."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


class ControlLog:
    """A validated log of controls: one row per control (or per group of identical controls).

    Parameters
    ----------
    frame : pandas.DataFrame
        The log. Other columns are ignored.
    protected : list of str
        Protected attribute columns (validated exactly as for :class:`~scoreaudit.Population`).
    selected_by : str, default "selection_method"
        Column saying how each file was picked.
    random_value : str, default "random"
        The value of ``selected_by`` marking random controls. Without ``method_map``, every
        other value is merged into "picked by the score".
    outcome : str, default "result"
        Column holding what the control found.
    positive : str, default "errors found"
        The value of ``outcome`` meaning an irregularity was found.
    negative : str, optional
        The value meaning none was found. If omitted, the outcome column must have at most one
        value besides ``positive`` and it is taken as the negative one.
    population_size : int, optional
        Number of files in the population the controls were drawn from (e.g. all C2SG
        households of the year). Needed for population-level rates (FPR, FNR, confusion
        matrix); must be at least the number of controls.
    weight : str, optional
        Frequency weights: a column of positive whole numbers, the number of identical
        controls a row stands for (for logs already aggregated by group, method and result).
        These are not sampling weights: random controls drawn with unequal probabilities are
        outside the estimator's assumptions.
    method_map : dict, optional
        Raw ``selected_by`` values to ``"random"``, ``"score"`` or ``"exclude"`` (e.g. controls
        triggered by a tip-off, which are neither). With a map, every value present must be in
        it (or equal ``random_value``); an unknown value is an error.
    bands : dict, optional
        Cut points for numeric protected attributes, as for :class:`~scoreaudit.Population`.
    missing : {"error", "category"}
        Missing protected values: error (default) or an explicit ``"(missing)"`` group.

    Attributes
    ----------
    is_random : ndarray of bool
        Per kept row, picked at random (else by the score).
    is_positive : ndarray of bool
        Per kept row, the control found an irregularity.
    counts : ndarray of int64
        Per kept row, the number of controls it stands for (1 without ``weight``).
    attributes : dict
        Validated protected attributes (integer codes and labels).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "gender": ["woman", "man", "woman", "man", "woman", "man"],
    ...     "selection_method": ["random", "random", "high risk", "high risk", "follow-up",
    ...                          "random"],
    ...     "result": ["no error", "errors found", "errors found", "no error", "no error",
    ...                "no error"]})
    >>> log = ControlLog(frame, protected=["gender"])
    >>> log.summary()["random_controls"], log.summary()["score_controls"]
    (3, 3)
    >>> sorted(log.summary()["methods"].items())
    [('follow-up', 'score'), ('high risk', 'score'), ('random', 'random')]
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        protected: Sequence[str],
        *,
        selected_by: str = "selection_method",
        random_value: Any = "random",
        outcome: str = "result",
        positive: Any = "errors found",
        negative: Any = None,
        population_size: int | None = None,
        weight: str | None = None,
        method_map: Mapping[Any, str] | None = None,
        bands: Mapping[str, Sequence[float]] | None = None,
        missing: str = "error",
    ) -> None:
        frame = to_pandas(frame, "The control log")
        if len(frame) == 0:
            raise DataError.from_key("err_log_empty")
        if isinstance(protected, str):
            protected = [protected]
        for role, col in (("selected_by", selected_by), ("outcome", outcome)):
            if col not in frame.columns:
                raise DataError.lacking_columns(
                    "err_log_column", frame.columns, column=col, role=role
                )
            if col in protected:
                raise DataError.from_key("err_log_role_protected", column=col, role=role)
        if weight is not None and weight not in frame.columns:
            raise DataError.lacking_columns("err_log_weight_column", frame.columns, column=weight)

        # -- selection method ----------------------------------------------------------------
        raw_method = frame[selected_by]
        _check_complete(
            raw_method, selected_by, "selected_by", "every control must say how the file was picked"
        )
        method_text = raw_method.map(_norm).to_numpy(dtype=object)
        present = sorted(set(method_text))
        random_text = _norm(random_value)
        mapping = _method_mapping(present, random_text, selected_by, method_map)
        role = np.array([mapping[v] for v in method_text], dtype=object)
        self.method_roles = {v: mapping[v] for v in present}
        keep = role != "exclude"
        n_excluded = int((~keep).sum())
        if not keep.any():
            raise DataError.from_key("err_log_all_excluded", roles=str(self.method_roles))
        is_random = role[keep] == "random"
        if not is_random.any():
            close = [v for v in present if v.casefold() == random_text.casefold()]
            hint = (
                Part("err_log_random_close", close=close[0])
                if close
                else Part(
                    "err_log_values_of",
                    column=selected_by,
                    values=quoted(present),
                )
            )
            raise DataError.from_key(
                "err_log_no_random", column=selected_by, random=random_text, hint=hint
            )
        if is_random.all():
            raise DataError.from_key("err_log_no_score", column=selected_by, random=random_text)

        data = frame.loc[keep].reset_index(drop=True) if n_excluded else frame

        # -- outcome -------------------------------------------------------------------------
        raw_out = data[outcome]
        _check_complete(
            raw_out, outcome, "outcome", "drop controls without a result, or record them"
        )
        is_positive, pos_text, neg_text = _positive_rows(raw_out, outcome, positive, negative)

        # -- weights (frequency) -------------------------------------------------------------
        if weight is None:
            counts = np.ones(len(data), dtype=np.int64)
        else:
            w = pd.to_numeric(data[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            bad = ~np.isfinite(w) | (w <= 0) | (w != np.round(w))
            if bad.any():
                pos = _first_bad(bad)
                raise DataError.from_key(
                    "err_log_weight",
                    column=weight,
                    n=int(bad.sum()),
                    value=data[weight].iloc[pos],
                    pos=pos,
                )
            counts = w.astype(np.int64)

        # -- protected attributes: the core's validation --------------------------------------
        pop = Population(data, protected, bands=bands, missing=missing)
        self.attributes = pop.attributes
        self.protected = list(pop.protected)
        self.bands = pop.bands
        self.frame = data
        self.is_random = is_random
        self.is_positive = is_positive
        self.counts = counts
        self.selected_by, self.outcome, self.weight = selected_by, outcome, weight
        self.random_value, self.positive_value, self.negative_value = (
            random_text,
            pos_text,
            neg_text,
        )
        self.n_excluded = (
            int(np.asarray(frame[weight])[~keep].sum())
            if (weight is not None and n_excluded)
            else n_excluded
        )

        n_random = int(counts[is_random].sum())
        n_score = int(counts[~is_random].sum())
        if population_size is not None:
            if isinstance(population_size, bool) or not float(population_size).is_integer():
                raise DataError.from_key("err_log_population_whole", value=population_size)
            population_size = int(population_size)
            if population_size < n_random + n_score:
                raise DataError.from_key(
                    "err_log_population_small", size=population_size, n=n_random + n_score
                )
        self.population_size = population_size
        self.n_random, self.n_score = n_random, n_score

    def __len__(self) -> int:
        return int(self.counts.sum())

    def summary(self) -> dict[str, Any]:
        """Plain description of the log: controls by method and result, groups, options.

        Examples
        --------
        >>> import pandas as pd
        >>> f = pd.DataFrame({"g": ["a", "b", "a", "b"], "m": ["random", "random", "score",
        ...                   "score"], "r": ["yes", "no", "yes", "yes"]})
        >>> ControlLog(f, ["g"], selected_by="m", outcome="r", positive="yes").summary()[
        ...     "score_errors_found"]
        2
        """
        c, rnd, pos = self.counts, self.is_random, self.is_positive
        return {
            "controls": int(c.sum()),
            "random_controls": int(c[rnd].sum()),
            "score_controls": int(c[~rnd].sum()),
            "random_errors_found": int(c[rnd & pos].sum()),
            "score_errors_found": int(c[~rnd & pos].sum()),
            "excluded_controls": self.n_excluded,
            "population_size": self.population_size,
            "selected_by": self.selected_by,
            "methods": dict(self.method_roles),
            "outcome": self.outcome,
            "positive": self.positive_value,
            "negative": self.negative_value,
            "weight": self.weight,
            "protected": {a.name: list(a.levels) for a in self.attributes.values()},
            "bands": self.bands,
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"ControlLog({s['controls']} controls: {s['random_controls']} random, "
            f"{s['score_controls']} by the score; protected: {', '.join(self.protected)})"
        )


def _check_complete(values: pd.Series, column: str, role: str, advice: str) -> None:
    """No missing value in a column the audit cannot do without."""
    if values.isna().any():
        pos = _first_bad(values.isna().to_numpy())
        raise DataError.from_key(
            "err_log_missing",
            column=column,
            role=role,
            n=int(values.isna().sum()),
            pos=pos,
            advice=advice,
        )


def _method_mapping(
    present: list[str], random_text: str, selected_by: str, method_map: Mapping[Any, str] | None
) -> dict[str, str]:
    """Role ('random', 'score' or 'exclude') of each selection value of the log."""
    if method_map is not None:
        mapping = {_norm(k): str(v).strip().lower() for k, v in dict(method_map).items()}
        bad_targets = {k: v for k, v in mapping.items() if v not in (*_METHODS, "exclude")}
        if bad_targets:
            raise DataError.from_key("err_log_map_targets", got=str(bad_targets))
        mapping.setdefault(random_text, "random")
        unknown = [v for v in present if v not in mapping]
        if unknown:
            raise DataError.from_key(
                "err_log_map_unknown",
                column=selected_by,
                values=", ".join(map(repr, unknown)),
                mapped=", ".join(map(repr, sorted(mapping))),
            )
    else:
        mapping = {v: ("random" if v == random_text else "score") for v in present}
    return mapping


def _positive_rows(
    raw_out: pd.Series, outcome: str, positive: Any, negative: Any
) -> tuple[np.ndarray, str, str | None]:
    """Whether each control found errors, and the positive and negative values (as text)."""
    out_text = raw_out.map(_norm).to_numpy(dtype=object)
    pos_text = _norm(positive)
    neg_given = None if negative is None else _norm(negative)
    others = sorted(set(out_text) - {pos_text})
    if pos_text not in set(out_text) and (neg_given is None or any(v != neg_given for v in others)):
        close = [
            v
            for v in others
            if v.casefold() == pos_text.casefold()
            or v.casefold().startswith(pos_text.casefold()[:5])
        ]
        hint = Part("err_log_positive_close", close=close[0]) if close else ""
        raise DataError.from_key(
            "err_log_no_positive",
            column=outcome,
            value=pos_text,
            values=quoted(others),
            hint=hint,
        )
    if neg_given is None:
        if len(others) > 1:
            raise DataError.from_key(
                "err_log_other_values",
                column=outcome,
                values=", ".join(map(repr, others)),
                positive=pos_text,
            )
        neg_text = others[0] if others else None
    else:
        neg_text = neg_given
        outside = [v for v in others if v != neg_text]
        if outside:
            raise DataError.from_key(
                "err_log_outside",
                column=outcome,
                values=", ".join(map(repr, outside)),
                positive=pos_text,
                negative=neg_text,
            )
    return out_text == pos_text, pos_text, neg_text
