"""``scoreaudit power``: how much data an audit needs, and what it could detect.

Prints, with rich, the number of files (or control records) needed to detect a given
selection-rate ratio and the smallest ratio detectable at a given number of files, with a
short explanation. The statistics live in :mod:`scoreaudit.stats.power`.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from scoreaudit.errors import DataError

if TYPE_CHECKING:
    from scoreaudit.stats.power import Correction

__all__ = ["power_cli", "power_command"]


def _pct(x: float) -> str:
    return f"{100 * x:.3g}%"


def _ratio(x: float) -> str:
    return "none" if not math.isfinite(x) else f"{x:.2f}"


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
    from rich.table import Table

    from scoreaudit.stats import power as P

    console = console or Console()
    if ratio is None and n is None:
        raise DataError("Give a ratio to detect (--ratio) or a number of files (--n), or both.")
    log = random_share is not None
    unit = "control records" if log else "files"
    a = P.per_comparison_alpha(alpha, comparisons, correction)
    names = {
        "holm": "Holm",
        "bonferroni": "Bonferroni",
        "bh": "Benjamini-Hochberg",
        "fdr_bh": "Benjamini-Hochberg",
    }
    level = (
        f"{_pct(alpha)} level"
        if a == alpha
        else f"{_pct(alpha)} level, {names.get(correction, correction)} over {comparisons} "
        f"comparisons: {_pct(a)} per comparison"
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

    console.print(
        f"[bold]Power of a {'control-log' if log else 'population'} audit[/] "
        f"({_pct(power)} power, {level})",
        highlight=False,
    )
    if needed is not None:
        if log:
            where = (
                f"{round((1 - random_share) * needed):,} picked by the score and "
                f"{round(random_share * needed):,} at random"
            )
            what = (
                f"a group making up {_pct(group_share)} of the population selected "
                f"{ratio:g} times as often as the rest"
            )
        else:
            where = f"{round(group_share * needed):,} of them in the group"
            what = (
                f"a ratio of {ratio:g} (selection rate {_pct(ratio * reference_rate)} in the "
                f"group against {_pct(reference_rate)})"
            )
        console.print(
            f"To detect {what}, the audit needs [bold]{needed:,} {unit}[/] ({where}).",
            highlight=False,
        )
        if small:
            console.print(
                "[yellow]Warning:[/] so few files leave small cells; the audit would "
                "then use Fisher's exact test and the real power is lower. Check with "
                "scoreaudit.stats.power.simulate_power and plan more files.",
                highlight=False,
            )

    table = Table(title=f"Smallest detectable disparity by number of {unit}")
    table.add_column(unit, justify="right")
    table.add_column("group selected more (ratio > 1)", justify="right")
    table.add_column("group selected less (ratio < 1)", justify="right")
    for i, size in enumerate(sizes):
        mark = " (yours)" if size == n else (" (needed)" if size == needed else "")
        table.add_row(f"{size:,}{mark}", _ratio(float(up.ratio[i])), _ratio(float(down.ratio[i])))
    console.print(table)
    if n is not None:
        i = sizes.index(int(n))
        shown = down if ratio is not None and ratio < 1 else up
        console.print(
            P.explain_detectable(float(shown.ratio[i]), power=power, alpha=alpha).replace(
                "these group sizes", f"{int(n):,} {unit}"
            ),
            highlight=False,
        )
    console.print(
        "[dim]Normal approximation of the audit's score test; ratios are selection-"
        "rate ratios group / reference. 'none': no disparity of that direction "
        "could be detected.[/]",
        highlight=False,
    )


def power_cli(
    reference_rate: Annotated[
        float | None,
        typer.Option(
            "--reference-rate",
            help="Selection rate of the reference, e.g. 0.05 (not needed for a control log).",
        ),
    ] = None,
    ratio: Annotated[
        float | None,
        typer.Option(
            "--ratio", help="Ratio of selection rates (group / reference) to detect, e.g. 1.5."
        ),
    ] = None,
    group_share: Annotated[
        float, typer.Option("--group-share", help="Share of the group among the files, e.g. 0.1.")
    ] = 0.1,
    alpha: Annotated[float, typer.Option("--alpha", help="Audit level (1 - confidence).")] = 0.05,
    power: Annotated[float, typer.Option("--power", help="Requested power.")] = 0.8,
    comparisons: Annotated[
        int,
        typer.Option("--comparisons", help="Comparisons in the audit (multiple-testing family)."),
    ] = 1,
    correction: Annotated[
        str, typer.Option("--correction", help="holm, bonferroni, bh or none.")
    ] = "holm",
    random_share: Annotated[
        float | None,
        typer.Option(
            "--random-share", help="Control-log audit: share of random controls, e.g. 0.2."
        ),
    ] = None,
    n: Annotated[
        int | None,
        typer.Option(
            "--n", help="Files (or control records) available: show what they can detect."
        ),
    ] = None,
) -> None:
    """How many files an audit needs, and the smallest disparity it could detect.

    Example: scoreaudit power --reference-rate 0.05 --ratio 1.5 --group-share 0.1
    --comparisons 20 --n 10000
    """
    power_command(
        reference_rate,
        ratio,
        group_share,
        alpha,
        power,
        comparisons,
        random_share,
        n,
        correction=correction,
    )  # type: ignore[arg-type]
