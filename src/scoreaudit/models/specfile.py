"""Read scorecard spec files (YAML or JSON) safely: no Python tags, no duplicate keys, bounded size."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from scoreaudit.errors import ModelError, Part, UnsafeFileError
from scoreaudit.models.scorecard import MAX_TERMS, Scorecard

__all__ = ["MAX_SPEC_BYTES", "MAX_SPEC_ENTRIES", "MAX_SPEC_NODES", "load_spec", "read_spec"]

#: Largest spec file read (bytes). Real scorecards are a few kilobytes.
MAX_SPEC_BYTES = 5_000_000
#: Largest number of values (after expanding YAML aliases) a spec may hold.
MAX_SPEC_NODES = 500_000
#: Largest number of YAML structure characters (``: , - [ { & *``) read before parsing
#: (parsing is slow: this bounds the time a hostile file can take to about two seconds).
MAX_SPEC_ENTRIES = 20_000

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
SUPPORTED = ".yaml, .yml, .json, .skops, .onnx (and .pkl, .pickle, .joblib with allow_pickle=True)"


# --------------------------------------------------------------------------------------------
# Spec files (YAML / JSON)
# --------------------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int, first_line: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first_line = key, line, first_line


class _SpecLoader(yaml.SafeLoader):
    """Safe YAML loader that also refuses duplicate keys in a mapping."""


def _construct_mapping(loader: _SpecLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    loader.flatten_mapping(node)
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1, seen[key])
            seen[key] = key_node.start_mark.line + 1
        except TypeError:  # unhashable key: let the constructor report it
            break
    return loader.construct_mapping(node, deep=deep)


_SpecLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_size(obj: Any, source: str) -> None:
    """Refuse a structure holding more than MAX_SPEC_NODES values once aliases are expanded.

    YAML aliases let a tiny file describe a structure of billions of values ("billion
    laughs"); PyYAML shares the aliased objects, but anything walking the result would not.
    """
    count = 0
    stack = [obj]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_SPEC_NODES:
            raise ModelError.from_key(
                "err_specfile_aliases", source=source, max=f"{MAX_SPEC_NODES:,}"
            )
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise ModelError.from_key(
            "err_specfile_too_big",
            file=str(path),
            mb=f"{size / 1e6:.1f}",
            max_mb=f"{MAX_SPEC_BYTES / 1e6:g}",
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError.from_key(
            "err_specfile_not_utf8", file=str(path), detail=str(exc)
        ) from None


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML spec text safely (see :func:`read_spec`).

    Examples
    --------
    >>> parse_yaml("name: m\\nterms: []")
    {'name': 'm', 'terms': []}
    """
    # PyYAML builds a spec at roughly 10,000 terms per 5 s: count the YAML structure
    # characters first so that a huge file is refused in milliseconds, not minutes
    entries = sum(text.count(c) for c in ":,-[{&*")
    if entries > MAX_SPEC_ENTRIES:
        raise ModelError.from_key(
            "err_specfile_entries", source=source, n=f"{entries:,}", max=f"{MAX_SPEC_ENTRIES:,}"
        )
    try:
        data = yaml.load(text, Loader=_SpecLoader)
    except _DuplicateKey as dup:
        raise ModelError.from_key(
            "err_specfile_yaml_duplicate",
            source=source,
            line=dup.line,
            key=dup.key,
            first=dup.first_line,
        ) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = Part("err_specfile_line", source=source, line=mark.line + 1) if mark else source
        problem = str(exc.problem or "")
        if "python/" in problem:
            raise UnsafeFileError.from_key(
                "err_specfile_python_tag", where=where, problem=problem
            ) from None
        raise ModelError.from_key(
            "err_specfile_tag", where=where, problem=problem or str(exc)
        ) from None
    except yaml.YAMLError as exc:
        raise ModelError.from_key("err_specfile_bad_yaml", source=source, detail=str(exc)) from None
    except RecursionError:
        raise ModelError.from_key("err_specfile_too_deep", source=source) from None
    _check_size(data, source)
    return data


def parse_json(text: str, source: str = "<string>") -> Any:
    """Parse JSON spec text, refusing duplicate keys.

    Examples
    --------
    >>> parse_json('{"name": "m"}')
    {'name': 'm'}
    """

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise ModelError.from_key("err_specfile_json_duplicate", source=source, key=k)
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise ModelError.from_key(
            "err_specfile_bad_json", source=source, msg=exc.msg, line=exc.lineno, col=exc.colno
        ) from None
    except RecursionError:
        raise ModelError.from_key("err_specfile_too_deep", source=source) from None
    _check_size(data, source)
    return data


def read_spec(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON spec file into plain Python data, safely.

    Refuses files over :data:`MAX_SPEC_BYTES`, Python object tags, duplicate keys and
    structures of more than :data:`MAX_SPEC_NODES` values after expanding YAML aliases.

    Examples
    --------
    >>> from scoreaudit.models.shipped import spec_path
    >>> read_spec(spec_path("c2sg-reconstruction"))["name"]
    'c2sg-reconstruction'
    """
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path))
    return parse_yaml(text, str(path))


def load_spec(path: Path) -> Scorecard:
    """A :class:`Scorecard` from a spec file (see :func:`read_spec`)."""
    data = read_spec(path)
    if isinstance(data, dict) and isinstance(data.get("terms"), list):
        if len(data["terms"]) > MAX_TERMS:
            raise ModelError.from_key(
                "err_specfile_terms",
                file=str(path),
                n=f"{len(data['terms']):,}",
                max=f"{MAX_TERMS:,}",
            )
    return Scorecard(data, source=str(path))
