"""ONNX models, scored through onnxruntime (optional extra ``scoreaudit[onnx]``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError, Part
from scoreaudit.models.base import check_features, validate_scores

__all__ = ["OnnxModel"]


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
        raise ModelError.from_key("err_onnx_missing") from None
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
    Not run as a doctest: it needs an exported ``model.onnx`` file (tests/models builds one
    with ``onnx``).

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
            self._session = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError.from_key(
                "err_onnx_open", path=self.path, error=type(exc).__name__, detail=exc
            ) from None
        inputs = self._session.get_inputs()
        self._inputs = [(i.name, _ONNX_DTYPES.get(i.type, np.float32), i.shape) for i in inputs]
        width = inputs[0].shape[1] if len(inputs) == 1 and len(inputs[0].shape) == 2 else None
        if len(inputs) == 1 and (features is not None or width != 1):
            self._layout = "matrix"
            if features is None:
                raise ModelError.from_key(
                    "err_onnx_matrix", path=self.path, input=inputs[0].name, shape=inputs[0].shape
                )
            if isinstance(width, int) and width != len(features):
                raise ModelError.from_key(
                    "err_onnx_width",
                    path=self.path,
                    width=width,
                    n=len(features),
                    features=list(features),
                )
            self.features = list(features)
        else:
            self._layout = "columns"
            names = [i.name for i in inputs]
            if features is not None and list(features) != names:
                raise ModelError.from_key(
                    "err_onnx_names", path=self.path, names=names, features=features
                )
            self.features = names
        outputs = [o.name for o in self._session.get_outputs()]
        if output is None:
            probs = [o for o in outputs if "prob" in o.lower()]
            output = probs[0] if probs else outputs[-1]
        elif output not in outputs:
            raise ModelError.from_key(
                "err_onnx_output", path=self.path, output=output, outputs=outputs
            )
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
            raise ModelError.from_key(
                "err_onnx_failed", name=self.name, error=type(exc).__name__, detail=exc
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
                raise ModelError.from_key(
                    "err_onnx_columns", name=self.name, output=self.output, n=out.shape[1]
                )
        return validate_scores(out, len(frame), Part("err_model_named", name=self.name))

    def __repr__(self) -> str:
        return f"OnnxModel({str(self.path)!r}, features={self.features!r})"
