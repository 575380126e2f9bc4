"""``scoreaudit model check SPEC``: validate a model spec and print a readable summary."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scoreaudit.errors import ScoreAuditError
from scoreaudit.models.loading import load_model
from scoreaudit.models.scorecard import BinsTerm, CategoricalTerm, InteractionTerm, Scorecard

__all__ = ["model_check"]


def _print_scorecard(card: Scorecard, console: Console) -> None:
    spec = card.spec
    head = Text()
    head.append(f"{spec.name}", style="bold")
    head.append(f"  version {spec.version}  link {spec.link}  intercept {card.intercept:+.4g}")
    if spec.link == "logistic":
        head.append(f" (baseline probability {100 / (1 + math.exp(-card.intercept)):.3g}%)")
    console.print(head)
    if spec.description:
        console.print(spec.description.strip(), highlight=False)
    console.print(
        f"Reads {len(card.features)} column(s): {', '.join(card.features)}", highlight=False
    )

    table = Table(title=f"{len(card.term_labels)} term(s)", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("term")
    table.add_column("kind")
    table.add_column("level / bin")
    table.add_column("coefficient", justify="right")
    if spec.link == "logistic":
        table.add_column("odds ratio", justify="right")
    table.add_column("note")
    previous = None
    for cell in card.cells():
        first = cell["term"] != previous
        term = spec.terms[cell["term"]]
        kind = cell["kind"]
        if isinstance(term, CategoricalTerm):
            kind += f" (ref {term.reference})"
        elif isinstance(term, BinsTerm):
            kind += f" (closed {term.closed})"
        elif isinstance(term, InteractionTerm):
            kind += " of " + " x ".join(f.variable for f in term.factors)
        note = " | ".join(x for x in (term.note, term.source) if x)
        row = [
            str(cell["term"]) if first else "",
            cell["label"] if first else "",
            kind if first else "",
            cell["cell"] + (" (ref)" if cell["reference"] else ""),
            f"{cell['coefficient']:+.4f}",
        ]
        if spec.link == "logistic":
            row.append(f"{cell['odds_ratio']:.3g}")
        row.append(note if first else "")
        table.add_row(*row, end_section=False)
        previous = cell["term"]
    console.print(table)

    if spec.sources:
        console.print("[bold]Sources[/]")
        for src in spec.sources:
            if isinstance(src, str):
                console.print(f"  - {src}", highlight=False)
                continue
            console.print(
                f"  - {src.citation}" + (f" ({src.date})" if src.date else ""), highlight=False
            )
            for item in src.disclosed or []:
                console.print(f"      [green]disclosed:[/] {item}", highlight=False)
            for item in src.assumed or []:
                console.print(f"      [yellow]assumed:[/] {item}", highlight=False)
    else:
        console.print(
            "[yellow]No sources listed: say where the coefficients come from and "
            "which are assumed.[/]"
        )


def model_check(
    spec: str,
    *,
    trusted: Sequence[str] | None = None,
    allow_pickle: bool = False,
    console: Console | None = None,
    raise_errors: bool = False,
) -> int:
    """Validate a model spec (or model file) and print a summary of its terms.

    Parameters
    ----------
    spec : str
        Path of a ``.yaml``/``.yml``/``.json`` spec, a model file, or a shipped model name.
    trusted, allow_pickle
        Passed to :func:`~scoreaudit.models.loading.load_model` for model files.
    console : rich.console.Console, optional
        Where to print; defaults to standard output.
    raise_errors : bool, default False
        Re-raise the :class:`~scoreaudit.errors.ScoreAuditError` of an invalid spec instead of
        printing it and returning 2 (the command line lets its error handler report it).

    Returns
    -------
    int
        0 if the spec is valid, 2 if not (the problems are printed, each with its path).

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> model_check("c2sg-no-protected", console=Console(file=out, width=100))
    0
    >>> print(out.getvalue().splitlines()[0])
    c2sg-no-protected  version 1  link logistic  intercept -2.9 (baseline probability 5.22%)
    >>> print(out.getvalue().splitlines()[-1])
    OK: c2sg-no-protected is a valid model.
    """
    console = console or Console()
    try:
        model = load_model(spec, allow_pickle=allow_pickle, trusted=trusted)
    except ScoreAuditError as exc:
        if raise_errors:
            raise
        console.print(f"[bold red]Invalid:[/] {spec}", highlight=False)
        console.print(str(exc), highlight=False, markup=False)
        return 2
    if isinstance(model, Scorecard):
        _print_scorecard(model, console)
    else:
        console.print(
            f"[bold]{getattr(model, 'name', type(model).__name__)}[/] ({type(model).__name__})",
            highlight=False,
        )
        console.print(
            f"Reads {len(model.features)} column(s): {', '.join(model.features)}", highlight=False
        )
    console.print(f"[green]OK[/]: {spec} is a valid model.", highlight=False)
    return 0
