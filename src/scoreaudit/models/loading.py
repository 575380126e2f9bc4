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
bare name          a shipped spec, e.g. ``c2sg-reconstruction`` (see :mod:`scoreaudit.examples`)
=================  ===========================================================================
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import ModelError, UnsafeFileError
from .base import check_features, validate_scores
from .scorecard import MAX_TERMS, Scorecard
from .sklearn import SklearnModel

__all__ = [
    "MAX_SPEC_BYTES",
    "MAX_SPEC_ENTRIES",
    "MAX_SPEC_NODES",
    "OnnxModel",
    "load_model",
    "read_spec",
]

#: Largest spec file read (bytes). Real scorecards are a few kilobytes.
MAX_SPEC_BYTES = 5_000_000
#: Largest number of values (after expanding YAML aliases) a spec may hold.
MAX_SPEC_NODES = 500_000
#: Largest number of YAML structure characters (``: , - [ { & *``) read before parsing
#: (parsing is slow: this bounds the time a hostile file can take to about two seconds).
MAX_SPEC_ENTRIES = 20_000

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
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
            raise ModelError(
                f"{source} expands to more than {MAX_SPEC_NODES:,} values (YAML aliases "
                "repeating aliases, a 'billion laughs' file, or a recursive structure); refused. "
                "A model spec is a small table: write it without nested aliases."
            )
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_SPEC_BYTES:
        raise ModelError(
            f"{path} is {size / 1e6:.1f} MB; model specs are limited to {MAX_SPEC_BYTES / 1e6:g} "
            "MB (a scorecard is a few kilobytes). Is this the right file?"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path} is not UTF-8 text ({exc}); save the spec as UTF-8.") from None


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
        raise ModelError(
            f"{source} holds about {entries:,} YAML entries; a model spec has at most "
            f"{MAX_SPEC_ENTRIES:,} (a scorecard is a table of a few hundred coefficients). "
            "Refused before parsing. Is this the right file?"
        )
    try:
        data = yaml.load(text, Loader=_SpecLoader)
    except _DuplicateKey as dup:
        raise ModelError(
            f"{source}, line {dup.line}: duplicate key {dup.key!r} (first at line "
            f"{dup.first_line}); YAML would silently keep only the last one. List each key once."
        ) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"{source}, line {mark.line + 1}" if mark else source
        problem = str(exc.problem or "")
        if "python/" in problem:
            raise UnsafeFileError(
                f"{where}: {problem}. That YAML tag asks to build or call a Python object, "
                "which could run code; scoreaudit loads specs with safe YAML and refuses it. "
                "A spec holds only numbers, text, lists and mappings: remove the tag."
            ) from None
        raise ModelError(
            f"{where}: {problem or exc}. Only plain YAML (numbers, text, lists, mappings) is "
            "allowed in a spec: remove the tag."
        ) from None
    except yaml.YAMLError as exc:
        raise ModelError(f"{source} is not valid YAML: {exc}") from None
    except RecursionError:
        raise ModelError(f"{source} is nested too deeply to be a model spec.") from None
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
                raise ModelError(
                    f"{source}: duplicate key {k!r} in a JSON object; JSON parsers keep only "
                    "the last one silently. List each key once."
                )
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise ModelError(f"{source} is nested too deeply to be a model spec.") from None
    _check_size(data, source)
    return data


