"""explain(): neutralise each input and see how the disparities move."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import View, build_cells, build_views
from scoreaudit.core.vocab import REST
from scoreaudit.data.population import Population
from scoreaudit.engines.memory import tie_groups_of
from scoreaudit.errors import DataError
from scoreaudit.explain._common import NEUTRALISE_METHODS, _model_name, _select_views
from scoreaudit.explain._compare import _Comparisons, _mean_sums
from scoreaudit.explain._neutralise import _input_sets, _Neutraliser, _Scorer
from scoreaudit.explain.decomposition import (
    _decomposition,
    _neutral_rows,
    _notes,
    _rank,
    _remaining,
)
from scoreaudit.explain.explanation import Explanation
from scoreaudit.explain.proxies import proxy_tables
from scoreaudit.selection.reselect import Reselection


def explain(
    result: Any,
    *,
    inputs: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    attributes: Sequence[str] | str | None = None,
    neutralise: str = "permute",
    stratum: str | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    n_repeats: int = 1,
    random_state: int | None = 0,
    protected_columns: Mapping[str, Sequence[str]] | None = None,
) -> Explanation:
    """Explain an audit's disparities: decomposition, neutralisation, proxies.

    Parameters
    ----------
    result : AuditResult
        An audit result (it keeps the population, model, policy and scores).
    inputs : list of str, or dict name -> list of str, optional
        Inputs to neutralise one at a time (default: every feature of the model). A dict
        neutralises named sets jointly, e.g. ``{"household": ["n_minors", "family_status"]}``.
        Any column of the population may be given, read by the model or not.
    attributes : str or list of str, optional
        Attributes or intersections (``"gender × family_status"``) whose groups are compared
        (default: every single protected attribute of the audit). References are the audit's.
    neutralise : {"permute", "marginal", "fixed"}
        How an input is neutralised (see the module docstring).
    stratum : str or list of str, optional
        Permute / draw within the strata of these columns (e.g. ``"household_size"``).
    fixed : dict column -> value, optional
        Values used by ``neutralise="fixed"`` (default: the mode, or the median of a column
        with more than 20 distinct numeric values).
    n_repeats : int
        Random draws averaged for ``"permute"`` and ``"marginal"``.
    random_state : int
        Seed of the draws.
    protected_columns : dict attribute -> list of str, optional
        The model inputs that encode each protected attribute, for ``protected_neutralised``
        (default: the attribute's own column). E.g. ``{"age_band": ["age"]}`` when the model
        reads the age from which the audited band is cut.

    Returns
    -------
    Explanation

    Raises
    ------
    DataError
        An unknown input, attribute or stratum column; a bad method or repeat count.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(1)
    >>> g = rng.choice(["man", "woman"], 2000)
    >>> frame = pd.DataFrame({"gender": g, "x": (g == "woman") + rng.normal(size=2000)})
    >>> card = sa.models.Scorecard.from_dict({"name": "m", "terms": [
    ...     {"kind": "linear", "variable": "x", "coefficient": 1.0}]})
    >>> res = sa.audit(sa.Population(frame, protected=["gender"]), card, sa.Budget(share=0.1),
    ...                reference={"gender": "man"})
    >>> t = explain(res).neutralisation
    >>> bool(t["ratio_before"].iloc[0] > 2), bool(t["after_covers_1"].iloc[0])
    (True, True)
    """
    t_start = time.perf_counter()
    _check_arguments(result, neutralise, n_repeats)
    population: Population = result.population
    model, policy = result.model, result.policy
    frame = population.frame
    weights = population.weights
    base_scores = np.asarray(result.scores, dtype=np.float64)
    sets = _input_sets(inputs, model, frame)
    _check_fixed(fixed, neutralise, sets, population)
    _check_protected_columns(protected_columns, population)

    confidence = float(result.config.get("confidence", 0.95))
    cells = build_cells(list(population.attributes.values()))
    views = _select_views(build_views(cells, result.config.get("intersections", True)), attributes)
    refs_used = result.config.get("references_used", {})
    refs = _reference_indices(views, refs_used)
    comp = _Comparisons(cells, views, refs, weights, confidence)

    n = len(frame)
    _, tie_groups = tie_groups_of(cells, population.labels)
    selector = Reselection(policy, weights, n, base_scores, np.asarray(result.selected), tie_groups)
    scorer = _Scorer(model, frame, base_scores)
    neut = _Neutraliser(frame, neutralise, stratum, fixed, int(n_repeats), random_state, weights)
    repeats = 1 if neutralise == "fixed" else int(n_repeats)
    timings: dict[str, float] = {"setup": time.perf_counter() - t_start}

    before_sel = comp.cell_sums(np.asarray(result.selected))
    before = comp.ratios(before_sel)

    def after_stats(score_fn: Callable[[int], np.ndarray]) -> tuple[dict, np.ndarray]:
        sums, ratios = [], []
        for r in range(repeats):
            s = score_fn(r)
            cs = before_sel if s is base_scores else comp.cell_sums(selector.select(s))
            sums.append(cs)
            if repeats > 1:
                ratios.append(comp.ratios(cs)["ratio"])
        after = comp.ratios(_mean_sums(sums))
        with np.errstate(invalid="ignore"):  # NaN where a draw gives an infinite ratio
            sd = (
                np.std(np.vstack(ratios), axis=0, ddof=1)
                if repeats > 1
                else np.full(len(comp.keys), np.nan)
            )
        return after, sd

    def neutralised(cols: list[str]) -> tuple[dict, np.ndarray]:
        def score_fn(r: int) -> np.ndarray:
            new, idx = neut.replace(cols, r)
            return scorer.scores(cols, new, idx)

        return after_stats(score_fn)

    # -- neutralisation ---------------------------------------------------------------------
    t0 = time.perf_counter()
    frames = []
    for name, cols in sets.items():
        after, sd = neutralised(cols)
        frames.append(_neutral_rows(comp, name, cols, before, after, sd))
    neutralisation = _rank(pd.concat(frames, ignore_index=True))
    timings["neutralisation"] = time.perf_counter() - t0

    # -- decomposition ------------------------------------------------------------------------
    t0 = time.perf_counter()
    decomposition = _decomposition(
        model, frame, comp, scorer, neut, neutralise, repeats, before, after_stats, weights
    )
    timings["decomposition"] = time.perf_counter() - t0

    # -- protected attribute neutralised ------------------------------------------------------
    t0 = time.perf_counter()
    features = set(getattr(model, "features", []) or [])
    protected = _protected_neutralised(
        views, comp, before, neutralised, protected_columns, frame, features
    )
    timings["protected_neutralised"] = time.perf_counter() - t0

    # -- proxies ------------------------------------------------------------------------------
    t0 = time.perf_counter()
    proxy_inputs = list(dict.fromkeys(c for cols in sets.values() for c in cols))
    proxy_attrs = [v.members[0] for v in views if len(v.members) == 1] or list(population.protected)
    proxies, proxy_groups = proxy_tables(
        frame, proxy_inputs, {a: population.attributes[a] for a in proxy_attrs}
    )
    timings["proxies"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start

    notes = _notes(neutralise, stratum, repeats, scorer.additive, selector.mode, policy)
    if len(proxies) and proxies["many_levels"].any():
        many = list(dict.fromkeys(proxies.loc[proxies["many_levels"], "input"]))
        notes.append(
            f"Input(s) with many levels for the number of files ({', '.join(many)}): their "
            "proxy AUC is cross-fitted and their Cramér's V bias-corrected, so chance "
            "association does not rank them high, but both measures are imprecise; group the "
            "levels (e.g. postcodes into districts) for a sharper reading."
        )
    config = {
        "model": _model_name(model),
        "neutralise": neutralise,
        "stratum": neut.stratum,
        "n_repeats": repeats,
        "random_state": random_state,
        "fixed": {
            str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in (fixed or {}).items()
        },
        "inputs": {k: list(v) for k, v in sets.items()},
        "attributes": [v.name for v in views],
        "references_used": {v.name: refs_used.get(v.name) for v in views},
        "policy": policy.to_dict(),
        "confidence": confidence,
        "additive_fast_path": bool(scorer.additive),
        "selection": "exact O(n) budget selection"
        if selector.mode != "policy"
        else "policy.select",
    }
    return Explanation(
        decomposition=decomposition,
        neutralisation=neutralisation,
        proxies=proxies,
        protected_neutralised=protected,
        proxy_groups=proxy_groups,
        config=config,
        notes=notes,
        timings=timings,
    )


def _check_arguments(result: Any, neutralise: str, n_repeats: Any) -> None:
    for name in ("population", "model", "policy", "scores"):
        if getattr(result, name, None) is None:
            raise DataError.from_key("err_explain_result_incomplete", name=name)
    if neutralise not in NEUTRALISE_METHODS:
        raise DataError.from_key(
            "err_explain_neutralise_method",
            methods=", ".join(map(repr, NEUTRALISE_METHODS)),
            value=neutralise,
        )
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise DataError.from_key("err_explain_n_repeats", value=n_repeats)


def _check_fixed(
    fixed: Mapping[str, Any] | None,
    neutralise: str,
    sets: dict[str, list[str]],
    population: Population,
) -> None:
    if fixed is not None:
        if neutralise != "fixed":
            raise DataError.from_key("err_explain_fixed_unused")
        all_cols = {c for cols in sets.values() for c in cols} | set(population.protected)
        unknown = [c for c in fixed if c not in all_cols]
        if unknown:
            raise DataError.from_key(
                "err_explain_fixed_unknown", columns=", ".join(map(repr, unknown))
            )


def _check_protected_columns(
    protected_columns: Mapping[str, Sequence[str]] | None, population: Population
) -> None:
    frame = population.frame
    if protected_columns is not None:
        for a, cols in protected_columns.items():
            if a not in population.attributes:
                raise DataError.from_key(
                    "err_explain_protected_columns_attribute",
                    attribute=a,
                    protected=", ".join(population.protected),
                )
            for c in [cols] if isinstance(cols, str) else cols:
                if c not in frame.columns:
                    raise DataError.from_key(
                        "err_explain_protected_columns_column", attribute=a, column=c
                    )


def _reference_indices(views: list[View], refs_used: Mapping[str, Any]) -> list[int | None]:
    """Index of each view's reference group in the audit (None: the rest)."""
    refs = []
    for v in views:
        label = refs_used.get(v.name)
        if label is None:
            raise DataError.from_key("err_explain_no_reference", attribute=v.name)
        refs.append(None if label == REST else v.labels.index(label))
    return refs


def _protected_neutralised(
    views: list[View],
    comp: _Comparisons,
    before: dict,
    neutralised: Callable[[list[str]], tuple[dict, np.ndarray]],
    protected_columns: Mapping[str, Sequence[str]] | None,
    frame: pd.DataFrame,
    features: set[str],
) -> pd.DataFrame:
    """Ratios before and after neutralising the columns that encode each protected attribute."""
    prot_frames = []
    for v in views:
        if len(v.members) != 1:
            continue
        a = v.name
        if protected_columns is not None and a in protected_columns:
            pc = protected_columns[a]
            cols = [pc] if isinstance(pc, str) else list(pc)
        else:
            cols = [a] if a in frame.columns else []
        reads = bool(set(cols) & features)
        mask = (comp.keys["attribute"] == a).to_numpy()
        if reads:
            after, _ = neutralised(cols)
        else:  # the model does not read it: neutralising it changes nothing
            after = before
        prot_frames.append(
            pd.DataFrame(
                {
                    "attribute": a,
                    "group": comp.keys["group"][mask].to_numpy(),
                    "reference": comp.keys["reference"][mask].to_numpy(),
                    "columns": ", ".join(cols) if cols else "",
                    "model_reads_attribute": reads,
                    "ratio_before": before["ratio"][mask],
                    "ratio_before_low": before["ratio_low"][mask],
                    "ratio_before_high": before["ratio_high"][mask],
                    "ratio_after": after["ratio"][mask],
                    "ratio_after_low": after["ratio_low"][mask],
                    "ratio_after_high": after["ratio_high"][mask],
                    "remaining": _remaining(before["ratio"][mask], after["ratio"][mask]),
                }
            )
        )
    protected = (
        pd.concat(prot_frames, ignore_index=True)
        if prot_frames
        else pd.DataFrame(
            columns=[
                "attribute",
                "group",
                "reference",
                "columns",
                "model_reads_attribute",
                "ratio_before",
                "ratio_after",
                "remaining",
            ]
        )
    )
    return protected
