"""The audit options shared by the command line and the web page: their defaults, how a
config file and given options are merged, and how each option's text is read.

Both front ends (``scoreaudit.cli``, ``scoreaudit.web``) read options here, so a budget
written ``5%`` or a reference ``gender=man`` means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scoreaudit.errors import DataError, PolicyError, ScoreAuditError

__all__ = [
    "COUNT_COLUMNS",
    "CONFIG_KEYS",
    "DEFAULTS",
    "funnel_reference",
    "funnel_step",
    "merge_options",
    "parse_bands",
    "parse_budget",
    "parse_mapping",
    "parse_step",
    "recorded_options",
    "resolve_model",
    "run_audit_from_options",
    "run_funnel",
]

#: The count-table columns the web page offers to name (``audit_counts`` keywords).
COUNT_COLUMNS = (
    "tp",
    "fp",
    "tn",
    "fn",
    "n",
    "selected",
    "positives",
    "selection_rate",
    "precision",
    "prevalence",
    "fpr",
)

DEFAULTS: dict[str, Any] = {
    "data": None,
    "engine": None,
    "model": None,
    "score_column": None,
    "protected": "gender,age_band,family_status",
    "bands": {},
    "budget": "5%",
    "reference": {},
    "intersections": True,
    "confidence": 0.95,
    "min_cell": 11,
    "label": None,
    "weight": None,
    "missing": "error",
    "labels": None,
    "lang": None,
    "out": None,
    "explain": False,
    "formats": "html,md,json,csv,figures",
}
#: Keys accepted in an ``audit.yaml`` file (dashes may be used for underscores).
CONFIG_KEYS = tuple(DEFAULTS)


def _as_list_text(value: Any, what: str) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    raise ScoreAuditError.from_key("err_option_mapping", what=what, value=value)


def merge_options(
    cli: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Defaults, then the config file, then options given on the command line (not None).

    Examples
    --------
    >>> merge_options({"budget": None, "lang": "fr"}, {"budget": "10%"})["budget"]
    '10%'
    """
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in (config or {}).items() if v is not None})
    for k, v in cli.items():
        if v is None or (isinstance(v, (list, tuple, dict)) and not v and k in merged):
            continue
        merged[k] = v
    merged["protected"] = _as_list_text(merged["protected"], "protected")
    merged["formats"] = _as_list_text(merged["formats"], "formats")
    merged["reference"] = {
        str(k): str(v) for k, v in _mapping(merged["reference"], "reference").items()
    }
    bands = _mapping(merged["bands"], "bands")
    merged["bands"] = {str(k): (_as_list_text(v, "bands")) for k, v in bands.items()}
    if merged["budget"] is not None:
        merged["budget"] = str(merged["budget"])
    return merged


def parse_budget(text: str):
    """Parse ``5%`` or ``0.05`` (a share) or ``500 files`` (a count) into a Budget.

    A bare whole number such as ``5`` is ambiguous (5% or 5 files?) and refused.

    Examples
    --------
    >>> parse_budget("5%").share, parse_budget("0.05").share, parse_budget("500 files").count
    (0.05, 0.05, 500)
    """
    from scoreaudit.selection.policies import Budget

    raw = str(text).strip().lower().replace(",", ".")
    try:
        if raw.endswith("%"):
            pct = float(raw[:-1].strip())
            if not 0 < pct <= 100:  # also refuses nan
                raise PolicyError.from_key("err_budget_range", text=text)
            return Budget(share=pct / 100)
        for suffix in ("files", "file", "dossiers", "dossier"):
            if raw.endswith(suffix):
                return Budget(count=int(raw[: -len(suffix)].strip()))
        value = float(raw)
    except PolicyError:  # a readable budget out of range (0%, 120%): Budget's own message
        raise
    except ValueError:
        raise PolicyError.from_key("err_budget_unreadable", text=text) from None
    if value.is_integer() and value >= 1:
        raise PolicyError.from_key("err_budget_ambiguous", text=text, n=int(value))
    return Budget(share=value)


