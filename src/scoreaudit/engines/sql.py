"""The audit where the data lives: sufficient statistics computed inside an engine.

Every number the audit publishes (selection rates, disparities, intervals, tests, the budget
curve, AUC / KS, calibration) is a function of a few sums per **score level x finest
protected cell x label class** (0 / 1 / never controlled): the row count, the sum of weights
and the sum of squared weights. That table is one ``GROUP BY``. This module builds it inside
the engine that holds the rows, brings back only that small table, and hands it to the
in-memory code that turns per-cell sums into tables (:class:`scoreaudit.engines.memory._Engine`,
:func:`scoreaudit.stats.distribution.threshold_free_counts`): the formulas exist once.

Why ibis
--------
The queries are ibis expressions: one portable expression API compiled to each engine's SQL
dialect. The same expression runs on DuckDB (embedded, the default: no server), on Spark
(local or a cluster), and on any ibis backend (Postgres, Trino, BigQuery, Snowflake...)
without a line of dialect-specific SQL here. A DuckDB relation or a Spark DataFrame is
queried through the SQL ibis compiles for it (see :mod:`scoreaudit.data.sources`).

Scores
------
* A **score column** is read as it is (NaN or NULL scores: a DataError naming the table and
  the column).
* A **scorecard** without linear terms is compiled to an integer *joint cell* expression
  (CASE per categorical level, comparisons per bin edge; :mod:`scoreaudit.models.scorecard_sql`);
  the engine groups by it, and each joint cell's score is computed once by the scorecard
  itself: bit-identical to the in-memory scores.
* **Other models** (scikit-learn, ONNX, scorecards with linear terms) are scored in Python on
  record batches streamed from the engine (``to_pyarrow_batches``); the scores and group keys
  go to a local DuckDB table (which spills to disk beyond memory) and the audit continues there.

Few distinct scores vs continuous scores
----------------------------------------
With at most :data:`MAX_LEVEL_ROWS` (level x cell x label) combinations the whole table comes
back and every number is computed from it, exactly. Continuous scores (as many distinct values
as rows) are done in two passes, exactly:

1. the engine groups the rows by score and runs a cumulative count (window ``SUM ... OVER
   (ORDER BY score DESC)``); only the levels where a budget's cumulative count (or weight) is
   reached come back: the exact cut-off of every budget of the policy and of the curve;
2. one more scan puts every row in a *bucket*: ``2 a + e`` with ``a`` the number of cut-offs
   strictly above its score and ``e`` whether it equals one. Rows between two cut-offs are
   either all selected or all not at every budget, so the (bucket x cell x label) table gives
   the exact selected counts of every budget, ties at the cut-offs included.

The threshold-free measures of continuous scores need every group's whole score distribution:
the engine groups the rows by (score, keys) and streams that table ordered by score; one
pass keeps, per group, the running sums from which the AUC (Mann-Whitney U from ranks), its
DeLong variance, the Mann-Whitney tie term and the KS distance follow exactly
(:mod:`scoreaudit.engines._sql_rank`; memory: one record batch). The calibration table of
continuous scores (quantile bins) is not computed by the engine and is omitted with a
warning.

Ties at the cut-off
-------------------
As in memory, by :mod:`scoreaudit.selection.ties`: the tied files are shared among the finest
(cell, label) groups present at the cut-off (largest remainders, or a seeded hypergeometric
draw, or all of them): independent of row order, so every engine gives the same counts.
Weighted budgets select the same fraction ``f`` of every tied group's files and weight.
``result.selected`` and ``result.scores`` are empty: there is no row-level output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import Cells, Sums, build_views
from scoreaudit.core.progress import advance
from scoreaudit.core.references import resolve_references
from scoreaudit.core.warning import records_notes
from scoreaudit.data.sources import description_pending
from scoreaudit.engines._options import AuditOptions
from scoreaudit.engines._sql_keys import _raw_codes
from scoreaudit.engines._sql_select import Levels, _wanted, choose, choose_threshold
from scoreaudit.errors import DataError, Num, Part, PolicyError
from scoreaudit.results import AuditResult
from scoreaudit.selection.curve import edge_rows
from scoreaudit.selection.policies import Budget, Selection, Threshold
from scoreaudit.selection.ties import budget_count

__all__ = ["MAX_LEVEL_ROWS", "audit_engine"]

#: Most (score level x cell x label) rows brought back from the engine in one table.
MAX_LEVEL_ROWS = 2_000_000

#: Rows looked at to decide quickly that a score column is continuous.
_SAMPLE = 100_000

#: Distinct scores in that sample above which the scores are treated as continuous.
_CONTINUOUS = 20_000


# ----------------------------------------------------------------------------------------------
# the prepared table: group keys, label class, weight, score level


@dataclass
class _Prepared:
    source: Any  # LazySource
    table: Any  # ibis table with k0.., lab?, wt?, lv
    decode: Any  # level keys -> scores (float64)
    continuous_hint: bool
    score_what: Part  # for errors: "column 'score'" / "model 'x'"
    compiled: Any = None
    #: The table the level GROUP BY reads, when it differs from ``table`` (folded factors).
    grouped: Any = None
    #: Scorecard factors read from a group key: (key column, levels, stride in the joint cell).
    folded: tuple = ()


def _prepare(population: Any, model: Any) -> _Prepared:
    from scoreaudit.data.sources import label_class, protected_key, weight_expr
    from scoreaudit.models.column import ScoreColumn
    from scoreaudit.models.scorecard import Scorecard
    from scoreaudit.models.scorecard_sql import compile_scorecard

    source = population.source
    t = source.table
    cols = {
        f"k{i}": protected_key(source, c, population.bands.get(c))
        for i, c in enumerate(population.protected)
    }
    if population.label_column is not None:  # validated already: grouped as it is
        label_class(source, population.label_column)
        cols["lab"] = t[population.label_column]
    if population.weight_column is not None:
        cols["wt"] = weight_expr(source, population.weight_column)
    if isinstance(model, ScoreColumn):
        from scoreaudit.data.sources import column_type

        dtype = column_type(source, model.column)
        if not dtype.is_numeric() or dtype.is_boolean():
            raise DataError.from_key(
                "err_sql_score_type", column=model.column, source=source.name, dtype=dtype
            )
        cols["lv"] = t[model.column].cast("float64")
        what = Part("err_what_score_column", column=model.column)
        return _Prepared(source, t.select(**cols), _identity, False, what)
    if isinstance(model, Scorecard):
        comp = compile_scorecard(model, t)
        if comp is not None:
            grouped, folded = _fold_key_factors(population, model, comp, cols)
            cols["lv"] = comp.expr
            what = Part("err_what_model", name=model.name)
            prep = _Prepared(source, t.select(**cols), comp.scores, False, what, comp)
            prep.grouped, prep.folded = grouped, folded
            return prep
    return _score_in_batches(population, model, cols)


def _fold_key_factors(population: Any, model: Any, comp: Any, cols: dict) -> tuple[Any, tuple]:
    """The level table with the scorecard's text factors that are group keys taken from the keys.

    A categorical factor of the scorecard read from a protected column that is grouped as it
    is (text, no bands) needs no CASE over the rows: the engine groups by that column anyway.
    The joint cell is compiled with that column set to the factor's first level (code 0,
    constant), and each grouped row's code is added back from its key by :func:`_unfold`
    (text matched exactly, as the CASE does: an unlisted or missing value is refused the same
    way). Returns ``(None, ())`` when no factor folds.
    """
    import ibis

    from scoreaudit.data.sources import column_type
    from scoreaudit.models.scorecard_sql import compile_scorecard

    source = population.source
    keyed = {c: f"k{i}" for i, c in enumerate(population.protected) if c not in population.bands}
    stride, fold, const = 1, [], {}
    for f in reversed(comp.factors):
        if (
            f.kind == "categorical"
            and f.variable in keyed
            and f.levels
            and column_type(source, f.variable).is_string()
        ):
            fold.append((keyed[f.variable], tuple(f.levels), stride))
            const[f.variable] = ibis.literal(f.levels[0], type="string")
        stride *= f.n_cells
    if not fold:
        return None, ()
    inner = {f"__sa_{k}": v for k, v in cols.items()}
    t = source.table.mutate(**inner).mutate(**const)
    folded = compile_scorecard(model, t)
    if folded is None:  # pragma: no cover - the same factors compiled above
        return None, ()
    out = t.select(**{k: t[f"__sa_{k}"] for k in cols}, lv=folded.expr)
    return out, tuple(fold)


def _unfold(prep: _Prepared, frame: pd.DataFrame, joint: np.ndarray) -> np.ndarray:
    """Add back the codes of the folded factors (see :func:`_fold_key_factors`)."""
    joint = np.asarray(joint, dtype=np.int64).copy()
    for key, levels, stride in prep.folded:
        code = pd.Index(levels).get_indexer(pd.Index(frame[key]))
        bad = code < 0
        if bad.any():  # unlisted or missing level: the CASE gives NULL, refused the same way
            _bad_scores(prep, int(frame.loc[bad, "n"].sum()))
        joint += code * stride
    return joint


def _identity(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64) + 0.0  # -0.0 and 0.0 are one score


def _score_in_batches(population: Any, model: Any, cols: dict) -> _Prepared:
    """Score a Python model on record batches streamed from the engine; keep keys + scores."""
    import duckdb
    import ibis
    import pyarrow as pa

    from scoreaudit.data.sources import LazySource, column_type
    from scoreaudit.models.base import validate_scores

    source = population.source
    features = list(dict.fromkeys(getattr(model, "features", []) or []))
    for c in features:
        column_type(source, c)
    name = getattr(model, "name", type(model).__name__)
    feats = {f"f{i}": source.table[c] for i, c in enumerate(features)}
    expr = source.table.select(**cols, **feats)
    keys = list(cols)
    total = len(population)  # described before the stream opens (one query at a time)

    def batches():
        done = 0
        for batch in source.batches(expr):
            frame = batch.select([f"f{i}" for i in range(len(features))]).to_pandas()
            frame.columns = features
            scores = validate_scores(
                model.score(frame), len(frame), Part("err_model_named", name=name)
            )
            out = batch.select(keys).append_column("lv", pa.array(scores))
            done += len(frame)
            advance("score", done, total)
            yield out

    first = None
    gen = batches()
    try:
        first = next(gen)
    except StopIteration:
        raise DataError.from_key("err_sql_no_rows", source=source.name) from None
    reader = pa.RecordBatchReader.from_batches(first.schema, _chain(first, gen))
    con = duckdb.connect()
    con.register("scored_stream", reader)
    con.execute("CREATE TABLE scored AS SELECT * FROM scored_stream")
    con.unregister("scored_stream")
    icon = ibis.duckdb.from_connection(con)
    scored = LazySource(icon.table("scored"), source.name, "scored", "duckdb", keep=(con, icon))
    return _Prepared(scored, scored.table, _identity, False, Part("err_what_model", name=name))


def _chain(first: Any, rest: Any) -> Any:
    yield first
    yield from rest


# ----------------------------------------------------------------------------------------------
# level tables


def _group(prep: _Prepared, level: Any, checks: bool = False) -> Any:
    """One GROUP BY (keys, level, label): count, weight and squared weight sums.

    ``checks``: also count the invalid weights (the population's description comes from
    this table, :func:`_describe_from_levels`).
    """
    t = prep.table if prep.grouped is None else prep.grouped
    keys = [c for c in t.columns if c.startswith("k")]
    if "lab" in t.columns:
        keys.append("lab")
    base = t.select(*keys, *(["wt"] if "wt" in t.columns else []), lv=level)
    aggs: dict[str, Any] = {"n": base.count()}
    if "wt" in t.columns:
        wt = base.wt
        aggs["w"] = wt.sum()
        aggs["w2"] = (wt * wt).sum()
        if checks:
            bad = wt.isnull() | wt.isnan() | (wt <= 0) | wt.isinf()
            aggs["bad_weight"] = bad.cast("int64").sum()
    return base.group_by([*keys, "lv"]).aggregate(**aggs)


def _describe_from_levels(population: Any, frame: pd.DataFrame) -> None:
    """Describe a lazy population from the level table (one scan for both; same checks)."""
    from scoreaudit.data.sources import describe_population, meta_from_combos

    keys = [c for c in frame.columns if c.startswith("k")]
    n = frame["n"].to_numpy(np.int64)
    sums = {"n": n}
    if population.label_column is not None:  # 1 / 0 / missing; anything else is refused
        raw = frame["lab"].astype("float64").to_numpy(na_value=np.nan)
        valid = (raw == 0) | (raw == 1)
        sums["bad_label"] = np.where(~valid & ~np.isnan(raw), n, 0)
        sums["labelled"] = np.where(valid, n, 0)
    if population.weight_column is not None:
        sums["bad_weight"] = frame["bad_weight"].to_numpy(np.int64)
        sums["total_weight"] = frame["w"].to_numpy(np.float64)
    per = pd.DataFrame({**{k: frame[k] for k in keys}, **sums})
    combos = per.groupby(keys, dropna=False, sort=False).sum().reset_index()
    source = population.source
    meta = meta_from_combos(
        source, population.protected, population.label_column, population.weight_column, combos
    )
    describe_population(population, meta)


def _cells(population: Any, frame: pd.DataFrame) -> tuple[Cells, np.ndarray]:
    """Finest cell of every grouped row, with the present cells in canonical order."""
    attrs = [population.attributes[c] for c in population.protected]
    code = _raw_codes(population, frame)
    sizes = [a.n_levels for a in attrs]
    uniq, cell = np.unique(code, return_inverse=True)
    levels = np.zeros((uniq.size, len(attrs)), dtype=np.int64)
    rest = uniq.copy()
    for j in range(len(attrs) - 1, -1, -1):
        levels[:, j] = rest % sizes[j]
        rest //= sizes[j]
    return Cells(cell=np.zeros(0, dtype=np.int16), levels=levels, attributes=tuple(attrs)), cell


def _assemble(
    population: Any,
    frame: pd.DataFrame,
    values: np.ndarray,
    exact: np.ndarray,
    level_of_row: np.ndarray,
    score_sum_rows: np.ndarray,
    continuous: bool,
) -> Levels:
    """Dense (level, cell, label) arrays from the grouped rows."""
    cells, cell = _cells(population, frame)
    labelled = "lab" in frame.columns
    weighted = "w" in frame.columns
    K = 3 if labelled else 1
    L, C = values.size, cells.n_cells
    if L * C * K > 200_000_000:
        raise DataError.from_key("err_sql_table_too_large", levels=L, cells=C)
    if labelled:  # 1 / 0 / missing (NULL or NaN) -> label class 1 / 0 / 2
        raw = frame["lab"].astype("float64").to_numpy(na_value=np.nan)
        k = np.where(np.isnan(raw), 2, raw).astype(np.int64)
    else:
        k = np.zeros(len(frame), dtype=np.int64)
    flat = (level_of_row * C + cell) * K + k
    shape = (L, C, K)

    def dense(col: str) -> np.ndarray:
        v = frame[col].to_numpy(np.float64)
        return np.bincount(flat, weights=v, minlength=L * C * K).reshape(shape)

    n = dense("n")
    w = dense("w") if weighted else n
    w2 = dense("w2") if weighted else n
    score_sum = np.bincount(cell, weights=score_sum_rows, minlength=C)
    return Levels(values, exact, n, w, w2, score_sum, cells, weighted, labelled, continuous)


def _discrete(population: Any, prep: _Prepared) -> Levels | None:
    """The whole (level, cell, label) table when it is small; None for continuous scores."""
    t = prep.table
    if prep.compiled is None and prep.continuous_hint is False:
        sample = t.select("lv").limit(_SAMPLE)
        got = prep.source.execute(sample.aggregate(d=sample.lv.nunique(), n=sample.count()))
        row = got.to_pylist()[0]
        if row["d"] > _CONTINUOUS or (row["n"] >= 10_000 and row["d"] > row["n"] // 2):
            return None
    grouped = t if prep.grouped is None else prep.grouped
    describe = description_pending(population)
    q = _group(prep, grouped.lv, checks=describe).limit(MAX_LEVEL_ROWS + 1)
    frame = prep.source.execute(q).to_pandas()
    if len(frame) > MAX_LEVEL_ROWS:
        return None
    if describe:  # the population's description comes from the same scan
        _describe_from_levels(population, frame)
    lv = frame["lv"]
    if lv.isna().any():
        _bad_scores(prep, int(frame.loc[lv.isna(), "n"].sum()))
    joint = _unfold(prep, frame, lv.to_numpy()) if prep.folded else lv.to_numpy()
    scores = prep.decode(joint)
    bad = ~np.isfinite(scores)
    if bad.any():
        _bad_scores(prep, int(frame.loc[bad, "n"].sum()))
    uniq, inv = np.unique(scores, return_inverse=True)
    values = uniq[::-1].copy()
    level = (uniq.size - 1) - inv
    wsum = frame["w"].to_numpy(np.float64) if "w" in frame.columns else frame["n"].to_numpy(float)
    return _assemble(
        population, frame, values, np.ones(values.size, bool), level, scores * wsum, False
    )


def _bad_scores(prep: _Prepared, count: int) -> None:
    if prep.compiled is not None:
        from scoreaudit.models.scorecard_sql import explain_null

        raise explain_null(prep.compiled.card, prep.source, prep.compiled)
    raise DataError.from_key(
        "err_sql_scores_not_finite", what=prep.score_what, source=prep.source.name, n=count
    )


# ----------------------------------------------------------------------------------------------
# continuous scores: exact cut-offs by a window over the distinct scores, then buckets


def _cutoff_values(
    prep: _Prepared, ks: np.ndarray, targets: np.ndarray, threshold: float | None
) -> np.ndarray:
    """Exact scores at which the wanted counts ``ks`` (or weights ``targets``) are reached."""
    import ibis

    t = prep.table
    weighted = "wt" in t.columns
    base = t.select("lv", *(["wt"] if weighted else []))
    aggs = {"n": base.count()}
    if weighted:
        aggs["w"] = base.wt.sum()
    g = base.group_by("lv").aggregate(**aggs)
    win = ibis.window(order_by=ibis.desc(g.lv), rows=(None, 0))
    g = g.mutate(cum=g.n.sum().over(win), **({"cumw": g.w.sum().over(win)} if weighted else {}))
    cond = g.lv.isnull() | g.lv.isnan() | g.lv.isinf()
    # a wanted count k is reached at the score where (cum - n, cum] holds it: where the
    # number of wanted counts <= cum changes (binary-search CASE: ~log2(budgets) tests a row)
    wanted = np.unique(ks[ks > 0]).astype(np.int64)
    if wanted.size:
        cond = cond | (
            _count_le(g.cum, wanted, 0, wanted.size)
            != _count_le(g.cum - g.n, wanted, 0, wanted.size)
        )
    wanted_w = np.unique(targets[targets > 0]).astype(float)
    if wanted_w.size:
        cond = cond | (
            _count_le(g.cumw, wanted_w, 0, wanted_w.size)
            != _count_le(g.cumw - g.w, wanted_w, 0, wanted_w.size)
        )
    got = prep.source.execute(g.filter(cond).select("lv", "n")).to_pandas()
    bad = ~np.isfinite(got["lv"].to_numpy(np.float64, na_value=np.nan))
    if bad.any():
        _bad_scores(prep, int(got.loc[bad, "n"].sum()))
    values = got["lv"].to_numpy(np.float64)
    if threshold is not None:
        q = t.filter(t.lv >= float(threshold)).aggregate(m=t.lv.min())
        m = prep.source.execute(q).to_pylist()[0]["m"]
        if m is not None:
            values = np.append(values, float(m))
    return np.unique(values + 0.0)[::-1]


def _buckets(population: Any, prep: _Prepared, cut: np.ndarray) -> Levels:
    """Rows per (bucket, cell, label): buckets 2a + e around the exact cut-offs ``cut``."""

    t = prep.table
    bucket = _bucket_expr(t.lv, cut, 0, cut.size)
    q = _group_with_score(prep, bucket)
    frame = prep.source.execute(q).to_pandas()
    codes = frame["lv"].to_numpy(np.int64)
    nb = 2 * cut.size + 1
    values = np.full(nb, -np.inf)
    np.maximum.at(values, codes, frame["smax"].to_numpy(np.float64))
    present = np.zeros(nb, dtype=bool)
    present[codes] = True
    remap = np.cumsum(present) - 1
    exact = (np.arange(nb) % 2 == 1)[present]
    values = values[present]
    return _assemble(
        population,
        frame,
        values,
        exact,
        remap[codes],
        frame["ss"].to_numpy(np.float64),
        True,
    )


def _count_le(x: Any, values: np.ndarray, lo: int, hi: int) -> Any:
    """Number of ``values`` (increasing) that are <= ``x``: a binary-search CASE."""
    import ibis

    if lo == hi:
        return ibis.literal(lo, type="int64")
    mid = (lo + hi) // 2
    v = values[mid].item()
    return ibis.ifelse(x >= v, _count_le(x, values, mid + 1, hi), _count_le(x, values, lo, mid))


def _bucket_expr(lv: Any, cut: np.ndarray, lo: int, hi: int) -> Any:
    """``2 a + e`` by binary search over the decreasing cut-offs ``cut[lo:hi]`` (depth log m).

    ``a``: cut-offs strictly above the score; ``e``: 1 when the score equals one.
    """
    import ibis

    if lo == hi:
        return ibis.literal(2 * lo, type="int64")
    mid = (lo + hi) // 2
    v = float(cut[mid])
    return ibis.ifelse(
        lv > v,
        _bucket_expr(lv, cut, lo, mid),
        ibis.ifelse(
            lv == v, ibis.literal(2 * mid + 1, type="int64"), _bucket_expr(lv, cut, mid + 1, hi)
        ),
    )


def _group_with_score(prep: _Prepared, bucket: Any) -> Any:
    t = prep.table
    keys = [c for c in t.columns if c.startswith("k")]
    if "lab" in t.columns:
        keys.append("lab")
    weighted = "wt" in t.columns
    base = t.select(*keys, *(["wt"] if weighted else []), s=t.lv, lv=bucket)
    aggs: dict[str, Any] = {"n": base.count(), "smax": base.s.max()}
    if weighted:
        aggs["w"] = base.wt.sum()
        aggs["w2"] = (base.wt * base.wt).sum()
        aggs["ss"] = (base.s * base.wt).sum()
    else:
        aggs["ss"] = base.s.sum()
    return base.group_by([*keys, "lv"]).aggregate(**aggs)


# ----------------------------------------------------------------------------------------------
# the audit


@records_notes
def audit_engine(
    population: Any,
    model: Any,
    policy: Budget | Threshold,
    options: AuditOptions,
) -> AuditResult:
    """:func:`scoreaudit.audit` on a population kept in its engine (``options`` validated there).

    Examples
    --------
    >>> import duckdb, numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"gender": rng.choice(["woman", "man"], 1000),
    ...                       "score": rng.integers(0, 10, 1000) / 10})
    >>> lazy = sa.Population(duckdb.sql("SELECT * FROM frame"), protected=["gender"])
    >>> mem = sa.Population(frame, protected=["gender"])
    >>> policy = sa.Budget(share=0.1, ties="all")
    >>> a = sa.audit(lazy, "score", policy)
    >>> b = sa.audit(mem, "score", policy)
    >>> bool(np.allclose(a.groups["selection_rate"], b.groups["selection_rate"], rtol=1e-12))
    True
    """
    from scoreaudit.engines.tables import _check_probabilities

    prep = _prepare(population, model)
    lv = _discrete(population, prep)
    grid = options.grid
    n_total = len(population)
    shares_policy = (
        np.array([policy.share]) if isinstance(policy, Budget) and policy.share else np.zeros(0)
    )
    count = policy.count if isinstance(policy, Budget) else None
    if count is not None and count > n_total:
        raise PolicyError.from_key("err_budget_count_large", count=count, n=n_total)
    weighted = population.weight_column is not None
    total_w = population.lazy_meta.total_weight if weighted else float(n_total)
    if lv is None:  # continuous scores: exact cut-offs first, then buckets
        ks, targets = _all_wanted(policy, grid, n_total, total_w, weighted)
        thr = float(policy.threshold) if isinstance(policy, Threshold) else None
        cut = _cutoff_values(prep, ks, targets, thr)
        lv = _buckets(population, prep, cut)
        total_w = float(lv.w.sum()) if weighted else total_w
    elif weighted:
        total_w = float(lv.w.sum())
    name = getattr(model, "name", type(model).__name__)
    score_range = _check_probabilities(model, str(name), lv.values[[0, -1]])

    if isinstance(policy, Threshold):
        chosen = choose_threshold(lv, float(policy.threshold))
    else:
        c, tg = _wanted(n_total, total_w, weighted, shares_policy, count)
        if c is not None and c[0] == 0:
            raise PolicyError.from_key(
                "err_budget_selects_none", share=Num(policy.share, ".4%"), n=n_total
            )
        chosen = choose(lv, c, tg, policy.ties, policy.random_state)
    c, tg = _wanted(n_total, total_w, weighted, grid, None)
    curve = choose(lv, c, tg, policy.ties, policy.random_state)

    return _result(
        population, model, policy, options, lv=lv, chosen=chosen, curve=curve, total_w=total_w,
        prep=prep, score_range=score_range,
    )  # fmt: skip


def _all_wanted(
    policy: Any, grid: np.ndarray, n: int, total_w: float, weighted: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Every count (and weight target) at which a cut-off is needed."""
    ks: list[float] = []
    targets: list[float] = []
    shares = list(grid)
    if isinstance(policy, Budget) and policy.share is not None:
        shares.append(policy.share)
    if isinstance(policy, Budget) and policy.count is not None:
        ks.append(policy.count)
    if weighted:
        targets += [s * total_w for s in shares]
    else:
        ks += [budget_count(s, n) for s in shares]
    return np.array(ks, dtype=float), np.array(targets, dtype=float)


