"""Display names of attributes, groups and model variables, per language, supplied by the user.

The catalogue ships names for the bundled data (``gender`` → "sexe", ``woman`` → "femmes",
``income_to_ceiling`` → "revenu rapporté au plafond"). Other data get theirs from a small YAML
file (``--labels labels.yaml``, ``labels=`` in Python)::

    attributes:
      region: {fr: "Région", en: "Region"}
    groups:
      region:
        IDF: {fr: "Île-de-France", en: "Paris region"}
    variables:
      rent_share: {fr: "Part du loyer dans le revenu", en: "Rent share of income"}

A name given for one language only is used in both. Labels only change what is shown; tables,
results.json and CSV files keep the data's own codes.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scoreaudit.errors import DataError, Part, ScoreAuditError

__all__ = ["Labels", "active_labels", "load_labels", "use_labels"]

_MAX_LABEL = 200


class Labels:
    """Display names per language: ``attribute(name, lang)``, ``group(attr, level, lang)`` and
    ``variable(name, lang)`` (a model's input column).

    Examples
    --------
    >>> lab = Labels({"attributes": {"region": {"fr": "Région"}},
    ...               "groups": {"region": {"IDF": {"fr": "Île-de-France", "en": "Paris region"}}}})
    >>> lab.attribute("region", "en"), lab.group("region", "IDF", "fr")
    ('Région', 'Île-de-France')
    >>> lab.group("region", "Nord", "fr") is None
    True
    >>> Labels({"variables": {"rent_share": {"fr": "Part du loyer"}}}).variable("rent_share", "en")
    'Part du loyer'
    """

    def __init__(self, data: Mapping[str, Any] | None = None, source: str = "labels") -> None:
        data = dict(data or {})
        unknown = set(data) - {"attributes", "groups", "variables"}
        if unknown:
            raise DataError.from_key(
                "err_labels_unknown_keys", source=source, keys=", ".join(sorted(map(str, unknown)))
            )
        self._attributes = {
            str(k): _names(v, f"{source}: attributes.{k}")
            for k, v in _mapping(data.get("attributes"), f"{source}: attributes").items()
        }
        self._groups = {
            str(a): {
                str(g): _names(v, f"{source}: groups.{a}.{g}")
                for g, v in _mapping(levels, f"{source}: groups.{a}").items()
            }
            for a, levels in _mapping(data.get("groups"), f"{source}: groups").items()
        }
        self._variables = {
            str(k): _names(v, f"{source}: variables.{k}")
            for k, v in _mapping(data.get("variables"), f"{source}: variables").items()
        }

    def attribute(self, name: str, lang: str) -> str | None:
        names = self._attributes.get(str(name))
        return None if names is None else names.get(lang) or next(iter(names.values()))

    def group(self, attribute: str, level: str, lang: str) -> str | None:
        names = self._groups.get(str(attribute), {}).get(str(level))
        return None if names is None else names.get(lang) or next(iter(names.values()))

    def overlay(self, other: Labels) -> Labels:
        """These names, with ``other``'s wherever it gives one (a user's file over a spec's).

        Examples
        --------
        >>> spec = Labels({"variables": {"x": "income", "y": "rent"}})
        >>> user = spec.overlay(Labels({"variables": {"x": {"fr": "revenu"}}}))
        >>> user.variable("x", "fr"), user.variable("y", "fr")
        ('revenu', 'rent')
        """
        out = Labels()
        out._attributes = {**self._attributes, **other._attributes}
        out._variables = {**self._variables, **other._variables}
        out._groups = {
            a: {**self._groups.get(a, {}), **other._groups.get(a, {})}
            for a in dict.fromkeys([*self._groups, *other._groups])
        }
        return out

    def variable(self, name: str, lang: str) -> str | None:
        names = self._variables.get(str(name))
        return None if names is None else names.get(lang) or next(iter(names.values()))


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError.from_key("err_labels_not_mapping", where=where, kind=type(value).__name__)
    return value


def _names(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {"en": value}
    names = {str(k).lower(): str(v) for k, v in _mapping(value, where).items()}
    bad = set(names) - {"en", "fr"}
    if bad or not names:
        raise DataError.from_key(
            "err_labels_by_language", where=where, example="{fr: '...', en: '...'}"
        )
    for text in names.values():
        if len(text) > _MAX_LABEL or any(ord(c) < 32 for c in text):
            raise DataError.from_key("err_labels_too_long", where=where, limit=_MAX_LABEL)
    return names


def _translatable(exc: Exception) -> Part | str:
    """The reader's error as a piece shown in the language of the message (if keyed)."""
    if isinstance(exc, ScoreAuditError) and exc.message_key:
        return Part(exc.message_key, **exc.message_params)
    return str(exc)


def load_labels(path: str | Path) -> Labels:
    """Read a labels file (safe YAML or JSON)."""
    from scoreaudit.models.specfile import read_spec

    if not Path(path).is_file():
        raise DataError.from_key("err_file_missing", file=str(path), hint="")
    try:
        data = read_spec(path)
    except Exception as exc:  # the spec reader's errors name the file and the problem
        raise DataError.from_key(
            "err_labels_file", path=str(path), detail=_translatable(exc)
        ) from None
    return Labels(data, source=str(path))


def _as_labels(labels: Labels | Mapping[str, Any] | str | Path | None) -> Labels | None:
    if labels is None or isinstance(labels, Labels):
        return labels
    if isinstance(labels, (str, Path)):
        return load_labels(labels)
    return Labels(labels)


_ACTIVE: contextvars.ContextVar[Labels | None] = contextvars.ContextVar("labels", default=None)


def active_labels() -> Labels | None:
    """The labels in use (set by :func:`use_labels`), or None."""
    return _ACTIVE.get()


@contextlib.contextmanager
def use_labels(
    labels: Labels | Mapping[str, Any] | str | Path | None, *, model: Any = None
) -> Iterator[None]:
    """Use ``labels`` for every display name rendered inside the block, over the labels
    already in use, over the names the ``model``'s spec gives (its ``labels``), if any."""
    given = _as_labels(labels)
    current = _ACTIVE.get()
    if current is not None:
        given = current if given is None else current.overlay(given)
    spec_names = getattr(model, "labels", None)
    if isinstance(spec_names, Mapping):
        spec = Labels(spec_names, source=f"model {getattr(model, 'name', '')!r}: labels")
        given = spec if given is None else spec.overlay(given)
    if given is None:
        yield
        return
    token = _ACTIVE.set(given)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
