"""Scoring models: the protocol, precomputed score columns, scorecards and wrapped estimators."""

from .base import ScoringModel, check_features, validate_scores
from .column import ScoreColumn
from .loading import OnnxModel, load_model
from .scorecard import Scorecard
from .sklearn import SklearnModel

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
