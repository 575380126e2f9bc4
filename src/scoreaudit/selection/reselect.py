"""Applying the audit's policy again to new scores of the same files (explanations)."""

from __future__ import annotations

import numpy as np

from scoreaudit.errors import PolicyError
from scoreaudit.selection.policies import Budget, Threshold, tied_mask
from scoreaudit.selection.ties import budget_count

__all__ = ["Reselection"]


class Reselection:
    """A policy applied again to new scores of the same files, fast when possible.

    Explanations select files many times (each input neutralised, permuted or replaced), on
    the same files with other scores. Without weights a budget or a threshold needs no full
    sort: the cut-off comes from ``np.partition`` and the tied files from the same allocation
    as :meth:`Budget.select` (:func:`~scoreaudit.selection.ties.budget_count`,
    :func:`tied_mask`). The fast path checks itself against ``policy.select`` on the
    reference scores and, if they differ, falls back to the policy.

    Parameters
    ----------
    policy : Budget or Threshold
        The audit's policy.
    weights : ndarray or None
        Row weights (with weights the policy's own selection is always used).
    n : int
        Number of files.
    reference_scores, reference_selected : ndarray
        Scores of the audit and the files the policy selected on them.
    groups : ndarray, optional
        Tie groups (finest cell x label), as in the audit.

    Examples
    --------
    >>> import numpy as np
    >>> from scoreaudit.selection import Budget
    >>> scores = np.array([0.1, 0.9, 0.5, 0.5, 0.3])
    >>> policy = Budget(count=2, ties="all")
    >>> again = Reselection(policy, None, 5, scores, policy.select(scores).selected)
    >>> again.mode, again.select(np.array([0.9, 0.1, 0.2, 0.3, 0.8])).tolist()
    ('all', [True, False, False, False, True])
    """

    def __init__(
        self,
        policy: Budget | Threshold,
        weights: np.ndarray | None,
        n: int,
        reference_scores: np.ndarray,
        reference_selected: np.ndarray,
        groups: np.ndarray | None = None,
    ) -> None:
        self.policy, self.weights, self.n = policy, weights, n
        self.groups = groups  # tie groups (finest cell x label), as in the audit
        self.mode = "policy"
        if weights is None:
            if isinstance(policy, Threshold):
                self.mode = "threshold"
            elif policy.ties == "all":
                self.mode = "all"
                self.k = self._budget_count()
            else:  # tied files allocated among the tie groups (selection.ties)
                self.mode = "groups"
                self.k = self._budget_count()
        if self.mode != "policy" and not np.array_equal(
            self.select(reference_scores), reference_selected
        ):
            self.mode = "policy"  # the fast path does not reproduce the policy: use it

    def _budget_count(self) -> int:
        p = self.policy
        assert isinstance(p, Budget)
        if p.count is not None:
            return int(min(p.count, self.n))
        assert p.share is not None  # a budget has a count or a share
        return int(np.clip(budget_count(p.share, self.n), 0, self.n))

    def select(self, scores: np.ndarray) -> np.ndarray:
        """The files the policy selects on ``scores`` (a boolean mask)."""
        n = self.n
        if self.mode == "threshold":
            return scores >= float(self.policy.threshold)  # type: ignore[union-attr]
        if self.mode in ("groups", "all"):
            k = self.k
            if k <= 0:
                return np.zeros(n, dtype=bool)
            cut = np.partition(scores, n - k)[n - k]
            if self.mode == "all":
                return scores >= cut
            selected = scores > cut
            r = k - int(np.count_nonzero(selected))
            p = self.policy
            selected |= tied_mask(scores, cut, r, self.groups, p.ties, p.random_state)
            return selected
        try:
            return self.policy.select(scores, self.weights, groups=self.groups).selected
        except PolicyError:  # e.g. no score reaches a threshold any more
            return np.zeros(n, dtype=bool)
