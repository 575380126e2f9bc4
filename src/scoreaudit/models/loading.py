"""Load a scoring model from a file or a shipped name, refusing files that would run code.

=================  ===========================================================================
File               How it is loaded
=================  ===========================================================================
``.yaml``/``.yml``  Safe YAML (no Python tags, no duplicate keys, bounded alias expansion)
``.json``          JSON (no duplicate keys) -> :class:`~scoreaudit.models.scorecard.Scorecard`
``.skops``         :func:`skops.io.load`; types skops does not trust by default are refused
                   unless listed in ``trusted``
``.onnx``          :class:`OnnxModel` through onnxruntime (optional extra ``scoreaudit[onnx]``)
``.pkl``/``.joblib``  refused unless ``allow_pickle=True``: unpickling runs the file's code
bare name          a shipped spec, e.g. ``c2sg-reconstruction`` (see :mod:`scoreaudit.models.shipped`)
=================  ===========================================================================
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scoreaudit.errors import ModelError, UnsafeFileError
from scoreaudit.models.onnx import OnnxModel
from scoreaudit.models.shipped import model as shipped_model
from scoreaudit.models.sklearn import SklearnModel
from scoreaudit.models.specfile import (
    MAX_SPEC_BYTES,
    MAX_SPEC_ENTRIES,
    MAX_SPEC_NODES,
    SPEC_SUFFIXES,
    load_spec,
    read_spec,
)

__all__ = [
    "MAX_SPEC_BYTES",
    "MAX_SPEC_ENTRIES",
    "MAX_SPEC_NODES",
    "OnnxModel",
    "load_model",
    "read_spec",
]


PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
SUPPORTED = ".yaml, .yml, .json, .skops, .onnx (and .pkl, .pickle, .joblib with allow_pickle=True)"


# --------------------------------------------------------------------------------------------
# Estimator files
# --------------------------------------------------------------------------------------------


def _wrap(obj: Any, path: Path, features: Sequence[str] | None, positive_class: Any) -> Any:
    """Turn a loaded object into a scoring model."""
    if hasattr(obj, "score") and hasattr(obj, "features") and not hasattr(obj, "fit"):
        return obj
    if hasattr(obj, "predict_proba") or hasattr(obj, "decision_function"):
        return SklearnModel(obj, features=features, positive_class=positive_class, name=path.name)
    kind = f"{type(obj).__module__}.{type(obj).__name__}"
    raise ModelError.from_key("err_model_not_a_model", path=str(path), kind=kind)


def _load_skops(path: Path, trusted: Sequence[str] | None) -> Any:
    import skops.io as sio

    try:
        untrusted = list(sio.get_untrusted_types(file=path))
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise ModelError.from_key(
            "err_model_skops_unreadable", path=str(path), detail=detail
        ) from None
    allowed = set(trusted or ())
    refused = [t for t in untrusted if t not in allowed]
    if refused:
        listed = ", ".join(map(repr, refused))
        raise UnsafeFileError.from_key("err_model_skops_untrusted", path=str(path), types=listed)
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise ModelError.from_key("err_model_skops_failed", path=str(path), detail=detail) from None


def _load_pickle(path: Path, allow_pickle: bool) -> Any:
    if not allow_pickle:
        raise UnsafeFileError.from_key("err_model_pickle", path=str(path), suffix=path.suffix)
    try:
        if path.suffix.lower() == ".joblib":
            import joblib

            return joblib.load(path)
        import pickle

        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise ModelError.from_key(
            "err_model_unpickle_failed", path=str(path), detail=detail
        ) from None


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _is_bare_name(text: str) -> bool:
    return (
        os.sep not in text
        and "/" not in text
        and (os.altsep is None or os.altsep not in text)
        and Path(text).suffix == ""
    )


def load_model(
    path_or_name: str | os.PathLike[str],
    *,
    allow_pickle: bool = False,
    trusted: Sequence[str] | None = None,
    features: Sequence[str] | None = None,
    positive_class: Any = None,
) -> Any:
    """Load a scoring model from a file, or a shipped spec by name.

    Parameters
    ----------
    path_or_name : str or path-like
        A ``.yaml``/``.yml``/``.json`` spec, a ``.skops``, ``.onnx``, ``.pkl``/``.joblib``
        file, or the bare name of a shipped spec (no path separator, no extension), such as
        ``"c2sg-reconstruction"``.
    allow_pickle : bool, default False
        Load ``.pkl``/``.pickle``/``.joblib`` files. Unpickling runs code from the file: only
        for files you made or whose author you fully trust.
    trusted : sequence of str, optional
        Types a ``.skops`` file may contain beyond those skops trusts by default, as skops
        names them (e.g. ``"mymodule.MyTransformer"``).
    features : sequence of str, optional
        Input columns of an estimator or ONNX model whose file does not name them.
    positive_class : object, optional
        The class whose probability is the score (estimators and ONNX models).

    Returns
    -------
    ScoringModel
        A :class:`~scoreaudit.models.scorecard.Scorecard`, :class:`SklearnModel`,
        :class:`OnnxModel`, or a pickled object that already has ``features`` and ``score``.

    Raises
    ------
    UnsafeFileError
        For a pickle without ``allow_pickle=True``, a skops file with untrusted types, or a
        YAML file with Python tags.
    ModelError
        For a missing or invalid file.

    Examples
    --------
    >>> model = load_model("c2sg-reconstruction")
    >>> model.name
    'c2sg-reconstruction'
    >>> load_model("model.pkl")  # refused before the file is even opened  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    scoreaudit.errors.UnsafeFileError: Refusing to load model.pkl: .pkl files are Python pickles...
    """
    text = os.fspath(path_or_name)
    if isinstance(path_or_name, str) and _is_bare_name(text):
        return shipped_model(text)
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES and not allow_pickle:
        return _load_pickle(path, allow_pickle)  # raises before touching the file
    if not path.is_file():
        raise ModelError.from_key("err_model_file_missing", file=str(path), supported=SUPPORTED)
    if suffix in SPEC_SUFFIXES:
        return load_spec(path)
    if suffix == ".skops":
        return _wrap(_load_skops(path, trusted), path, features, positive_class)
    if suffix == ".onnx":
        return OnnxModel(path, features=features, positive_class=positive_class)
    if suffix in PICKLE_SUFFIXES:
        return _wrap(_load_pickle(path, allow_pickle), path, features, positive_class)
    raise ModelError.from_key(
        "err_model_extension", file=str(path), suffix=path.suffix, supported=SUPPORTED
    )
