"""Turn what a user passes as ``model`` into a scoring model, or say clearly what to pass."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import ModelError
from scoreaudit.models.column import ScoreColumn
from scoreaudit.models.sklearn import SklearnModel

__all__ = ["as_scoring_model", "is_fitted_estimator"]


def is_fitted_estimator(obj: Any) -> bool:
    """Whether ``obj`` looks like a scikit-learn estimator or pipeline (it has ``fit`` and
    ``predict_proba`` or ``decision_function``)."""
    return hasattr(obj, "fit") and (
        hasattr(obj, "predict_proba") or hasattr(obj, "decision_function")
    )


def as_scoring_model(model: Any) -> Any:
    """A scoring model from a score column name, a fitted estimator or a scoring model.

    scikit-learn estimators have a ``score(X, y)`` method (their accuracy), which is not a
    risk score: they are recognised before the scoring-model protocol and wrapped as
    :class:`~scoreaudit.models.sklearn.SklearnModel`.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"income": [1.0, 2.0, 3.0, 4.0]})
    >>> type(as_scoring_model(LogisticRegression().fit(X, [0, 0, 1, 1]))).__name__
    'SklearnModel'
    >>> type(as_scoring_model("score")).__name__
    'ScoreColumn'
    >>> as_scoring_model([0.1, 0.2])
    Traceback (most recent call last):
    scoreaudit.errors.ModelError: model is a list of scores, ...
    """
    if isinstance(model, str):
        return ScoreColumn(model)
    if is_fitted_estimator(model):
        return SklearnModel(model)
    if isinstance(model, (np.ndarray, pd.Series, list, tuple)):
        raise ModelError.from_key("err_model_is_scores", type=type(model).__name__)
    if not (hasattr(model, "score") and hasattr(model, "features")):
        raise ModelError.from_key("err_model_not_scoring", type=type(model).__name__)
    return model
