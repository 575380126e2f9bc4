"""The model-spec editor: a table of (variable, level, odds ratio) turned into a scorecard spec.

Agencies disclose scores as tables of odds ratios. The editor reads such a table, typed in
the page or pasted from a spreadsheet (tab-separated; ``;`` also accepted), with decimal
commas, and builds the YAML spec that ``scoreaudit audit --model spec.yaml`` reads:

* a variable whose levels are all intervals (``<25``, ``>=25``, ``[0,7;0,9[``, ``[0.7, 0.9)``,
  or ``<=25``, ``>25``, ``]25;50]`` for intervals closed on the right) becomes a ``bins``
  term; the intervals must cover every number exactly once;
* a variable with the single level ``per unit`` (``par unité``) becomes a ``linear`` term:
  its odds ratio applies per unit of the variable (e.g. per child);
* any other variable becomes a ``categorical`` term whose reference level is the one with
  odds ratio 1.

With data, every variable must be a column, every level must occur in it (a typo is reported
with the column's values) and every value of the column must be listed. Problems are
returned as ``(catalogue key, values)`` pairs, rendered in the page's language.

Examples
--------
>>> table = "gender\\twoman\\t1,3\\ngender\\tman\\t1\\nage\\t<=25\\t1\\nage\\t>25\\t1.25"
>>> draft = build_draft(parse_paste(table), name="my-score")
>>> draft.problems, draft.commas
([], 1)
>>> draft.spec["terms"][0]
{'kind': 'categorical', 'variable': 'gender', 'reference': 'man', 'odds_ratios': {'woman': 1.3, 'man': 1.0}}
>>> draft.spec["terms"][1]["edges"], draft.spec["terms"][1]["closed"]
([25.0], 'right')
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "Draft",
    "Row",
    "build_draft",
    "check_against",
    "parse_interval",
    "parse_number",
    "parse_paste",
    "to_yaml",
]

Problem = tuple[str, dict[str, Any]]


@dataclass
class Row:
    """One line of the table (``line`` counts from 1 in the table shown)."""

    variable: str
    level: str
    odds: str
    line: int = 0


@dataclass
class Draft:
    """The result of reading the table: the spec (when valid), problems and notes."""

    rows: list[Row]
    spec: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    commas: int = 0
    comma_example: tuple[str, float] | None = None


_NUM = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"


def parse_number(text: str) -> tuple[float | None, bool]:
    """A number typed by a person: ``1,3`` or ``1.3``, spaces allowed; and whether a decimal
    comma was read.

    Examples
    --------
    >>> parse_number("1,25"), parse_number(" 2 "), parse_number("abc"), parse_number("1 000,5")
    ((1.25, True), (2.0, False), (None, False), (1000.5, True))
    """
    raw = re.sub(r"[\s\u00a0\u202f]", "", str(text))
    if not re.fullmatch(_NUM, raw):
        return None, False
    comma = "," in raw
    try:
        value = float(raw.replace(",", "."))
    except ValueError:  # pragma: no cover - the pattern admits only numbers
        return None, False
    return (value if math.isfinite(value) else None), comma


def parse_paste(text: str, start: int = 1) -> list[Row]:
    """Rows of a pasted table: tab-separated (else ``;``), variable first, odds ratio last.

    A level may itself contain the separator (``[0,7;0,9[``): the middle fields are joined.
    A header line (``variable``/``variable``... ``odds ratio``) and empty lines are skipped.

    Examples
    --------
    >>> [(r.variable, r.level, r.odds) for r in parse_paste("age;[0,7;0,9[;1,3")]
    [('age', '[0,7;0,9[', '1,3')]
    """
    rows = []
    for raw in str(text or "").splitlines():
        if not raw.strip():
            continue
        sep = "\t" if "\t" in raw else ";"
        parts = [p.strip() for p in raw.split(sep)]
        if len(parts) >= 3:
            row = Row(parts[0], sep.join(parts[1:-1]), parts[-1])
        else:
            row = Row(parts[0], parts[1] if len(parts) > 1 else "", "")
        if _is_header(row):
            continue
        rows.append(row)
    for i, row in enumerate(rows):
        row.line = start + i
    return rows


def _is_header(row: Row) -> bool:
    return row.variable.lower() in ("variable", "variables") and parse_number(row.odds)[0] is None


_CMP = re.compile(r"^(<=|>=|≤|≥|<|>)\s*(" + _NUM + r")$")
_RANGE = re.compile(r"^([\[\]\(])\s*(" + _NUM + r")\s*([;,]|\s)\s*(" + _NUM + r")\s*([\[\]\)])$")


def parse_interval(text: str) -> tuple[float, float, bool, bool] | None:
    """An interval level: ``(low, high, low_closed, high_closed)``, or None for a category.

    Examples
    --------
    >>> parse_interval("<25"), parse_interval(">=25")
    ((-inf, 25.0, False, False), (25.0, inf, True, False))
    >>> parse_interval("[0,7;0,9["), parse_interval("(25, 50]"), parse_interval("woman")
    ((0.7, 0.9, True, False), (25.0, 50.0, False, True), None)
    """
    s = str(text).strip().replace(" ", "")
    m = _CMP.match(s)
    if m:
        op, value = m.group(1), parse_number(m.group(2))[0]
        if value is None:
            return None
        inf = math.inf
        return {
            "<": (-inf, value, False, False),
            "<=": (-inf, value, False, True),
            "≤": (-inf, value, False, True),
            ">": (value, inf, False, False),
            ">=": (value, inf, True, False),
            "≥": (value, inf, True, False),
        }[op]
    m = _RANGE.match(str(text).strip())
    if m:
        left, a, sep, b, right = m.groups()
        if sep == "," and ("," in a or "," in b):
            return None
        lo, hi = parse_number(a)[0], parse_number(b)[0]
        if lo is None or hi is None:
            return None
        return lo, hi, left == "[", right == "]"
    return None


def _bins(variable: str, levels: list[tuple[Row, float]]) -> tuple[dict | None, Problem | None]:
    """A bins term from interval levels, or the reason they do not tile the number line."""
    items = sorted(
        ((parse_interval(r.level), r, v) for r, v in levels), key=lambda x: (x[0][0], x[0][1])
    )
    closed = None
    for (lo, hi, lo_c, hi_c), _r, _v in items:
        side = "right" if (hi_c or (math.isfinite(lo) and not lo_c and math.isinf(hi))) else "left"
        if math.isfinite(lo) and math.isfinite(hi) and lo_c == hi_c:
            return None, ("se_bins", {"variable": variable, "detail": _r.level})
        closed = closed or side
        if side != closed:
            return None, (
                "se_bins",
                {"variable": variable, "detail": "; ".join(r.level for _, r, _ in items)},
            )
    bounds = [it[0] for it in items]
    ok = (
        math.isinf(bounds[0][0])
        and math.isinf(bounds[-1][1])
        and all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1))
    )
    if not ok:
        return None, (
            "se_bins",
            {"variable": variable, "detail": "; ".join(r.level for _, r, _ in items)},
        )
    edges = [b[1] for b in bounds[:-1]]
    return {
        "kind": "bins",
        "variable": variable,
        "edges": edges,
        "closed": closed,
        "odds_ratios": [v for _, _, v in items],
    }, None


#: Levels meaning "per unit of a numeric variable" (a linear term): ``n_minors | per unit | 1.2``.
PER_UNIT = ("per unit", "par unité", "par unite", "per 1", "+1", "linear", "linéaire")


def is_per_unit(level: str) -> bool:
    """Whether a level means "odds ratio per unit" (a linear term).

    Examples
    --------
    >>> is_per_unit("par unité"), is_per_unit("Per unit"), is_per_unit("woman")
    (True, True, False)
    """
    return str(level).strip().lower() in PER_UNIT


def _linear(variable: str, levels: list[tuple[Row, float]]) -> tuple[dict | None, Problem | None]:
    if len(levels) != 1:
        return None, ("se_linear_alone", {"variable": variable, "line": levels[0][0].line})
    return {"kind": "linear", "variable": variable, "odds_ratio": levels[0][1]}, None


def _categorical(
    variable: str, levels: list[tuple[Row, float]]
) -> tuple[dict | None, Problem | None]:
    ref = next((r.level for r, v in levels if v == 1.0), None)
    if ref is None:
        return None, ("se_no_reference", {"variable": variable})
    return {
        "kind": "categorical",
        "variable": variable,
        "reference": ref,
        "odds_ratios": {r.level: v for r, v in levels},
    }, None


def _read_rows(rows: Sequence[Row], draft: Draft) -> dict[str, list[tuple[Row, float]]]:
    by_var: dict[str, list[tuple[Row, float]]] = {}
    for row in rows:
        if not (row.variable or row.level or row.odds):
            continue
        if not row.variable or not row.level or not row.odds:
            n = sum(bool(x) for x in (row.variable, row.level, row.odds))
            draft.problems.append(("se_line_fields", {"line": row.line, "n": n}))
            continue
        value, comma = parse_number(row.odds)
        if value is None:
            draft.problems.append(("se_bad_number", {"line": row.line, "value": row.odds}))
            continue
        if value <= 0:
            draft.problems.append(("se_not_positive", {"line": row.line, "value": row.odds}))
            continue
        if comma:
            draft.commas += 1
            draft.comma_example = draft.comma_example or (row.odds, value)
        seen = by_var.setdefault(row.variable, [])
        if any(r.level == row.level for r, _ in seen):
            draft.problems.append(
                ("se_dup_level", {"line": row.line, "level": row.level, "variable": row.variable})
            )
            continue
        seen.append((row, value))
    return by_var


def build_draft(
    rows: Sequence[Row],
    *,
    name: str = "my-score",
    description: str = "",
    intercept: str = "0",
    data: pd.DataFrame | None = None,
) -> Draft:
    """Read the table into a spec dict; with ``data``, check it against the columns.

    The spec is validated by :class:`scoreaudit.models.scorecard.Scorecard` (and scores the
    data when given); its errors become a ``se_spec`` problem.
    """
    draft = Draft(rows=list(rows))
    by_var = _read_rows(rows, draft)
    if not by_var and not draft.problems:
        draft.problems.append(("se_empty", {}))
    b, comma = parse_number(intercept or "0")
    if b is None:
        draft.problems.append(("se_bad_intercept", {"value": intercept}))
    terms = []
    for variable, levels in by_var.items():
        kinds = [parse_interval(r.level) is not None for r, _ in levels]
        if any(is_per_unit(r.level) for r, _ in levels):
            term, problem = _linear(variable, levels)
        elif all(kinds):
            term, problem = _bins(variable, levels)
        elif any(kinds):
            term, problem = (
                None,
                (
                    "se_mixed_levels",
                    {
                        "variable": variable,
                        "interval": next(
                            r.level for (r, _), k in zip(levels, kinds, strict=True) if k
                        ),
                        "category": next(
                            r.level for (r, _), k in zip(levels, kinds, strict=True) if not k
                        ),
                    },
                ),
            )
        else:
            term, problem = _categorical(variable, levels)
        if problem:
            draft.problems.append(problem)
        elif term:
            terms.append(term)
    if data is not None:
        draft.problems.extend(check_against(by_var, data))
    if draft.problems or not terms:
        return draft
    spec = {
        "name": (name or "my-score").strip(),
        "version": "1",
        "description": (description or "").strip(),
        "link": "logistic",
        "intercept": float(b or 0.0),
        "terms": terms,
    }
    draft.spec = _validate(spec, data, draft)
    return draft


def _validate(spec: dict[str, Any], data: pd.DataFrame | None, draft: Draft) -> dict | None:
    from scoreaudit.errors import ScoreAuditError
    from scoreaudit.models.scorecard import Scorecard

    try:
        card = Scorecard.from_dict(spec, source="editor")
        if data is not None:
            card.score(data)
    except ScoreAuditError as exc:
        draft.problems.append(("se_spec", {"detail": str(exc)}))
        return None
    return spec


def check_against(by_var: dict[str, list[tuple[Row, float]]], data: pd.DataFrame) -> list[Problem]:
    """Problems of the table against the data: unknown columns, unknown or missing levels."""
    from scoreaudit.models.scorecard import level_key

    problems: list[Problem] = []
    columns = [str(c) for c in data.columns]
    for variable, levels in by_var.items():
        first = levels[0][0]
        if variable not in data.columns:
            problems.append(
                (
                    "se_unknown_column",
                    {"line": first.line, "variable": variable, "columns": ", ".join(columns[:40])},
                )
            )
            continue
        if all(parse_interval(r.level) is not None for r, _ in levels) or any(
            is_per_unit(r.level) for r, _ in levels
        ):
            continue
        present = [level_key(v) for v in pd.unique(data[variable].dropna())]
        listed = {level_key(r.level) for r, _ in levels}
        shown = ", ".join(sorted(present)[:30])
        for r, _ in levels:
            if level_key(r.level) not in present:
                problems.append(
                    (
                        "se_unknown_level",
                        {"line": r.line, "level": r.level, "variable": variable, "levels": shown},
                    )
                )
        missing = [p for p in present if p not in listed]
        if missing:
            problems.append(
                (
                    "se_missing_level",
                    {"variable": variable, "levels": ", ".join(sorted(missing)[:30])},
                )
            )
    return problems


def to_yaml(spec: dict[str, Any]) -> str:
    """The spec as YAML text (safe dump; levels written as quoted text).

    Examples
    --------
    >>> print(to_yaml({"name": "x", "terms": [{"kind": "categorical", "variable": "g",
    ...                "reference": "no", "odds_ratios": {"no": 1.0, "yes": 2.0}}]}).strip())
    # Written by the scoreaudit model editor from a table of odds ratios.
    # Check it with: scoreaudit model check <this file>
    name: x
    terms:
    - kind: categorical
      variable: g
      reference: 'no'
      odds_ratios:
        'no': 1.0
        'yes': 2.0
    """
    import yaml

    header = (
        "# Written by the scoreaudit model editor from a table of odds ratios.\n"
        "# Check it with: scoreaudit model check <this file>\n"
    )
    return header + yaml.safe_dump(
        spec, allow_unicode=True, sort_keys=False, default_flow_style=False
    )
