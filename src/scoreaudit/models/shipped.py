"""Shipped example models (and, later, example data) for trying scoreaudit.

The shipped model specs are *illustrative reconstructions* from publicly reported criteria:
their coefficients are assumptions, not the agencies' numbers (each spec says which numbers are
disclosed and which are assumed).

Examples
--------
>>> from scoreaudit import examples
>>> examples.list_models()
['c2sg-no-protected', 'c2sg-reconstruction', 'cnaf-reconstruction']
>>> examples.model("c2sg-no-protected").features[:2]
['n_minors', 'income_to_ceiling']
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from scoreaudit.errors import ModelError, Part
from scoreaudit.models.scorecard import Scorecard
from scoreaudit.models.specfile import load_spec

__all__ = ["list_models", "model", "spec_path"]


def _specs_dir() -> Path:
    return Path(str(resources.files("scoreaudit.models") / "specs"))


def list_models() -> list[str]:
    """Return the names of the shipped model specs, sorted.

    Examples
    --------
    >>> "cnaf-reconstruction" in list_models()
    True
    """
    return sorted(p.stem for p in _specs_dir().glob("*.yaml"))


def spec_path(name: str) -> Path:
    """Return the path of the shipped spec file ``name`` (e.g. to copy and edit it).

    Raises
    ------
    ModelError
        If no shipped spec has that name; the message lists the names and a close match.

    Examples
    --------
    >>> spec_path("c2sg-reconstruction").name
    'c2sg-reconstruction.yaml'
    """
    names = list_models()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = Part("err_did_you_mean", close=close[0]) if close else ""
        raise ModelError.from_key(
            "err_model_not_shipped", name=name, hint=hint, names=", ".join(names)
        )
    return _specs_dir() / f"{name}.yaml"


def model(name: str) -> Scorecard:
    """Load a shipped model spec by name.

    Parameters
    ----------
    name : str
        One of :func:`list_models`: ``c2sg-reconstruction``, ``c2sg-no-protected`` or
        ``cnaf-reconstruction``.

    Returns
    -------
    Scorecard

    Examples
    --------
    >>> card = model("c2sg-reconstruction")
    >>> card.link
    'logistic'
    """
    return load_spec(spec_path(name))
