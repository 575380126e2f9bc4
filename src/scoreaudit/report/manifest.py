"""The reproducibility manifest: what produced a report, so that anyone can rerun it.

Package and dependency versions, Python, platform, SHA-256 of the data and model files (when
given), the effective configuration and the seeds. ``time`` is the only field that differs
between two runs on the same inputs (:data:`VOLATILE_FIELDS`); everything else is sorted and
deterministic.

Examples
--------
>>> m = build_manifest(config={"budget": "5%"})
>>> sorted(m)[:4]
['audit_config', 'config', 'data', 'dependencies']
>>> strip_volatile(m) == strip_volatile(build_manifest(config={"budget": "5%"}))
True
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["DEPENDENCIES", "VOLATILE_FIELDS", "build_manifest", "file_entry", "strip_volatile"]

#: Distributions whose versions are recorded (those that can change a number or a figure).
DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "highspy",  # the curve check's linear programs (which curve rows are hidden)
    "scikit-learn",
    "matplotlib",
    "jinja2",
    "pyarrow",
    "pyyaml",
    "pydantic",
    "skops",
    "typer",
    "rich",
)

#: Fields allowed to differ between two runs on the same inputs.
VOLATILE_FIELDS = ("time",)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def file_entry(path: str | os.PathLike | None) -> dict[str, Any] | None:
    """Name, size and SHA-256 of a file (None when no file is given).

    Examples
    --------
    >>> file_entry(None) is None
    True
    """
    if path is None:
        return None
    from scoreaudit.data.io import file_sha256

    p = Path(path)
    if not p.is_file():
        return {"path": str(path), "sha256": None, "bytes": None}
    return {"path": str(path), "name": p.name, "bytes": p.stat().st_size, "sha256": file_sha256(p)}


def _seeds(result: Any) -> dict[str, Any]:
    seeds: dict[str, Any] = {}
    policy = getattr(result, "config", {}).get("policy", {}) if result is not None else {}
    if isinstance(policy, Mapping) and "random_state" in policy:
        seeds["tie_lottery"] = policy.get("random_state")
    return seeds


def build_manifest(
    result: Any = None,
    *,
    data_path: str | os.PathLike | None = None,
    model_path: str | os.PathLike | None = None,
    config: Mapping[str, Any] | None = None,
    seeds: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    time: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The manifest of a report.

    Parameters
    ----------
    result : AuditResult, optional
        Its audit configuration and policy seed are recorded.
    data_path, model_path : path, optional
        Files hashed (SHA-256) and recorded by name and size.
    config : mapping, optional
        The effective configuration of the run (e.g. the CLI options after reading --config).
    seeds : mapping, optional
        Extra seeds (e.g. of a synthetic population), merged with the policy's.
    extra : mapping, optional
        Anything else worth recording (must be JSON-serialisable and deterministic).
    time : datetime, optional
        Defaults to now (UTC, to the second).

    Returns
    -------
    dict

    Examples
    --------
    >>> build_manifest()["package"]["name"]
    'scoreaudit'
    """
    from scoreaudit._version import __version__

    now = time or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    manifest: dict[str, Any] = {
        "package": {"name": "scoreaudit", "version": __version__},
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "dependencies": {d: _version(d) for d in DEPENDENCIES},
        "data": file_entry(data_path),
        "model": file_entry(model_path),
        "config": dict(config or {}),
        "audit_config": dict(getattr(result, "config", {}) or {}) if result is not None else {},
        "seeds": {**_seeds(result), **dict(seeds or {})},
        "time": now.isoformat(),
    }
    if extra:
        manifest["extra"] = dict(extra)
    return dict(sorted(manifest.items()))


def strip_volatile(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest without the fields allowed to change between runs (the time)."""
    return {k: v for k, v in manifest.items() if k not in VOLATILE_FIELDS}
