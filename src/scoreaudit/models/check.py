"""``scoreaudit model check SPEC``: validate a model spec and print a readable summary.

The texts come from the catalogue (``mc_*`` keys of ``present/messages.json``), through the
lookup that :mod:`scoreaudit.errors` holds (this layer cannot import ``present``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scoreaudit.errors import Part, ScoreAuditError
from scoreaudit.models.loading import load_model
from scoreaudit.models.scorecard import BinsTerm, CategoricalTerm, InteractionTerm, Scorecard

__all__ = ["model_check"]

#: Kinds of terms with a name in the catalogue (``mc_kind_<kind>``).
_KINDS = ("categorical", "bins", "linear", "interaction")


def _print_scorecard(card: Scorecard, console: Console, lang: str) -> None:
    def tx(key: str, **params: object) -> str:
        return Part(key, **params).render(lang)

    spec = card.spec
    head = Text()
    head.append(f"{spec.name}", style="bold")
    head.append(
        tx(
            "mc_head",
            version=spec.version,
            link=Part(f"link_{spec.link}"),
            intercept=_num(f"{card.intercept:+.4g}", lang),
        )
    )
    if spec.link == "logistic":
        p = f"{100 / (1 + math.exp(-card.intercept)):.3g}"
        head.append(tx("mc_baseline", p=p.replace(".", ",") if lang == "fr" else p))
    console.print(head)
    if spec.description:
        console.print(spec.description.strip(), highlight=False)
    console.print(tx("mc_reads", n=len(card.features), columns=", ".join(card.features)),
                  highlight=False)  # fmt: skip

    table = Table(title=tx("mc_terms", n=len(card.term_labels)), show_lines=False)
    table.add_column("#", justify="right")
    for key in ("term", "kind", "level"):
        table.add_column(tx(f"mc_col_{key}"))
    table.add_column(tx("mc_col_coefficient"), justify="right")
    if spec.link == "logistic":
        table.add_column(tx("mc_col_odds_ratio"), justify="right")
    table.add_column(tx("mc_col_note"))
    previous = None
    for cell in card.cells():
        first = cell["term"] != previous
        term = spec.terms[cell["term"]]
        kind = tx(f"mc_kind_{cell['kind']}") if cell["kind"] in _KINDS else str(cell["kind"])
        if isinstance(term, CategoricalTerm):
            kind += tx("mc_kind_ref", reference=term.reference)
        elif isinstance(term, BinsTerm):
            kind += tx("mc_kind_closed", closed=tx(f"mc_side_{term.closed}"))
        elif isinstance(term, InteractionTerm):
            kind += tx("mc_kind_of", variables=" x ".join(f.variable for f in term.factors))
        note = " | ".join(x for x in (term.note, term.source) if x)
        row = [
            str(cell["term"]) if first else "",
            cell["label"] if first else "",
            kind if first else "",
            cell["cell"] + (tx("mc_ref") if cell["reference"] else ""),
            _num(f"{cell['coefficient']:+.4f}", lang),
        ]
        if spec.link == "logistic":
            row.append(_num(f"{cell['odds_ratio']:.3g}", lang))
        row.append(note if first else "")
        table.add_row(*row, end_section=False)
        previous = cell["term"]
    console.print(table)
    _print_sources(spec, console, tx)


def _num(text: str, lang: str) -> str:
    """A number written the English way, in ``lang`` (French: decimal comma, minus sign)."""
    return text.replace(".", ",").replace("-", "\u2212") if lang == "fr" else text


def _print_sources(spec: object, console: Console, tx: Callable[..., str]) -> None:
    sources = getattr(spec, "sources", None)
    if sources:
        console.print(f"[bold]{tx('mc_sources')}[/]")
        for src in sources:
            if isinstance(src, str):
                console.print(f"  - {src}", highlight=False)
                continue
            console.print(
                f"  - {src.citation}" + (f" ({src.date})" if src.date else ""), highlight=False
            )
            for item in src.disclosed or []:
                console.print(f"      [green]{tx('mc_disclosed')}[/] {item}", highlight=False)
            for item in src.assumed or []:
                console.print(f"      [yellow]{tx('mc_assumed')}[/] {item}", highlight=False)
    else:
        console.print(f"[yellow]{tx('mc_no_sources')}[/]")


def model_check(
    spec: str,
    *,
    trusted: Sequence[str] | None = None,
    allow_pickle: bool = False,
    console: Console | None = None,
    raise_errors: bool = False,
    lang: str = "en",
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
    lang : {"en", "fr"}, default "en"
        Language of the summary (the command line passes its ``--lang``).

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

    def tx(key: str, **params: object) -> str:
        return Part(key, **params).render(lang)

    try:
        model = load_model(spec, allow_pickle=allow_pickle, trusted=trusted)
    except ScoreAuditError as exc:
        if raise_errors:
            raise
        console.print(f"[bold red]{tx('mc_invalid')}[/] {spec}", highlight=False)
        console.print(exc.render(lang), highlight=False, markup=False)
        return 2
    if isinstance(model, Scorecard):
        _print_scorecard(model, console, lang)
    else:
        console.print(
            f"[bold]{getattr(model, 'name', type(model).__name__)}[/] ({type(model).__name__})",
            highlight=False,
        )
        console.print(
            tx("mc_reads", n=len(model.features), columns=", ".join(model.features)),
            highlight=False,
        )
    console.print(f"[green]OK[/]{tx('mc_ok', spec=spec)}", highlight=False)
    return 0
