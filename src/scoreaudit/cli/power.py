"""``scoreaudit power``: how much data an audit needs, and what it could detect.

Prints, with rich, the number of files (or control records) needed to detect a given
selection-rate ratio and the smallest ratio detectable at a given number of files, with a
short explanation. The statistics live in :mod:`scoreaudit.stats.power`.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from scoreaudit.cli.i18n import current_lang, h, set_lang, tr
from scoreaudit.core.format import fmt_int, fmt_number, fmt_sig, percent
from scoreaudit.errors import DataError

if TYPE_CHECKING:
    from scoreaudit.stats.power import Correction

__all__ = ["power_cli", "power_command"]


def _pct(x: float) -> str:
    return percent(fmt_sig(100 * x, current_lang(), 3), current_lang())


def _whole(n: float) -> str:
    return fmt_int(n, current_lang())


def _ratio(x: float) -> str:
    return tr("cli_power_none") if not math.isfinite(x) else fmt_number(x, current_lang(), 2)


def power_command(
    reference_rate: float | None,
    ratio: float | None,
    group_share: float,
    alpha: float = 0.05,
    power: float = 0.8,
    comparisons: int = 1,
    random_share: float | None = None,
    n: int | None = None,
    *,
    correction: Correction = "holm",
    console: Console | None = None,
) -> None:
    """Print the sample size for ``ratio`` and the detectable ratio at ``n`` files.

    Parameters
    ----------
    reference_rate : float or None
        Selection rate of the reference (rest of the population). Required unless
        ``random_share`` is given (control-log audit).
    ratio : float or None
        Ratio of selection rates (group / reference) to detect; omit to get only the
        detectable ratio at ``n``.
    group_share : float
        Share of the group among the files compared (see :func:`scoreaudit.stats.power.sample_size`).
    alpha, power, comparisons, correction
        Audit level, requested power, number of comparisons and correction.
    random_share : float, optional
        Control-log audit: share of random controls among control records.
    n : int, optional
        Number of files (control records) available; the detectable ratio is shown for it.
        Without it, detectable ratios are shown around the computed sample size.
    console : rich.console.Console, optional
        Where to print (standard output by default).

    Examples
    --------
    >>> from rich.console import Console
    >>> import io
    >>> out = Console(width=100, record=True, file=io.StringIO())
    >>> power_command(0.05, 1.5, 0.1, n=5000, console=out)
    >>> "7,634 files" in out.export_text()
    True
    """
    import numpy as np

    from scoreaudit.stats import power as P

    console = console or Console()
    if ratio is None and n is None:
        raise DataError(tr("cli_power_give"))
    log = random_share is not None
    unit = tr("cli_power_unit_log") if log else tr("cli_power_unit_files")
    a = P.per_comparison_alpha(alpha, comparisons, correction)
    names = {
        "holm": "Holm",
        "bonferroni": "Bonferroni",
        "bh": "Benjamini-Hochberg",
        "fdr_bh": "Benjamini-Hochberg",
    }
    level = (
        tr("cli_power_level", alpha=_pct(alpha))
        if a == alpha
        else tr(
            "cli_power_level_corrected",
            alpha=_pct(alpha),
            correction=names.get(correction, correction),
            comparisons=comparisons,
            per=_pct(a),
        )
    )
    needed = None
    small = False
    if ratio is not None:  # computed before printing anything: bad input fails cleanly
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", P.SmallCellsWarning)
            needed = int(
                P.sample_size(
                    reference_rate,
                    ratio,
                    group_share,
                    alpha=alpha,
                    power=power,
                    comparisons=comparisons,
                    correction=correction,
                    random_share=random_share,
                )
            )
        small = any(issubclass(w.category, P.SmallCellsWarning) for w in caught)
    sizes = [int(P._check_positive("n", n))] if n is not None else []
    if needed is not None:
        sizes += [max(2, needed // 4), max(2, needed // 2), needed, 2 * needed, 4 * needed]
    sizes = sorted(set(sizes))
    kw = dict(
        alpha=alpha,
        power=power,
        comparisons=comparisons,
        correction=correction,
        random_share=random_share,
    )
    up = P.detectable(np.array(sizes), group_share, reference_rate, direction="increase", **kw)
    down = P.detectable(np.array(sizes), group_share, reference_rate, direction="decrease", **kw)

    kind = tr("cli_power_kind_log") if log else tr("cli_power_kind_pop")
    console.print(
        f"[bold]{tr('cli_power_title', kind=kind)}[/] "
        + tr("cli_power_header", power=_pct(power), level=level),
        highlight=False,
    )
    if needed is not None:
        _print_needed(console, needed, unit, ratio, reference_rate, group_share, random_share)
        if small:
            console.print(
                f"[yellow]{tr('cli_warning')}[/] {tr('cli_power_small')}", highlight=False
            )
    _print_detectable(console, sizes, up, down, unit, n, needed)
    if n is not None:
        i = sizes.index(int(n))
        shown = down if ratio is not None and ratio < 1 else up
        console.print(_explain(float(shown.ratio[i]), power, alpha, f"{_whole(int(n))} {unit}"))
    console.print(f"[dim]{tr('cli_power_footnote')}[/]", highlight=False)


def _explain(ratio: float, power: float, alpha: float, sizes: str) -> str:
    """The detectable-ratio sentence for ``sizes`` files, rounded towards 1 so it stays true."""
    from scoreaudit.present.catalogue import fmt_number
    from scoreaudit.stats.power_text import conservative_ratio

    pct = {"power": _percent(power), "level": _percent(alpha), "sizes": sizes}
    if math.isnan(ratio):
        return tr("cli_power_detect_none", **pct)
    if ratio == 1:
        return tr("cli_power_detect_any", **pct)
    value, decimals = conservative_ratio(ratio)
    key = "cli_power_detect_above" if ratio > 1 else "cli_power_detect_below"
    return tr(key, ratio=fmt_number(value, current_lang(), decimals), **pct)


def _percent(share: float) -> str:
    """80% / 80 % (a requested power or level: as many decimals as given, up to four)."""
    from scoreaudit.present.catalogue import fmt_pct

    text = f"{100 * share:.4f}".rstrip("0").rstrip(".")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return fmt_pct(share, current_lang(), decimals)


def _print_needed(
    console: Console,
    needed: int,
    unit: str,
    ratio: float | None,
    reference_rate: float | None,
    group_share: float,
    random_share: float | None,
) -> None:
    """The sentence "To detect ..., the audit needs N files (...)"."""
    if random_share is not None:
        where = tr(
            "cli_power_where_log",
            score=_whole(round((1 - random_share) * needed)),
            random=_whole(round(random_share * needed)),
        )
        what = tr(
            "cli_power_what_log", share=_pct(group_share), ratio=fmt_sig(ratio, current_lang(), 6)
        )
    else:
        where = tr("cli_power_where_pop", n=_whole(round(group_share * needed)))
        what = tr(
            "cli_power_what_pop",
            ratio=fmt_sig(ratio, current_lang(), 6),
            rate=_pct(float(ratio or 0) * float(reference_rate or 0)),
            ref=_pct(float(reference_rate or 0)),
        )
    console.print(
        tr(
            "cli_power_needs",
            what=what,
            needed=f"[bold]{_whole(needed)}",
            unit=f"{unit}[/]",
            where=where,
        ),
        highlight=False,
    )


def _print_detectable(
    console: Console, sizes: list[int], up: Any, down: Any, unit: str, n: int | None, needed: Any
) -> None:
    """The table of the smallest detectable ratios by number of files."""
    from rich.table import Table

    table = Table(title=tr("cli_power_table", unit=unit))
    table.add_column(unit, justify="right")
    table.add_column(tr("cli_power_up"), justify="right")
    table.add_column(tr("cli_power_down"), justify="right")
    for i, size in enumerate(sizes):
        mark = (
            tr("cli_power_yours")
            if size == n
            else (tr("cli_power_needed") if size == needed else "")
        )
        table.add_row(
            f"{_whole(size)}{mark}", _ratio(float(up.ratio[i])), _ratio(float(down.ratio[i]))
        )
    console.print(table)


def power_cli(
    reference_rate: Annotated[
        float | None, typer.Option("--reference-rate", help=h("cli_h_reference_rate"))
    ] = None,
    ratio: Annotated[float | None, typer.Option("--ratio", help=h("cli_h_ratio"))] = None,
    group_share: Annotated[float, typer.Option("--group-share", help=h("cli_h_group_share"))] = 0.1,
    alpha: Annotated[float, typer.Option("--alpha", help=h("cli_h_alpha"))] = 0.05,
    power: Annotated[float, typer.Option("--power", help=h("cli_h_power"))] = 0.8,
    comparisons: Annotated[int, typer.Option("--comparisons", help=h("cli_h_comparisons"))] = 1,
    correction: Annotated[str, typer.Option("--correction", help=h("cli_h_correction"))] = "holm",
    random_share: Annotated[
        float | None, typer.Option("--random-share", help=h("cli_h_random_share"))
    ] = None,
    n: Annotated[int | None, typer.Option("--n", help=h("cli_h_power_n"))] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=h("cli_h_lang_terminal"))] = None,
) -> None:
    """How many files an audit needs, and the smallest disparity it could detect.

    Example: scoreaudit power --reference-rate 0.05 --ratio 1.5 --group-share 0.1
    --comparisons 20 --n 10000
    """
    set_lang(lang)
    power_command(
        reference_rate,
        ratio,
        group_share,
        alpha,
        power,
        comparisons,
        random_share,
        n,
        correction=correction,  # type: ignore[arg-type]
    )