def _sums(n: np.ndarray, w: np.ndarray, w2: np.ndarray, weighted: bool) -> Sums:
    if not weighted:
        return Sums(n, n, n)
    return Sums(n, w, w2, True)


def _label_sums(lv: Levels, n, w, w2, classes: Sequence[int]) -> Sums:
    idx = list(classes)
    return _sums(n[..., idx].sum(-1), w[..., idx].sum(-1), w2[..., idx].sum(-1), lv.weighted)


def _lottery_range(eng: Any, lv: Levels, chosen: Any, disparities: pd.DataFrame, refs: list):
    """The range a fair lottery of the tie block could give each ratio, from the per-level
    counts (as :meth:`_Engine.add_lottery_range` computes it from rows in memory)."""
    cut = float(chosen.cutoff[0])
    tie = SimpleNamespace(
        tied_at_cutoff=int(chosen.tied[0]), tied_selected=int(chosen.tied_selected[0]), cutoff=cut
    )
    at = np.flatnonzero((lv.values == cut) & lv.exact)
    if lv.weighted or at.size == 0:
        tie.tied_selected = tie.tied_at_cutoff  # nothing left to a lottery that we can measure
        return eng.add_lottery_range(disparities, refs, tie, counts=None)
    above = lv.n[lv.values > cut].sum(axis=(0, 2)).astype(np.int64)
    tied = lv.n[at].sum(axis=(0, 2)).astype(np.int64)
    return eng.add_lottery_range(disparities, refs, tie, counts=(above, tied))