def parse_mapping(items: list[str], what: str) -> dict[str, str]:
    """Parse ``key=value`` options (e.g. ``--reference gender=man``)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ScoreAuditError.from_key("err_option_name_value", what=what, item=item)
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def parse_bands(items: list[str]) -> dict[str, list[float]]:
    out = {}
    for k, v in parse_mapping(items, "--bands").items():
        try:
            out[k] = [float(x) for x in v.replace(";", ",").split(",") if x.strip()]
        except ValueError:
            raise ScoreAuditError.from_key("err_bands_option", name=k, value=v) from None
    return out


def resolve_model(model: str | None, score_column: str | None, trust_pickle: bool = False):
    """A ScoringModel from a spec file, a shipped spec name, a model file or a score column."""
    from scoreaudit.models.column import ScoreColumn

    if (model is None) == (score_column is None):
        raise ScoreAuditError.from_key("err_model_or_score")
    if score_column is not None:
        return ScoreColumn(score_column)
    from scoreaudit.models.loading import load_model

    return load_model(model, allow_pickle=trust_pickle)


def recorded_options(
    opts: Mapping[str, Any], trust_pickle: bool = False
) -> tuple[str | None, dict[str, Any]]:
    """The model file and the options a report records of an audit run.

    Parameters
    ----------
    opts : mapping
        Merged options (:func:`merge_options`).
    trust_pickle : bool
        Whether pickled models were allowed (recorded as such).

    Returns
    -------
    tuple
        ``(model_path, recorded)``: the model option when it names an existing file (else
        None), and the options without ``out``, ``force`` and ``config``.

    Examples
    --------
    >>> recorded_options({"model": None, "budget": "5%", "out": "r", "force": True})
    (None, {'model': None, 'budget': '5%', 'trust_pickle': False})
    """
    model = opts.get("model")
    model_path = model if model and Path(str(model)).is_file() else None
    recorded = {k: v for k, v in opts.items() if k not in ("out", "force", "config")}
    recorded["trust_pickle"] = bool(trust_pickle)
    return model_path, recorded


def run_audit_from_options(
    opts: Mapping[str, Any],
    load_data: Callable[[], Any],
    *,
    trust_pickle: bool = False,
    step: Callable[[str], None] | None = None,
):
    """Run an audit (and its explanation when asked) from merged options.

    The steps both ``scoreaudit audit`` and the web page take: the budget, bands, protected
    attributes and model are read from ``opts`` first (a bad option is refused before any
    data is read), then ``load_data()`` gives the rows, and the in-memory or engine audit runs.

    Parameters
    ----------
    opts : mapping
        Merged options (:func:`merge_options`).
    load_data : callable
        Returns the data (a DataFrame, or a path the engine reads lazily).
    trust_pickle : bool
        Allow pickled models.
    step : callable, optional
        Told ``"audit"`` (or ``"audit_engine"`` when the rows stay in an engine) and
        ``"explain"`` as the run goes on.

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 200), "s": rng.random(200)})
    >>> opts = merge_options({"protected": "gender", "score_column": "s", "budget": "10%"})
    >>> int(run_audit_from_options(opts, lambda: f).selected.sum())
    20
    """
    from scoreaudit.data.population import Population
    from scoreaudit.engines.memory import audit

    tell = step or (lambda name: None)
    budget = parse_budget(opts["budget"])
    bands = parse_bands([f"{k}={v}" for k, v in opts["bands"].items()])
    protected = [p.strip() for p in opts["protected"].split(",") if p.strip()]
    scorer = resolve_model(opts["model"], opts["score_column"], trust_pickle)
    pop = Population(
        load_data(),
        protected=protected,
        label=opts["label"],
        weight=opts["weight"],
        bands=bands,
        missing=str(opts["missing"]),
        engine=opts["engine"],
    )
    tell("audit_engine" if pop.source else "audit")
    result = audit(
        pop,
        scorer,
        budget,
        reference=opts["reference"] or None,
        intersections=bool(opts["intersections"]),
        confidence=float(opts["confidence"]),
        min_cell=int(opts["min_cell"]),
    )
    if opts["explain"]:
        tell("explain")
        explanation = result.explain()
        if getattr(result, "explanation", None) is None:
            result.explanation = explanation
    return result


# ------------------------------------------------------------------------------------------
# The process (funnel) audit: ``scoreaudit funnel`` and the web page's funnel form
# ------------------------------------------------------------------------------------------


def funnel_step(name: str, stage: str, base: str, given: str | None = None) -> tuple[str, str, str]:
    """One step ``(name, stage, base stage)``; the name defaults to the stage.

    Parameters
    ----------
    name, stage, base : str
        As typed (surrounding spaces removed).
    given : str, optional
        The text the user wrote, quoted in the error (default ``name=stage/base``).

    Examples
    --------
    >>> funnel_step("", "picked", "population")
    ('picked', 'picked', 'population')
    """
    stage, base, name = str(stage).strip(), str(base).strip(), str(name).strip()
    if not stage or not base:
        text = given if given is not None else f"{name}={stage}/{base}"
        raise DataError.from_key("err_step_both", text=text)
    return (name or stage, stage, base)


def parse_step(text: str) -> tuple[str, str, str]:
    """``"name=stage/base"`` or ``"stage/base"`` (the name is then the stage).

    Examples
    --------
    >>> parse_step("found at fault=unduly/selected"), parse_step("picked/population")
    (('found at fault', 'unduly', 'selected'), ('picked', 'picked', 'population'))
    """
    name, _, rest = text.rpartition("=")
    if "/" not in rest:
        raise DataError.from_key("err_step_form", text=text)
    stage, _, base = rest.rpartition("/")
    return funnel_step(name, stage, base, given=text)


def funnel_reference(items: list[str]) -> dict[str, str] | str | None:
    """The funnel's reference group: ``column=value`` items, or one group label, or None.

    Examples
    --------
    >>> funnel_reference(["gender=man"]), funnel_reference(["man"]), funnel_reference([])
    ({'gender': 'man'}, 'man', None)
    """
    items = [str(i).strip() for i in items if str(i).strip()]
    if not items:
        return None
    if len(items) == 1 and "=" not in items[0]:
        return items[0]
    return parse_mapping(items, "--reference")


def run_funnel(
    frame: Any,
    *,
    group: str | list[str],
    stage: str,
    count: str | None,
    steps: list[tuple[str, str, str]],
    stratum: str | None = None,
    reference: list[str] | None = None,
    rounding: int | None = None,
    confidence: float = 0.95,
    correction: str = "holm",
    min_cell: int = 11,
    total: str | None = "auto",
):
    """Run :func:`scoreaudit.engines.funnel.audit_funnel` on a table read from a file.

    The steps ``scoreaudit funnel`` and the web page share: group columns given as
    ``"a,b"`` or a list, ``count`` ``"none"`` (or None) for a row-level log, ``total``
    ``"none"`` for no total rows, the reference as ``--reference`` items
    (:func:`funnel_reference`); hidden-cell markers in the count column kept as read.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"g": ["a", "a", "b", "b"], "stage": ["all", "hit"] * 2,
    ...                   "n": [1000, 200, 1000, "x"]})
    >>> res = run_funnel(t, group="g", stage="stage", count="n",
    ...                  steps=[("hit", "hit", "all")], reference=["g=a"])
    >>> res.config["reference"], res.data_summary["hidden_cells"]
    ('a', 1)
    """
    from scoreaudit.engines.funnel import audit_funnel

    groups = [g.strip() for g in group.split(",")] if isinstance(group, str) else list(group)
    if count is not None and count.lower() == "none":
        count = None
    if count is not None and count in frame.columns:
        frame = frame.copy()
        frame[count] = frame[count].astype(object)  # keep hidden markers as read
    return audit_funnel(
        frame,
        [g for g in groups if g],
        stage,
        count,
        steps,
        stratum=stratum,
        reference=funnel_reference(reference or []),
        rounding=rounding,
        confidence=confidence,
        correction=correction,
        min_cell=min_cell,
        total=None if total is None or total.lower() == "none" else total,
    )
