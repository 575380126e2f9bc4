"""A scorecard's terms as a table a reader can check against the agency's disclosed table."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["term_table"]

_COLUMNS = ["term", "kind", "level", "coefficient", "odds_ratio", "source", "note", "variables"]


def term_table(card: Any) -> pd.DataFrame:
    """One row per term and level: the coefficient and, for a logistic scorecard, its odds ratio.

    ``variables`` holds the input columns of the term (two for an interaction, whose levels
    read ``level of the first x level of the second``).

    Parameters
    ----------
    card : Scorecard
        Any other model gives an empty table.

    Examples
    --------
    >>> from scoreaudit.models.shipped import model
    >>> tab = term_table(model("c2sg-reconstruction"))
    >>> tab.loc[tab["term"] == "gender", ["level", "odds_ratio"]].to_dict("records")
    [{'level': 'man', 'odds_ratio': 1.0}, {'level': 'woman', 'odds_ratio': 1.3}]
    >>> tab.loc[tab["term"] == "mother", "variables"].iloc[0]
    ('gender', 'n_minors')
    """
    terms = getattr(card, "_terms", None)
    if not terms:
        return pd.DataFrame(columns=_COLUMNS)
    logistic = getattr(card, "link", None) == "logistic"
    rows = []
    for term in terms:
        for level, coef in term.cells():
            rows.append(
                {
                    "term": term.label,
                    "kind": term.kind,
                    "level": str(level),
                    "coefficient": float(coef),
                    "odds_ratio": round(math.exp(coef), 12) if logistic else float("nan"),
                    "source": str(getattr(term.spec, "source", None) or ""),
                    "note": str(getattr(term.spec, "note", None) or ""),
                    "variables": tuple(str(f.variable) for f in term.factors),
                }
            )
    return pd.DataFrame(rows, columns=_COLUMNS)