def read_spec(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON spec file into plain Python data, safely.

    Refuses files over :data:`MAX_SPEC_BYTES`, Python object tags, duplicate keys and
    structures of more than :data:`MAX_SPEC_NODES` values after expanding YAML aliases.

    Examples
    --------
    >>> from scoreaudit.examples import spec_path
    >>> read_spec(spec_path("c2sg-reconstruction"))["name"]
    'c2sg-reconstruction'
    """
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path))
    return parse_yaml(text, str(path))


def _load_spec(path: Path) -> Scorecard:
    data = read_spec(path)
    if isinstance(data, dict) and isinstance(data.get("terms"), list):
        if len(data["terms"]) > MAX_TERMS:
            raise ModelError(
                f"{path} has {len(data['terms']):,} terms; a spec may have at most "
                f"{MAX_TERMS:,}. Is this the right file?"
            )
    return Scorecard(data, source=str(path))


# --------------------------------------------------------------------------------------------
# Estimator files
# --------------------------------------------------------------------------------------------


def _wrap(obj: Any, path: Path, features: Sequence[str] | None, positive_class: Any) -> Any:
    """Turn a loaded object into a scoring model."""
    if hasattr(obj, "score") and hasattr(obj, "features") and not hasattr(obj, "fit"):
        return obj
    if hasattr(obj, "predict_proba") or hasattr(obj, "decision_function"):
        return SklearnModel(obj, features=features, positive_class=positive_class, name=path.name)
    raise ModelError(
        f"{path} holds a {type(obj).__module__}.{type(obj).__name__}, which is neither a scoring "
        "model (features + score) nor a fitted estimator with predict_proba or "
        "decision_function."
    )


def _load_skops(path: Path, trusted: Sequence[str] | None) -> Any:
    import skops.io as sio

    try:
        untrusted = list(sio.get_untrusted_types(file=path))
    except Exception as exc:
        raise ModelError(f"{path} is not a readable skops file: {type(exc).__name__}: {exc}") \
            from None
    allowed = set(trusted or ())
    refused = [t for t in untrusted if t not in allowed]
    if refused:
        listed = ", ".join(map(repr, refused))
        raise UnsafeFileError(
            f"{path} contains type(s) that skops does not trust by default: {listed}. Loading "
            "an untrusted type can run code from the file. If you know these types and trust "
            f"the file's author, pass trusted=[{listed}] (CLI: --trust TYPE for each)."
        )
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelError(f"{path} could not be loaded by skops: {type(exc).__name__}: {exc}") \
            from None


def _load_pickle(path: Path, allow_pickle: bool) -> Any:
    if not allow_pickle:
        raise UnsafeFileError(
            f"Refusing to load {path}: {path.suffix} files are Python pickles, and unpickling "
            "runs whatever code the file contains, so a model file from someone else could take "
            "over this computer. Ask for the model as a spec (YAML/JSON), a .skops file or an "
            ".onnx file. If you made this file yourself or fully trust its author, pass "
            "allow_pickle=True (CLI: --trust-pickle)."
        )
    try:
        if path.suffix.lower() == ".joblib":
            import joblib

            return joblib.load(path)
        import pickle

        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception as exc:
        raise ModelError(f"{path} could not be unpickled: {type(exc).__name__}: {exc}") from None


# --------------------------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------------------------

_ONNX_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(bool)": np.bool_,
    "tensor(string)": object,
}


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise ModelError(
            "Loading an .onnx model needs onnxruntime, which is not installed. Install the "
            "optional extra: pip install 'scoreaudit[onnx]' (or pip install onnxruntime)."
        ) from None
    return onnxruntime


class OnnxModel:
    """An ONNX model (exported from R, XGBoost, LightGBM, scikit-learn...) run by onnxruntime.

    ONNX is a portable format that runs no code of the sender's. Two input layouts are
    understood: one 2-D input fed with the ``features`` columns in order (e.g. skl2onnx's
    ``float_input``), or one input per column, named after the column.

    Parameters
    ----------
    path : str or path-like
        The ``.onnx`` file.
    features : sequence of str, optional
        The columns, in the order of the model's single 2-D input. Not needed when the model
        has one input per column (the input names are the features).
    output : str, optional
        Name of the output holding the score. Defaults to the output whose name contains
        ``prob``, else the only or the last output.
    positive_class : int or str, optional
        Which column (or, for a list-of-maps output, which key) is the score. Defaults to the
        last column of a 2-column output, or key ``1``.
    name : str, optional
        Name shown in reports; defaults to the file name.

    Raises
    ------
    ModelError
        If onnxruntime is missing, the file cannot be read or the inputs are unclear.

    Examples
    --------
    >>> model = OnnxModel("model.onnx", features=["income", "n_minors"])  # doctest: +SKIP
    >>> model.score(frame)  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        features: Sequence[str] | None = None,
        output: str | None = None,
        positive_class: Any = None,
        name: str | None = None,
    ) -> None:
        ort = _import_onnxruntime()
        self.path = Path(path)
        self.name = name or self.path.name
        try:
            self._session = ort.InferenceSession(
                str(self.path), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelError(
                f"{self.path} could not be opened by onnxruntime: {type(exc).__name__}: {exc}"
            ) from None
        inputs = self._session.get_inputs()
        self._inputs = [(i.name, _ONNX_DTYPES.get(i.type, np.float32), i.shape) for i in inputs]
        width = inputs[0].shape[1] if len(inputs) == 1 and len(inputs[0].shape) == 2 else None
        if len(inputs) == 1 and (features is not None or width != 1):
            self._layout = "matrix"
            if features is None:
                raise ModelError(
                    f"{self.path} has one input {inputs[0].name!r} of shape {inputs[0].shape}; "
                    "pass features=[...] naming its columns in order."
                )
            if isinstance(width, int) and width != len(features):
                raise ModelError(
                    f"{self.path} expects {width} input columns, but {len(features)} features "
                    f"were given: {list(features)}."
                )
            self.features = list(features)
        else:
            self._layout = "columns"
            names = [i.name for i in inputs]
            if features is not None and list(features) != names:
                raise ModelError(
                    f"{self.path} has one input per column, named {names}; features={features} "
                    "differ. Leave features out, or rename the data's columns to match."
                )
            self.features = names
        outputs = [o.name for o in self._session.get_outputs()]
        if output is None:
            probs = [o for o in outputs if "prob" in o.lower()]
            output = probs[0] if probs else outputs[-1]
        elif output not in outputs:
            raise ModelError(f"{self.path} has no output {output!r}; its outputs are {outputs}.")
        self.output = output
        self.positive_class = positive_class

    def _feed(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        if self._layout == "matrix":
            name, dtype, _ = self._inputs[0]
            return {name: frame[self.features].to_numpy(dtype=dtype)}
        return {
            name: frame[name].to_numpy(dtype=dtype).reshape(-1, 1)
            for name, dtype, _ in self._inputs
        }

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the model's score for every row of ``frame``."""
        check_features(self, frame)
        try:
            (out,) = self._session.run([self.output], self._feed(frame))
        except Exception as exc:
            raise ModelError(
                f"{self.name} failed on the data: {type(exc).__name__}: {exc}"
            ) from None
        if isinstance(out, list):  # ZipMap output: one {class: probability} per row
            key = self.positive_class
            if key is None:
                keys = list(out[0]) if out else [1]
                key = 1 if 1 in keys else keys[-1]
            out = pd.DataFrame.from_records(out)[key].to_numpy()
        out = np.asarray(out, dtype=np.float64)
        if out.ndim == 2 and out.shape[1] > 1:
            if self.positive_class is not None:
                out = out[:, int(self.positive_class)]
            elif out.shape[1] == 2:
                out = out[:, 1]
            else:
                raise ModelError(
                    f"{self.name} output {self.output!r} has {out.shape[1]} columns; pass "
                    "positive_class= (the column index of the score)."
                )
        return validate_scores(out, len(frame), f"Model {self.name!r}")

    def __repr__(self) -> str:
        return f"OnnxModel({str(self.path)!r}, features={self.features!r})"


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
    >>> load_model("model.pkl")  # doctest: +SKIP
    Traceback (most recent call last):
    scoreaudit.errors.UnsafeFileError: Refusing to load model.pkl: .pkl files are Python pickles...
    """
    text = os.fspath(path_or_name)
    if isinstance(path_or_name, str) and _is_bare_name(text):
        from ..examples import model as shipped_model

        return shipped_model(text)
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES and not allow_pickle:
        return _load_pickle(path, allow_pickle)  # raises before touching the file
    if not path.is_file():
        raise ModelError(
            f"Model file {str(path)!r} does not exist (or is not a file). Give the path to a "
            f"{SUPPORTED} file, or the name of a shipped model (scoreaudit.examples."
            "list_models())."
        )
    if suffix in SPEC_SUFFIXES:
        return _load_spec(path)
    if suffix == ".skops":
        return _wrap(_load_skops(path, trusted), path, features, positive_class)
    if suffix == ".onnx":
        return OnnxModel(path, features=features, positive_class=positive_class)
    if suffix in PICKLE_SUFFIXES:
        return _wrap(_load_pickle(path, allow_pickle), path, features, positive_class)
    raise ModelError(
        f"Don't know how to load {str(path)!r}: unsupported extension {path.suffix!r}. "
        f"Supported: {SUPPORTED}."
    )
