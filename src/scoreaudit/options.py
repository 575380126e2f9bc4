"""The audit options shared by the command line and the web page: their defaults, how a
config file and given options are merged, and how each option's text is read.

Both front ends (``scoreaudit.cli``, ``scoreaudit.web``) read options here, so a budget
written ``5%`` or a reference ``gender=man`` means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoreaudit.errors import PolicyError, ScoreAuditError

__all__ = [
    "CONFIG_KEYS",
    "DEFAULTS",
    "merge_options",
    "parse_bands",
    "parse_budget",
    "parse_mapping",
    "resolve_model",
]

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
    raise ScoreAuditError(f"{what} must be a mapping like {{gender: man}}, not {value!r}.")


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
                raise PolicyError(
                    f"The budget {text!r} must be more than 0% and at most 100% "
                    "of the files (e.g. 5%)."
                )
            return Budget(share=pct / 100)
        for suffix in ("files", "file", "dossiers", "dossier"):
            if raw.endswith(suffix):
                return Budget(count=int(raw[: -len(suffix)].strip()))
        value = float(raw)
    except PolicyError:  # a readable budget out of range (0%, 120%): Budget's own message
        raise
    except ValueError:
        raise PolicyError(
            f"Cannot read the budget {text!r}: write a share like 5% or 0.05, or a number of "
            "files like '500 files'."
        ) from None
    if value.is_integer() and value >= 1:
        raise PolicyError(
            f"The budget {text!r} is ambiguous: write {int(value)}% for a share of files, or "
            f"'{int(value)} files' for a number of files."
        )
    return Budget(share=value)


def parse_mapping(items: list[str], what: str) -> dict[str, str]:
    """Parse ``key=value`` options (e.g. ``--reference gender=man``)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ScoreAuditError(f"{what} must look like name=value, not {item!r}.")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def parse_bands(items: list[str]) -> dict[str, list[float]]:
    out = {}
    for k, v in parse_mapping(items, "--bands").items():
        try:
            out[k] = [float(x) for x in v.replace(";", ",").split(",") if x.strip()]
        except ValueError:
            raise ScoreAuditError(f"--bands {k}={v!r}: cut points must be numbers.") from None
    return out


def resolve_model(model: str | None, score_column: str | None, trust_pickle: bool = False):
    """A ScoringModel from a spec file, a shipped spec name, a model file or a score column."""
    from scoreaudit.models.column import ScoreColumn

    if (model is None) == (score_column is None):
        raise ScoreAuditError(
            "Give either --model (a spec, a shipped name or a model file) "
            "or --score-column (scores already in the data)."
        )
    if score_column is not None:
        return ScoreColumn(score_column)
    from scoreaudit.models.loading import load_model

    return load_model(model, allow_pickle=trust_pickle)
