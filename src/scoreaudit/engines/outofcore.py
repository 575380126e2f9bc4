"""``sa.audit_file``: deprecated alias of ``sa.audit`` on a Parquet file kept in DuckDB.

The batch loop that lived here is gone: a file larger than memory is audited by the engine
(:mod:`scoreaudit.engines.sql`), which computes the per-(score, cell) sums inside DuckDB and
brings back only those. Write instead::

    pop = sa.Population("big.parquet", protected=[...], engine="duckdb")
    res = sa.audit(pop, model, policy)

(a glob such as ``"parts/*.parquet"`` or ``"duckdb:PATH::TABLE"`` stays in the engine without
``engine=``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from scoreaudit.core.warning import records_notes
from scoreaudit.results import AuditResult
from scoreaudit.selection.policies import Budget, Threshold

__all__ = ["audit_file"]


@records_notes
def audit_file(
    path: str | os.PathLike,
    model: Any,
    policy: Budget | Threshold | None = None,
    *,
    protected: Sequence[str],
    bands: Mapping[str, Sequence[float]] | None = None,
    batch_size: int | None = None,
    **options: Any,
) -> AuditResult:
    """Deprecated: ``sa.audit(sa.Population(path, ..., engine="duckdb"), model, policy)``.

    ``batch_size`` is ignored (the engine reads the file itself); other keyword arguments
    are those of :func:`scoreaudit.audit`.

    Examples
    --------
    >>> import tempfile, pathlib, warnings, numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 5000),
    ...                   "score": rng.integers(0, 20, 5000) / 20})
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.parquet"
    >>> f.to_parquet(p)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     res = sa.audit_file(p, "score", sa.Budget(share=0.1, ties="all"),
    ...                         protected=["gender"])
    >>> mem = sa.audit(sa.Population(f, protected=["gender"]), "score",
    ...                sa.Budget(share=0.1, ties="all"))
    >>> bool(np.allclose(res.groups["selection_rate"], mem.groups["selection_rate"]))
    True
    """
    from scoreaudit.data.population import Population
    from scoreaudit.engines.memory import audit

    warnings.warn(
        "sa.audit_file is deprecated: use sa.audit(sa.Population(path, protected=[...], "
        'engine="duckdb"), model, policy); the file stays in DuckDB either way.',
        DeprecationWarning,
        stacklevel=2,
    )
    population = Population(os.fspath(path), protected=protected, bands=bands, engine="duckdb")
    return audit(population, model, policy, **options)
