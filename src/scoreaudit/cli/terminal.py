"""Terminal output of the CLI: the rich consoles and the summary table of an audit."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from typing import Any

from rich.console import Console

from scoreaudit.cli.i18n import current_lang, tr
from scoreaudit.core.format import (
    fmt_int,
    fmt_level,
    fmt_number,
    fmt_pct,
    fmt_sig,
    num_or_none,
    ratio_decimals,
)
from scoreaudit.core.messages import MISSING
from scoreaudit.core.vocab import intersection_mask, is_intersection
from scoreaudit.present.notes import note_text

__all__ = [
    "console",
    "err_console",
    "cells",
    "fmt_cli",
    "fmt_interval_cli",
    "fmt_p_cli",
    "fmt_ratio_cli",
    "print_result",
    "print_warnings",
    "shown_attribute",
    "shown_group",
]


class _Console(Console):
    """A rich console that keeps going when its reader stops (``scoreaudit ... | head``).

    rich's default exits with code 1; the command's work (a report written) is done or still
    to do, so the rest of the output is discarded and the command ends normally.
    """

    def on_broken_pipe(self) -> None:
        os.dup2(
            os.open(os.devnull, os.O_WRONLY), (sys.stderr if self.stderr else sys.stdout).fileno()
        )


# Piped or redirected output is not cut at rich's default 80 columns: tables keep every column.
_PIPED_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
console = _Console(width=_PIPED_WIDTH)
err_console = _Console(stderr=True, width=_PIPED_WIDTH)


def _policy_words(result) -> str:
    """The selection policy in words: "top 5% of scores", "top 500 files", "score >= 0.3"."""
    policy = dict((getattr(result, "config", None) or {}).get("policy") or {})
    kind = policy.get("kind")
    if kind == "budget" and policy.get("share") is not None:
        text = tr("cli_policy_share", share=fmt_level(policy["share"], current_lang()))
    elif kind == "budget" and policy.get("count") is not None:
        text = tr("cli_policy_count", count=fmt_int(policy["count"], current_lang()))
    elif kind == "threshold":
        text = tr("cli_policy_threshold", threshold=fmt_sig(policy["threshold"], current_lang(), 4))
    else:
        return str(result.selection.description)
    ties = policy.get("ties")
    if ties == "random":
        text += tr("cli_ties_random", seed=policy.get("random_state"))
    elif ties:
        text += tr(
            "cli_ties", ties=tr(f"cli_tie_{ties}") if ties in ("proportional", "all") else ties
        )
    return text


def fmt_p_cli(p) -> str:
    """An adjusted p-value for the terminal: "<0.0001" rather than 0, "–" when missing.

    Examples
    --------
    >>> fmt_p_cli(0.0), fmt_p_cli(3e-7), fmt_p_cli(0.0432), fmt_p_cli(float("nan"))
    ('<0.0001', '<0.0001', '0.043', '–')
    """
    p, lang = num_or_none(p), current_lang()
    if p is None:
        return MISSING
    if p < 1e-4:
        return "<" + fmt_number(1e-4, lang, 4)
    return fmt_sig(p, lang, 2)


def fmt_cli(x, pct: bool = False, decimals: int = 2) -> str:
    """A number for a terminal table: "–" when missing, "∞" / "−∞", a percentage if ``pct``.

    Examples
    --------
    >>> fmt_cli(0.1234, pct=True), fmt_cli(1.5), fmt_cli(None), fmt_cli(float("inf"))
    ('12.34%', '1.50', '–', '∞')
    """
    f = num_or_none(x)
    if pct and f is not None and math.isfinite(f):
        return fmt_pct(f, current_lang(), decimals)
    return fmt_number(f, current_lang(), decimals)


def fmt_interval_cli(low, high, decimals: int = 2) -> str:
    """``low – high``; a missing bound is "–", both missing give a single "–".

    Examples
    --------
    >>> fmt_interval_cli(0.5, 1.25), fmt_interval_cli(None, float("nan"))
    ('0.50 – 1.25', '–')
    """
    lo, hi = fmt_cli(low, decimals=decimals), fmt_cli(high, decimals=decimals)
    return "–" if lo == hi == "–" else f"{lo} – {hi}"


def cells(*values: object) -> list[str]:
    """Table cells shown as they are: data-derived text and "[c]" are not rich markup.

    Examples
    --------
    >>> from rich.text import Text
    >>> [Text.from_markup(c).plain for c in cells("[c]", "[bold]x", 1)]
    ['[c]', '[bold]x', '1']
    """
    from rich.markup import escape

    return [escape(str(v)) for v in values]


def print_warnings(warnings, to: Console | None = None) -> None:
    """Print each warning of a result in the terminal language (never silent)."""
    from scoreaudit.present.catalogue import render_warning

    for w in warnings or []:
        (to or err_console).print(
            f"[yellow]{tr('cli_warning')}[/] {render_warning(w, current_lang())}", highlight=False
        )


def fmt_ratio_cli(x, decimals: int = 2) -> str:
    """A ratio for the terminal: "–" when undefined, "∞ (reference: none selected)" when the
    reference group has no selected file.

    Examples
    --------
    >>> fmt_ratio_cli(1.2345), fmt_ratio_cli(float("nan")), fmt_ratio_cli(float("inf"))
    ('1.23', '–', '∞ (reference: none selected)')
    """
    x = num_or_none(x)
    return tr("cli_ref_none") if x == math.inf else fmt_number(x, current_lang(), decimals)


def _rate_cli(x) -> str:
    """A rate as a percentage, or the suppression marker when it is hidden."""
    value = num_or_none(x)
    return "[c]" if value is None else fmt_pct(value, current_lang(), 2)


def print_result(result) -> None:
    """Print the single-attribute disparities as a rich table (the published numbers only).

    ``result`` should be the copy returned by the publication gate; an unpublished result is
    passed through :meth:`AuditResult.published` first.
    """
    from rich.table import Table

    if "suppressed" not in result.groups.columns and hasattr(result, "published"):
        result = result.published()

    s = result.selection
    console.print(
        tr(
            "cli_files_selected",
            files=f"[bold]{fmt_int(result.population_summary['rows'], current_lang())}[/]",
            selected=f"[bold]{fmt_int(s.n_selected, current_lang())}[/]",
            share=fmt_pct(s.share, current_lang(), 2),
            policy=_policy_words(result),
        ),
        highlight=False,
    )
    level = fmt_level(result.config.get("confidence", 0.95), current_lang())
    table = Table(title=tr("cli_table_selection"))
    for key in ["attribute", "group", "reference", "rate", "ref_rate", "ratio"]:
        table.add_column(tr(f"cli_col_{key}"))
    table.add_column(tr("cli_col_interval", level=level))
    table.add_column(tr("cli_col_p_adj"))
    table.add_column(tr("cli_col_note"))
    d = result.disparities
    for row in d.itertuples(index=False):
        if is_intersection(row.attribute):
            continue
        table.add_row(*cells(*_result_row(row, result.notes)))
    console.print(table)
    inter = d[intersection_mask(d["attribute"])]
    if len(inter):
        console.print(tr("cli_intersections_more", n=len(inter)))
    print_warnings(result.warnings)  # data-quality warnings are never silent


def shown_attribute(name: object) -> str:
    """An attribute (or intersection) by its display name in the terminal language.

    The names of the bundled data, or those of ``--labels`` (see
    :mod:`scoreaudit.present.labels`), as in the report; other names are shown as they are.

    Examples
    --------
    >>> from scoreaudit.cli.i18n import set_lang
    >>> _ = set_lang("fr")
    >>> shown_attribute("family_status")
    'situation familiale'
    >>> _ = set_lang("en")
    """
    from scoreaudit.present.catalogue import attribute_label

    return attribute_label(str(name), current_lang())


def shown_group(attribute: object, group: object) -> str:
    """A group of ``attribute`` by its display label in the terminal language.

    Examples
    --------
    >>> from scoreaudit.cli.i18n import set_lang
    >>> _ = set_lang("fr")
    >>> shown_group("family_status", "single_parent"), shown_group("region", "north")
    ('familles monoparentales', 'north')
    >>> _ = set_lang("en")
    """
    from scoreaudit.present.catalogue import group_label

    return group_label(str(attribute), str(group), current_lang())


def _result_row(row: Any, known: Mapping[str, Any]) -> list[str]:
    """The cells of one comparison of :func:`print_result`."""
    notes = []
    # published rows say "hidden", never why (the gate keeps its reasons to itself)
    if getattr(row, "suppression", ""):
        notes.append(tr("cli_note_hidden"))
    elif row.small_cell is True:
        notes.append(tr("cli_note_small_cell"))
    if getattr(row, "note", ""):
        notes.append(note_text(row.note, current_lang(), known))
    dec = ratio_decimals((row.ratio, row.ratio_low, row.ratio_high))
    low, high = fmt_ratio_cli(row.ratio_low, dec), fmt_ratio_cli(row.ratio_high, dec)
    interval = "–" if low == high == "–" else f"{low} – {high}".replace(tr("cli_ref_none"), "∞")
    return [
        shown_attribute(row.attribute),
        shown_group(row.attribute, row.group),
        shown_group(row.attribute, row.reference),
        _rate_cli(row.selection_rate),
        _rate_cli(row.reference_rate),
        fmt_ratio_cli(row.ratio, dec),
        interval,
        fmt_p_cli(row.p_adjusted),
        "; ".join(notes),
    ]
