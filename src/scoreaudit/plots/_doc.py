"""Docstring blocks shared by the figure functions, written once and filled in by :func:`_doc`.

A line of a docstring that holds only ``%(name)s`` is replaced by the block ``name`` below, each
of its lines indented like the marker, so ``help()``, the rendered documentation and the
doctests all see the full text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

_F = TypeVar("_F", bound=Callable[..., object])

_BLOCKS: dict[str, str] = {
    "attribute_param": (
        "attribute : str, optional\n"
        "    An audited attribute or intersection; None draws every single attribute."
    ),
    "lang_param": 'lang : {"en", "fr"}\n    Language of the texts and numbers.',
    "ax_param": "ax : matplotlib Axes, optional\n    Draw into this axes (its figure is returned).",
    "suppress_param": (
        "suppress_small : bool\n    Hide the values of small cells (for published outputs)."
    ),
    "returns_figure": "Returns\n-------\nmatplotlib.figure.Figure",
    "example_setup": (
        ">>> import numpy as np, pandas as pd, scoreaudit as sa\n"
        ">>> from scoreaudit import plots\n"
        ">>> rng = np.random.default_rng(1)"
    ),
}

_MARKER = re.compile(r"^( *)%\((\w+)\)s$", re.MULTILINE)


def _fill(doc: str) -> str:
    """Return ``doc`` with its marker lines replaced by the shared blocks.

    Examples
    --------
    >>> print(_fill("Draw.\\n\\n    %(lang_param)s\\n"))
    Draw.
    <BLANKLINE>
        lang : {"en", "fr"}
            Language of the texts and numbers.
    <BLANKLINE>
    """

    def block(m: re.Match[str]) -> str:
        indent = m.group(1)
        return "\n".join(
            indent + line if line else line for line in _BLOCKS[m.group(2)].split("\n")
        )

    return _MARKER.sub(block, doc)


def _doc(func: _F) -> _F:
    """Fill the marker lines of ``func``'s docstring (left alone when docstrings are stripped)."""
    if func.__doc__:
        func.__doc__ = _fill(func.__doc__)
    return func
