"""Terminal output of the CLI: the rich consoles and the summary table of an audit."""

from __future__ import annotations

import math
import os
import sys

from rich.console import Console

__all__ = ["console", "err_console", "fmt_p_cli", "fmt_ratio_cli", "print_result"]


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
        share = float(policy["share"]) * 100
        text = f"budget: top {share:.{_pct_decimals(share)}f}% of scores"
    elif kind == "budget" and policy.get("count") is not None:
        text = f"budget: top {int(policy['count']):,} files by score"
    elif kind == "threshold":
        text = f"threshold: score of at least {float(policy['threshold']):.4g}"
    else:
        return str(result.selection.description)
    ties = policy.get("ties")
    if ties == "random":
        text += f"; ties at the cut-off drawn at random (seed {policy.get('random_state')})"
    elif ties:
        text += f"; ties at the cut-off: {ties}"
    return text


def _pct_decimals(pct: float) -> int:
    for d in range(0, 4):
        if abs(round(pct, d) - pct) < 1e-9:
            return d
    return 4


def fmt_p_cli(p) -> str:
    """An adjusted p-value for the terminal: "<0.0001" rather than 0, "–" when missing.

    Examples
    --------
    >>> fmt_p_cli(0.0), fmt_p_cli(3e-7), fmt_p_cli(0.0432), fmt_p_cli(float("nan"))
    ('<0.0001', '<0.0001', '0.043', '–')
    """
    try:
        p = float(p)
    except (TypeError, ValueError):
        return "–"
    if p != p:
        return "–"
    if p < 1e-4:
        return "<0.0001"
    return f"{p:.2g}"


def fmt_ratio_cli(x, decimals: int = 2) -> str:
    """A ratio for the terminal: "–" when undefined, "∞ (reference: none selected)" when the
    reference group has no selected file.

    Examples
    --------
    >>> fmt_ratio_cli(1.2345), fmt_ratio_cli(float("nan")), fmt_ratio_cli(float("inf"))
    ('1.23', '–', '∞ (reference: none selected)')
    """
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    if x != x:
        return "–"
    if x == float("inf"):
        return "∞ (reference: none selected)"
    return f"{x:.{decimals}f}"


def _ratio_decimals(*values) -> int:
    import math

    d = 2
    for v in values:
        try:
            a = abs(float(v))
        except (TypeError, ValueError):
            continue
        if 0 < a < 1 and math.isfinite(a):
            d = max(d, int(math.floor(-math.log10(a))) + 2)
    return min(d, 4)


def _rate_cli(x) -> str:
    """A rate as a percentage, or the suppression marker when it is hidden."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "[c]"
    return "[c]" if math.isnan(value) else f"{value:.2%}"


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
        f"[bold]{result.population_summary['rows']:,}[/] files, "
        f"[bold]{s.n_selected:,}[/] selected ({s.share:.2%}); {_policy_words(result)}",
        highlight=False,
    )
    level = float(result.config.get("confidence", 0.95)) * 100
    table = Table(title="Selection rate by group, against the reference group")
    for col in [
        "attribute",
        "group",
        "reference",
        "rate",
        "ref. rate",
        "ratio",
        f"{level:.{_pct_decimals(level)}f}% interval",
        "p adj.",
        "note",
    ]:
        table.add_column(col)
    d = result.disparities
    for row in d.itertuples(index=False):
        if "×" in row.attribute:
            continue
        notes = []
        flag = str(getattr(row, "suppression", "") or "")
        if flag:
            notes.append("hidden: small count" if flag == "small" else "hidden: complement")
        elif row.small_cell is True:
            notes.append("small cell")
        if getattr(row, "note", ""):
            notes.append(str(row.note))
        dec = _ratio_decimals(row.ratio, row.ratio_low, row.ratio_high)
        low, high = fmt_ratio_cli(row.ratio_low, dec), fmt_ratio_cli(row.ratio_high, dec)
        interval = (
            "–"
            if low == high == "–"
            else f"{low} – {high}".replace("∞ (reference: none selected)", "∞")
        )
        table.add_row(
            row.attribute,
            str(row.group),
            str(row.reference),
            _rate_cli(row.selection_rate),
            _rate_cli(row.reference_rate),
            fmt_ratio_cli(row.ratio, dec),
            interval,
            fmt_p_cli(row.p_adjusted),
            "; ".join(notes),
        )
    console.print(table)
    inter = d[d["attribute"].str.contains("×", regex=False)]
    if len(inter):
        console.print(
            f"{len(inter)} intersectional comparisons: see the report or result.disparities."
        )
    for w in result.warnings or []:  # data-quality warnings are never silent
        err_console.print(f"[yellow]Warning:[/] {w}", highlight=False)
