"""Scoring models: the protocol, precomputed score columns, scorecards and wrapped estimators."""

from .base import ScoringModel, check_features, validate_scores
from .column import ScoreColumn

__all__ = ["ScoreColumn", "ScoringModel", "check_features", "validate_scores"]