def _curve_at_levels(eng, lv, policy, refs, grid, curve, curve_table, count, total_w):
    """The curve with each budget that cuts a tie block moved to the block's nearer edge
    (as :meth:`_Engine.curve_at_levels` in memory): counted again at the edges, where every
    level is selected whole. A budget selecting the audit's ``count`` stays."""
    from scoreaudit.engines.tables import with_kept_budgets

    k = np.rint(curve.k).astype(np.int64)
    found = edge_rows(k, curve.above, curve.above + curve.tied, count)
    if found is None:
        return curve_table
    rows, at, moved = found
    edges = choose(lv, at.astype(float), None, policy.ties, policy.random_state)
    table = eng.edge_table(refs, grid[rows], at, moved, edges.n.sum(-1), edges.w.sum(-1), total_w)
    return with_kept_budgets(table, curve_table, count)


def _result(
    population,
    model,
    policy,
    options: AuditOptions,
    *,
    lv,
    chosen,
    curve,
    total_w,
    prep,
    score_range,
) -> AuditResult:
    """The audit's tables from the counts per score level: ``lv`` the levels, ``chosen`` the
    policy's selection, ``curve`` the curve's, ``prep`` the prepared query, ``score_range``
    the lowest and highest score when they are outside [0, 1]."""
    from scoreaudit.engines.tables import _Engine, audit_result

    grid = options.grid
    cells = lv.cells
    views = build_views(cells, options.intersections)
    base = _label_sums(lv, lv.n.sum(0), lv.w.sum(0), lv.w2.sum(0), range(lv.n.shape[2]))
    K = lv.n.shape[2]
    sn, sw, sw2 = chosen.n[0], chosen.w[0], chosen.w2[0]
    sel = _label_sums(lv, sn, sw, sw2, range(K))
    eng = _Engine.from_sums(
        cells, views, base, sel, lv.score_sum, options.confidence, options.min_cell
    )
    eng.weights = np.ones(0) if lv.weighted else None
    if lv.labelled:
        eng.labels = np.ones(0)
        bn, bw, bw2 = lv.n.sum(0), lv.w.sum(0), lv.w2.sum(0)
        eng.lab = _label_sums(lv, bn, bw, bw2, (0, 1))
        eng.pos = _label_sums(lv, bn, bw, bw2, (1,))
        eng.neg = _label_sums(lv, bn, bw, bw2, (0,))
        eng.sel_lab = _label_sums(lv, sn, sw, sw2, (0, 1))
        eng.sel_pos = _label_sums(lv, sn, sw, sw2, (1,))
        eng.sel_neg = _label_sums(lv, sn, sw, sw2, (0,))
    refs, warnings = resolve_references(
        views, eng.base_by_view, options.reference, eng.selected_by_view
    )
    groups = eng.groups_table()
    disparities = eng.disparities_table(refs, options.correction)
    disparities = _lottery_range(eng, lv, chosen, disparities, refs)
    if options.bootstrap:
        disparities = eng.add_bootstrap(
            disparities, refs, int(options.bootstrap), options.bootstrap_seed
        )
    tf_done = False
    if options.threshold_free:
        from scoreaudit.engines import _sql_tf

        disparities, tf_done, note = _sql_tf.add_threshold_free(
            eng, lv, disparities, refs, population, prep
        )
        if note:
            warnings.append(note)
    c_n = curve.n.sum(-1)
    c_w = curve.w.sum(-1)
    # the selected weight's share, also when the rounded file count is 0 (weighted budgets
    # count the expected tied weight f x W_L: a budget below one file's weight selects a part)
    realised = c_w.sum(axis=1) / total_w if total_w > 0 else np.zeros(len(grid))
    curve_table = eng.curve_table_from_counts(refs, grid, curve.k, c_n, c_w, realised)
    calibration = None
    if lv.labelled:
        from scoreaudit.engines import _sql_tf

        calibration, note = _sql_tf.calibration(
            eng, lv, options.calibration_bins, options.confidence
        )
        if note:
            warnings.append(note)
    k = chosen.k[0]
    share = float(chosen.w[0].sum() / total_w)
    selection = Selection(
        np.zeros(0, dtype=bool),
        int(round(k)),
        share,
        float(chosen.cutoff[0]),
        int(chosen.tied[0]),
        int(round(chosen.tied_selected[0])),
        policy.describe(),
    )
    levels = _curve_at_levels(
        eng, lv, policy, refs, grid, curve, curve_table, selection.n_selected, total_w
    )
    src = population.source
    config = {
        **options.config(
            policy, views, refs, threshold_free=bool(options.threshold_free and tf_done)
        ),
        "engine": {
            "name": src.engine,
            "source": src.name,
            "levels": int(lv.values.size),
            "continuous": bool(lv.continuous),
        },
    }
    return audit_result(
        population,
        model,
        policy,
        groups=groups,
        disparities=disparities,
        curve=curve_table,
        curve_at_levels=levels,
        selected=np.zeros(0, dtype=bool),
        calibration=calibration,
        selection=selection,
        config=config,
        warnings=warnings,
        min_cell=options.min_cell,
        score_range=score_range,
        scores=np.zeros(0),
    )
