"""Wrap a fitted scikit-learn estimator or pipeline as a scoring model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError, Part
from scoreaudit.models.base import check_features, validate_scores

__all__ = ["SklearnModel"]


class SklearnModel:
    """A fitted scikit-learn estimator (or pipeline) used as a scoring model.

    The score is the positive-class column of ``predict_proba`` when the estimator has it,
    otherwise ``decision_function``.

    Parameters
    ----------
    estimator : object
        A fitted estimator or :class:`~sklearn.pipeline.Pipeline` with ``predict_proba`` or
        ``decision_function``.
    features : sequence of str, optional
        The columns passed to the estimator, in the order it was fitted on. Defaults to the
        estimator's ``feature_names_in_`` (set when it was fitted on a DataFrame).
    positive_class : object, optional
        The class whose probability is the score (the class meaning "controlled" or
        "fraud"). Defaults to the last of ``classes_`` for a binary classifier (``1`` or
        ``True`` for 0/1 labels); required with more than two classes.
    name : str, optional
        Name shown in reports; defaults to the estimator's class name.

    Raises
    ------
    ModelError
        If the estimator has neither method, the features are unknown or inconsistent with the
        estimator, or the positive class is not one of its classes.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"income": [1.0, 2.0, 3.0, 4.0], "n_minors": [0, 1, 0, 2]})
    >>> est = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> model = SklearnModel(est)
    >>> model.features
    ['income', 'n_minors']
    >>> model.score(X).shape
    (4,)
    """

    def __init__(
        self,
        estimator: Any,
        features: Sequence[str] | None = None,
        positive_class: Any = None,
        *,
        name: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.name = name or type(estimator).__name__
        fitted_names = getattr(estimator, "feature_names_in_", None)
        if features is None:
            if fitted_names is None:
                raise ModelError.from_key("err_sklearn_no_names", name=self.name)
            features = [str(c) for c in fitted_names]
        if isinstance(features, str):
            raise ModelError.from_key("err_features_string", features=features)
        self.features: list[str] = list(features)
        if not self.features:
            raise ModelError.from_key("err_features_empty", name=self.name)
        if fitted_names is not None and list(map(str, fitted_names)) != self.features:
            raise ModelError.from_key(
                "err_sklearn_features_differ",
                name=self.name,
                fitted=list(map(str, fitted_names)),
                features=self.features,
            )
        self._use_frame = fitted_names is not None
        # column of predict_proba holding the score; None for decision_function (1-D)
        self._column: int | None
        if hasattr(estimator, "predict_proba"):
            self.method = "predict_proba"
            classes = getattr(estimator, "classes_", None)
            if classes is None:
                raise ModelError.from_key("err_sklearn_no_classes", name=self.name)
            classes = np.asarray(classes).tolist()
            if positive_class is None:
                if len(classes) != 2:
                    raise ModelError.from_key(
                        "err_sklearn_classes", name=self.name, n=len(classes), classes=classes
                    )
                self._column = 1
                self.positive_class = classes[1]
            else:
                matches = [i for i, c in enumerate(classes) if c == positive_class]
                if not matches:
                    raise ModelError.from_key(
                        "err_sklearn_positive_class",
                        value=positive_class,
                        name=self.name,
                        classes=classes,
                    )
                self._column = matches[0]
                self.positive_class = positive_class
        elif hasattr(estimator, "decision_function"):
            self.method = "decision_function"
            self._column = None
            self.positive_class = positive_class
        else:
            raise ModelError.from_key("err_sklearn_no_score", name=self.name)

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the estimator's score for every row of ``frame``.

        Examples
        --------
        >>> import pandas as pd
        >>> from sklearn.linear_model import LogisticRegression
        >>> est = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
        >>> SklearnModel(est, features=["x"]).score(pd.DataFrame({"x": [0.0, 1.0]})).round(3)
        array([0.445, 0.555])
        """
        check_features(self, frame)
        X = frame[self.features] if self._use_frame else frame[self.features].to_numpy()
        try:
            out = getattr(self.estimator, self.method)(X)
        except ModelError:
            raise
        except Exception as exc:  # sklearn raises many kinds: NotFittedError, ValueError, ...
            raise ModelError.from_key(
                "err_sklearn_failed",
                name=self.name,
                method=self.method,
                error=type(exc).__name__,
                detail=exc,
                features=self.features,
            ) from exc
        out = np.asarray(out)
        if self._column is not None:
            out = out[:, self._column]
        elif out.ndim == 2 and out.shape[1] != 1:
            raise ModelError.from_key("err_sklearn_multiclass", name=self.name, n=out.shape[1])
        return validate_scores(out, len(frame), Part("err_model_named", name=self.name))

    def __repr__(self) -> str:
        return f"SklearnModel({self.name}, features={self.features!r}, method={self.method!r})"
