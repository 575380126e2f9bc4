"""Selection policies: who is controlled, given the scores (budget or threshold, tie treatment)."""

from scoreaudit.selection.policies import Budget, Ranking, Selection, Threshold

__all__ = ["Budget", "Ranking", "Selection", "Threshold"]
