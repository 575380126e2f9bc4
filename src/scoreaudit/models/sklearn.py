"""Wrap a fitted scikit-learn estimator or pipeline as a scoring model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError
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
                raise ModelError(
                    f"Cannot tell which columns {self.name} reads: it was not fitted on a "
                    "DataFrame with column names. Pass features=[...] with the columns in the "
                    "order the estimator was fitted on."
                )
            features = [str(c) for c in fitted_names]
        if isinstance(features, str):
            raise ModelError(
                f"features must be a list of column names, got the single string {features!r}; "
                f"write features=[{features!r}]."
            )
        self.features: list[str] = list(features)
        if not self.features:
            raise ModelError(f"{self.name}: features is empty; list the columns it reads.")
        if fitted_names is not None and list(map(str, fitted_names)) != self.features:
            raise ModelError(
                f"{self.name} was fitted on columns {list(map(str, fitted_names))}, but "
                f"features={self.features}. Pass the same columns in the same order, or leave "
                "features out to use the fitted ones."
            )
        self._use_frame = fitted_names is not None
        # column of predict_proba holding the score; None for decision_function (1-D)
        self._column: int | None
        if hasattr(estimator, "predict_proba"):
            self.method = "predict_proba"
            classes = getattr(estimator, "classes_", None)
            if classes is None:
                raise ModelError(
                    f"{self.name} has predict_proba but no classes_: is it fitted? Fit it (or "
                    "load the fitted model) before auditing."
                )
            classes = np.asarray(classes).tolist()
            if positive_class is None:
                if len(classes) != 2:
                    raise ModelError(
                        f"{self.name} has {len(classes)} classes {classes}; pass "
                        "positive_class= naming the class whose probability is the score."
                    )
                self._column = 1
                self.positive_class = classes[1]
            else:
                matches = [i for i, c in enumerate(classes) if c == positive_class]
                if not matches:
                    raise ModelError(
                        f"positive_class={positive_class!r} is not one of {self.name}'s classes "
                        f"{classes}. Pass one of these."
                    )
                self._column = matches[0]
                self.positive_class = positive_class
        elif hasattr(estimator, "decision_function"):
            self.method = "decision_function"
            self._column = None
            self.positive_class = positive_class
        else:
            raise ModelError(
                f"{self.name} has neither predict_proba nor decision_function, so it gives no "
                "risk score. Wrap a classifier (or a pipeline ending in one), or a regressor via "
                "a small object with features and score(frame)."
            )

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
            raise ModelError(
                f"{self.name}.{self.method} failed on the data: {type(exc).__name__}: {exc}. "
                f"Check that the columns {self.features} hold what the estimator was fitted on."
            ) from exc
        out = np.asarray(out)
        if self._column is not None:
            out = out[:, self._column]
        elif out.ndim == 2 and out.shape[1] != 1:
            raise ModelError(
                f"{self.name}.decision_function returned {out.shape[1]} columns (a multi-class "
                "model); a risk score needs one. Wrap a binary classifier."
            )
        return validate_scores(out, len(frame), f"Model {self.name!r}")

    def __repr__(self) -> str:
        return f"SklearnModel({self.name}, features={self.features!r}, method={self.method!r})"
