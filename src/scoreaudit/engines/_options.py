"""The options of an audit, validated once and read by every engine (in memory, SQL).

Both engines write the same ``config`` into results.json from here, so an option added to
:func:`scoreaudit.audit` is recorded the same way wherever the rows are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoreaudit.core.cells import View
from scoreaudit.core.references import reference_config
from scoreaudit.data.population import Population
from scoreaudit.errors import DataError, PolicyError
from scoreaudit.selection.policies import Budget, Threshold
from scoreaudit.stats import metrics as M

#: The budget curve's default grid: 1%, 2%, ..., 100% of the files.
DEFAULT_BUDGETS = np.round(np.arange(1, 101) / 100, 10)

#: Multiple-testing corrections of every audit's comparisons.
CORRECTIONS = ("holm", "bh", "bonferroni", "none")


def check_options(confidence: float, correction: str, min_cell: int) -> None:
    """Check the options every kind of audit shares (the same errors everywhere).

    Examples
    --------
    >>> check_options(0.95, "holm", 11)
    >>> check_options(0.95, "sidak", 11)
    Traceback (most recent call last):
    ...
    scoreaudit.errors.DataError: ...
    """
    try:
        M.confidence_z(confidence)
    except (ValueError, TypeError):
        raise DataError.from_key("err_confidence", value=confidence) from None
    if correction not in CORRECTIONS:
        raise DataError.from_key("err_correction", value=correction)
    if int(min_cell) < 0:
        raise DataError.from_key("err_min_cell_negative", value=min_cell)


@dataclass(frozen=True)
class AuditOptions:
    """What :func:`scoreaudit.audit` was asked, checked (see its parameters).

    ``grid`` is the budget curve's shares (``budgets``, or :data:`DEFAULT_BUDGETS`).
    """

    reference: Mapping[str, Any] | str | None
    intersections: bool | int
    confidence: float
    correction: str
    min_cell: int
    grid: np.ndarray
    threshold_free: bool
    calibration_bins: int
    bootstrap: int
    bootstrap_seed: int | None

    @classmethod
    def validated(
        cls, population: Population, *, budgets: Sequence[float] | None, **options: Any
    ) -> AuditOptions:
        """The options, or the error naming the first one that is wrong.

        Examples
        --------
        >>> import pandas as pd
        >>> pop = Population(pd.DataFrame({"g": ["a", "b"], "s": [0.1, 0.2]}), protected=["g"])
        >>> opts = dict(reference=None, intersections=True, confidence=0.95, min_cell=11,
        ...             threshold_free=True, calibration_bins=10, bootstrap=0,
        ...             bootstrap_seed=0)
        >>> AuditOptions.validated(pop, budgets=[0.1, 0.5], correction="holm", **opts).grid
        array([0.1, 0.5])
        >>> AuditOptions.validated(pop, budgets=None, correction="sidak", **opts)
        Traceback (most recent call last):
        ...
        scoreaudit.errors.DataError: ...
        """
        check_options(options["confidence"], options["correction"], options["min_cell"])
        bootstrap = options["bootstrap"]
        if (
            isinstance(bootstrap, bool)
            or not isinstance(bootstrap, (int, np.integer))
            or bootstrap < 0
        ):
            raise DataError.from_key("err_bootstrap", value=bootstrap)
        if bootstrap and population.weights is not None:
            raise DataError.from_key("err_bootstrap_weights")
        grid = DEFAULT_BUDGETS if budgets is None else np.asarray(list(budgets), dtype=float)
        if grid.size == 0 or not np.all(np.isfinite(grid)) or grid.min() < 0 or grid.max() > 1:
            raise PolicyError.from_key("err_curve_budgets")
        return cls(grid=grid, **options)

    def config(
        self,
        policy: Budget | Threshold,
        views: Sequence[View],
        refs: Sequence[int | None],
        *,
        threshold_free: bool | None = None,
    ) -> dict[str, Any]:
        """results.json's ``config``: the policy and the options the audit ran with.

        ``threshold_free``: whether the AUC/KS columns were computed, when an engine may
        leave them out although they were asked for (None: as asked).
        """
        return {
            "policy": policy.to_dict(),
            **reference_config(self.reference, views, refs),
            "intersections": self.intersections,
            "confidence": self.confidence,
            "correction": self.correction,
            "min_cell": int(self.min_cell),
            "budgets": [float(b) for b in self.grid],
            "threshold_free": self.threshold_free if threshold_free is None else threshold_free,
            "bootstrap": int(self.bootstrap),
        }
