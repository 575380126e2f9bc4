"""Parsing of the command-line options shared by every command (budget, key=value, bands, model)."""

from __future__ import annotations

from scoreaudit.errors import PolicyError, ScoreAuditError

__all__ = ["parse_bands", "parse_budget", "parse_mapping", "resolve_model"]


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
