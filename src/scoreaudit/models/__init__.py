"""Scoring models: the protocol, precomputed score columns, scorecards and wrapped estimators."""

from scoreaudit.models.base import ScoringModel, check_features, validate_scores
from scoreaudit.models.column import ScoreColumn
from scoreaudit.models.loading import OnnxModel, load_model
from scoreaudit.models.scorecard import Scorecard
from scoreaudit.models.sklearn import SklearnModel

__all__ = [
    "OnnxModel",
    "ScoreColumn",
    "Scorecard",
    "ScoringModel",
    "SklearnModel",
    "check_features",
    "load_model",
    "validate_scores",
]
