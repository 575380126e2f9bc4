"""Simulated control logs: a year of controls on a synthetic population, with outcomes.

How the budget is split
-----------------------
``budget`` is the share of all files controlled in the year (score-driven and random
controls together): ``n_controls = round(budget * n)`` (halves rounded up).
``random_share`` is the share of those controls drawn at random:
``n_random = round(random_share * n_controls)`` and ``n_score = n_controls - n_random``.

1. The random controls are drawn first, as a simple random sample without replacement of
   ``n_random`` files from the *whole* population, so they estimate every group's true error
   rate and population share without bias (including files the score would have picked).
2. The score controls are the ``n_score`` highest-scoring files among the files not drawn at
   random, ranked by decreasing score with tied files in a seeded random order (the simulated
   agency's lottery: a random permutation, then a stable sort).

Each control's ``result`` comes from the ground truth ``irregular``: "errors found" when the
file is irregular and the control detects it (with probability ``detection_rate``, default
1: every error is found), "no error" otherwise.

Columns of the log (one row per control, sorted by ``household_id``)
--------------------------------------------------------------------
``control_id`` (int64, 1..n_controls in the log's order), ``household_id``, ``gender``,
``age``, ``age_band``, ``family_status`` (the protected attributes and the file's age, same
types as in the population), ``score`` (float, the model's score), ``score_rank`` (int64,
1 = highest score in the whole population; ties broken by the same lottery),
``selection_method`` (categorical: "score", "random"), ``result`` (categorical:
"errors found", "no error"), ``irregular`` (int8, the ground truth, 0/1; drop it before
handing the log to an auditor who should not see the truth).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.errors import DataError, Part, PolicyError
from scoreaudit.models.base import check_features, validate_scores

SELECTION_METHODS = ("score", "random")
RESULTS = ("errors found", "no error")
PROTECTED = ("gender", "age", "age_band", "family_status")


def _round_half_up(x: float) -> int:
    return int(np.floor(x + 0.5))


def control_split(n: int, budget: float = 0.05, random_share: float = 0.1) -> tuple[int, int]:
    """Numbers of score-driven and random controls for ``n`` files.

    Examples
    --------
    >>> control_split(100_000, budget=0.05, random_share=0.1)
    (4500, 500)
    """
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 < budget <= 1:
        raise PolicyError.from_key("err_synth_log_budget", budget=budget)
    if (
        isinstance(random_share, bool)
        or not isinstance(random_share, int | float)
        or not (0 <= random_share <= 1)
    ):
        raise PolicyError.from_key("err_synth_log_random_share", random_share=random_share)
    n_controls = _round_half_up(budget * n)
    if n_controls < 1:
        raise PolicyError.from_key("err_synth_log_budget_zero", budget=budget, n=n)
    n_random = _round_half_up(random_share * n_controls)
    return n_controls - n_random, n_random


def control_log(
    population: pd.DataFrame,
    model: Any,
    budget: float = 0.05,
    random_share: float = 0.1,
    random_state: int | None = 0,
    detection_rate: float = 1.0,
) -> pd.DataFrame:
    """Simulate a year of controls: top-score files plus a random sample, with outcomes.

    Parameters
    ----------
    population : pandas.DataFrame
        A population from :func:`~scoreaudit.synthetic.c2sg_population` with the ground truth
        (``irregular``) and the columns the model reads.
    model : ScoringModel
        Anything with ``score(frame) -> array`` (and ``features``), e.g.
        ``scoreaudit.ScoreColumn("score")`` on a planted population.
    budget : float, default 0.05
        Share of all files controlled (score and random controls together).
    random_share : float, default 0.1
        Share of the controls drawn as a simple random sample of all files.
    random_state : int, default 0
        Seed of the random sample, the tie lottery and missed detections.
    detection_rate : float, default 1.0
        Probability that a control finds the error of an irregular file.

    Returns
    -------
    pandas.DataFrame
        One row per control; columns described in the module docstring.

    Raises
    ------
    DataError
        The population lacks ``household_id``, ``irregular`` or a protected column.
    PolicyError
        A budget or share outside its range.

    Examples
    --------
    >>> import scoreaudit as sa
    >>> from scoreaudit.synthetic import c2sg_population, control_log
    >>> pop = c2sg_population(10_000, random_state=0, scenario="planted")
    >>> log = control_log(pop, sa.ScoreColumn("score"), budget=0.05, random_share=0.2)
    >>> log["selection_method"].value_counts().to_dict()
    {'score': 400, 'random': 100}
    """
    if not isinstance(population, pd.DataFrame):
        raise DataError.from_key("err_synth_log_not_frame")
    needed = ["household_id", "irregular", *PROTECTED]
    missing = [c for c in needed if c not in population.columns]
    if missing:
        raise DataError.from_key(
            "err_synth_log_columns_missing", columns=", ".join(map(repr, missing))
        )
    if not 0 <= detection_rate <= 1:
        raise DataError.from_key("err_synth_log_detection_rate", rate=detection_rate)
    n = len(population)
    n_score, n_random = control_split(n, budget, random_share)
    if n_score + n_random > n:
        raise PolicyError.from_key("err_synth_log_budget_too_large", budget=budget, n=n)
    if not hasattr(model, "score"):
        raise DataError.from_key("err_synth_log_not_model", kind=type(model).__name__)
    check_features(model, population)
    scores = validate_scores(
        model.score(population),
        n,
        Part("err_model_named", name=getattr(model, "name", type(model).__name__)),
    )

    rng = np.random.default_rng(random_state)
    random_rows = np.sort(rng.choice(n, size=n_random, replace=False))
    tie_seed = int(rng.integers(2**63 - 1))
    # a seeded lottery among tied files (the simulated agency's rule): a random permutation,
    # then a stable sort by decreasing score
    perm = np.random.default_rng(tie_seed).permutation(n)
    order = perm[np.argsort(-scores[perm], kind="stable")]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    # the n_score highest ranks among files not drawn at random
    drawn = np.zeros(n, dtype=bool)
    drawn[random_rows] = True
    remaining_in_rank_order = order[~drawn[order]]
    score_rows = np.sort(remaining_in_rank_order[:n_score])

    rows = np.concatenate([score_rows, random_rows])
    method = np.concatenate([np.zeros(n_score, np.int8), np.ones(n_random, np.int8)])
    order = np.argsort(population["household_id"].to_numpy()[rows], kind="stable")
    rows, method = rows[order], method[order]

    truth = pd.to_numeric(population["irregular"], errors="coerce").to_numpy()
    if np.isnan(truth[rows]).any() or not np.isin(truth[rows], (0, 1)).all():
        raise DataError.from_key("err_synth_log_irregular")
    found = (truth[rows] == 1) & (rng.random(rows.size) < detection_rate)

    log = population.iloc[rows][["household_id", *PROTECTED]].reset_index(drop=True)
    log.insert(0, "control_id", np.arange(1, rows.size + 1, dtype=np.int64))
    log["score"] = scores[rows]
    log["score_rank"] = rank[rows]
    log["selection_method"] = pd.Categorical.from_codes(method, categories=list(SELECTION_METHODS))
    log["result"] = pd.Categorical.from_codes(
        np.where(found, 0, 1).astype(np.int8), categories=list(RESULTS)
    )
    log["irregular"] = truth[rows].astype(np.int8)
    return log
