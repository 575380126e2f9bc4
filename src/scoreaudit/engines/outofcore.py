"""Audit a Parquet file larger than memory, with the numbers of the in-memory audit.

:func:`audit_file` reads the file in batches (``pyarrow.parquet.ParquetFile.iter_batches``),
scores every batch, and keeps only per-cell counts: memory grows with the batch size, the
number of cells and the number of distinct scores, not with the rows (except the tie lottery,
below). Every number is the one :func:`scoreaudit.engines.memory` gives on the whole file read into
memory, exactly (a test checks equality on files that fit).

How the cut-offs are found
--------------------------
Files are ranked by decreasing score; the top ``k`` are selected (``k`` computed from the
budget exactly as in memory). The selection then depends only on the ``k``-th largest score
``v`` and on how many files score above it:

* **Few distinct scores** (scorecards; at most :data:`~scoreaudit.selection.blocks.MAX_BLOCKS`
  distinct values in the file): one scan counts the files of every cell at every distinct
  score. ``v`` for every budget, the files above it and those tied at it, per cell, follow
  from this table, and so do the threshold-free measures (AUC, KS: exact from these counts).
* **Continuous scores**: the scores are mapped to order-preserving 64-bit keys and ``v`` is
  found by radix selection: one scan histograms the top 16 bits of the keys, each further
  scan the next 16 bits inside the bins holding the wanted ranks (at most four levels, less
  when a bin holds a single value); a last scan counts, per cell, the files above and at
  every cut-off. The threshold-free measures need every group's full score distribution and
  are omitted (a warning says so).

How ties are broken
-------------------
``ties="all"``: every file scoring ``v`` is selected (no state per file). ``ties="random"``
(the default): in memory, tied files are ordered by a permutation of all row positions drawn
from ``random_state``; out of core the SAME permutation is drawn (as int32: 4 bytes per row,
e.g. 200 MB for 50 million rows); a scan labels every row tied at a partially taken cut-off
with its cell (2 bytes per row); walking the permutation in order meets those rows in
lottery order, and the first ``m`` of each cut-off are selected, exactly as in memory.

Limits: Parquet input; no weights, labels or ``missing="category"`` (use the in-memory
audit); ``result.selected`` and ``result.scores`` are empty (there is no row-level output).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoreaudit.core.cells import Cells, Sums, build_views
from scoreaudit.core.references import reference_config, resolve_references
from scoreaudit.data.population import MAX_UNBANDED_LEVELS, Attribute, _band, _warn_near_duplicates
from scoreaudit.engines.memory import (
    DEFAULT_BUDGETS,
    _check_probabilities,
    _Engine,
)
from scoreaudit.errors import DataError, ModelError, PolicyError
from scoreaudit.models.base import validate_scores
from scoreaudit.models.column import ScoreColumn
from scoreaudit.results import AuditResult
from scoreaudit.selection.blocks import MAX_BLOCKS
from scoreaudit.selection.policies import Budget, Ranking, Selection, Threshold
from scoreaudit.stats.metrics import confidence_z

__all__ = ["audit_file"]

_TOP = np.uint64(1 << 63)

#: Positions of the tie permutation walked at a time.
_PERM_CHUNK = 1 << 20


def audit_file(  # noqa: C901 -- to split along validate/count/estimate by its owner
    path: str | os.PathLike,
    model: Any,
    policy: Budget | Threshold | None = None,
    *,
    protected: Sequence[str],
    bands: Mapping[str, Sequence[float]] | None = None,
    reference: Mapping[str, Any] | str | None = None,
    intersections: bool | int = True,
    confidence: float = 0.95,
    correction: str = "holm",
    min_cell: int = 11,
    budgets: Sequence[float] | None = None,
    threshold_free: bool = True,
    batch_size: int = 1_000_000,
) -> AuditResult:
    """Audit a Parquet file in batches, in bounded memory, with the in-memory numbers.

    Parameters are those of :func:`scoreaudit.engines.memory` (and of :class:`scoreaudit.Population`
    for ``protected`` and ``bands``); ``batch_size`` rows are read and scored at a time. See
    the module docstring for how cut-offs and ties are found, and for the limits.

    Returns
    -------
    AuditResult
        ``groups``, ``disparities`` (with AUC / KS when the scores have at most 65,535
        distinct values) and ``curve`` equal to those of ``sa.audit`` on the whole file;
        ``selected`` and ``scores`` are empty arrays.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, pandas as pd
    >>> import scoreaudit as sa
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"gender": rng.choice(["woman", "man"], 5000),
    ...                   "score": rng.integers(0, 20, 5000) / 20})
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.parquet"
    >>> f.to_parquet(p)
    >>> res = sa.audit_file(p, "score", sa.Budget(share=0.1), protected=["gender"],
    ...                     batch_size=1000)
    >>> mem = sa.audit(sa.Population(f, protected=["gender"]), "score", sa.Budget(share=0.1))
    >>> res.groups.equals(mem.groups) and res.disparities.equals(mem.disparities)
    True
    """
    import pyarrow.parquet as pq

    if isinstance(model, str):
        model = ScoreColumn(model)
    if not hasattr(model, "score"):
        raise ModelError(
            f"{type(model).__name__} is not a scoring model: it needs a "
            "score(frame) method and a features list."
        )
    policy = Budget(share=0.05) if policy is None else policy
    if not isinstance(policy, (Budget, Threshold)):
        raise PolicyError(f"policy must be a Budget or a Threshold, not {type(policy).__name__}.")
    confidence_z(confidence)
    if correction not in ("holm", "bh", "bonferroni", "none"):
        raise DataError(
            f"correction must be 'holm', 'bh', 'bonferroni' or 'none', not {correction!r}."
        )
    if int(min_cell) < 0:
        raise DataError(f"min_cell must be >= 0, not {min_cell!r}.")
    if int(batch_size) < 1:
        raise DataError(f"batch_size must be a positive number of rows, not {batch_size!r}.")
    grid = DEFAULT_BUDGETS if budgets is None else np.asarray(list(budgets), dtype=float)
    if grid.size == 0 or not np.all(np.isfinite(grid)) or grid.min() < 0 or grid.max() > 1:
        raise PolicyError("budgets for the curve must be shares between 0 and 1.")
    protected = [protected] if isinstance(protected, str) else list(protected)
    if not protected or len(set(protected)) != len(protected):
        raise DataError(f"Give distinct protected attributes (protected=[...]), not {protected}.")
    bands = {k: [float(e) for e in v] for k, v in (bands or {}).items()}

    path = os.fspath(path)
    try:
        pf = pq.ParquetFile(path, pre_buffer=False)  # no read-ahead of whole row groups
    except Exception as exc:  # pyarrow raises many types
        raise DataError(f"Cannot read Parquet file {path!r}: {exc}") from None
    n = int(pf.metadata.num_rows)
    if n < 2:
        raise DataError(f"The file {path!r} has {n} row(s): an audit needs many rows.")
    names = set(pf.schema_arrow.names)
    features = list(dict.fromkeys(getattr(model, "features", []) or []))
    if isinstance(model, ScoreColumn):
        features = [model.column]
    absent = [c for c in [*protected, *features] if c not in names]
    if absent:
        raise DataError(
            f"Column(s) {', '.join(map(repr, absent))} not found in {path!r}. "
            f"Available columns: {', '.join(sorted(names)[:30])}."
        )
    name = getattr(model, "name", type(model).__name__)
    scan = _Scan(pf, protected, features, int(batch_size))
    encoder = _Encoder.build(scan, protected, bands, path)

    # ---- scan 1: counts per cell, and per (distinct score, cell) or a key histogram ------
    raw = encoder.n_raw
    n_raw = np.zeros(raw, dtype=np.int64)
    score_sum = np.zeros(raw)
    table: _DistinctTable | None = _DistinctTable(raw)
    hist = None
    first = True
    for frame, _ in scan.batches(with_features=True):
        cell = encoder.encode(frame)
        scores = validate_scores(model.score(frame), len(frame), f"Model {name!r}")
        _check_probabilities(model, name, scores)
        n_raw += np.bincount(cell, minlength=raw)
        # exactly the sequential sums of the in-memory bincount: the running sum of every
        # cell is added first, then the batch's rows in order
        score_sum = np.bincount(
            np.concatenate([np.arange(raw), cell]),
            weights=np.concatenate([score_sum, scores]),
            minlength=raw,
        )
        if table is not None:
            table = table.add(scores, cell)
            if table is None and first:  # continuous scores: histogram from the start
                hist = _KeyHistogram()
        if hist is not None:
            hist.add(_keys(scores))
        first = False
    if table is None and hist is None:  # many distinct scores, found after the first batch
        hist = _KeyHistogram()
        for frame, _ in scan.batches(with_features=True):
            hist.add(_keys(np.asarray(model.score(frame), dtype=np.float64)))

    cells, keep = encoder.cells(n_raw)
    n_cell = n_raw[keep].astype(float)
    score_sum = score_sum[keep]
    remap = np.full(raw, -1, dtype=np.int64)
    remap[keep] = np.arange(keep.size)

    # ---- counts of the policy and of the curve ------------------------------------------
    virtual = _virtual_ranking(n, policy.ties)
    if isinstance(policy, Budget) and policy.count is not None:
        if policy.count > n:
            raise PolicyError(f"Budget count {policy.count} exceeds the population size {n}.")
        k_policy = int(policy.count)
    elif isinstance(policy, Budget):
        k_policy = int(virtual.count_for_share(np.array([policy.share]))[0])
        if k_policy == 0:
            raise PolicyError(
                f"A budget of {policy.share:.4%} selects no file in a population "
                f"of {n}; raise the budget."
            )
    else:
        k_policy = -1  # a threshold: resolved below
    k_curve = virtual.count_for_share(grid)

    if table is not None:
        cut = _CutoffsFromTable(table, remap, keep.size)
    else:
        cut = _CutoffsFromScans(scan, encoder, model, hist, remap, keep.size)
    if isinstance(policy, Threshold):
        k_policy = cut.count_at_least(float(policy.threshold))
        if k_policy == 0:
            raise PolicyError(
                f"No score reaches the threshold {policy.threshold}; the highest "
                f"score is {cut.highest():.6g}."
            )
    wanted = np.concatenate([[k_policy], k_curve])
    sel_cells, info = cut.selected_per_cell(wanted, policy, n, scan, encoder, model, remap)
    k_real = info["k"]  # after extending ties ("all")

    # ---- tables -------------------------------------------------------------------------
    sel = Sums(sel_cells[0].astype(float), sel_cells[0].astype(float), sel_cells[0].astype(float))
    base = Sums(n_cell, n_cell, n_cell)
    views = build_views(cells, intersections)
    engine = _Engine.from_sums(cells, views, base, sel, score_sum, confidence, min_cell)
    refs, warnings = resolve_references(
        views, engine.base_by_view, reference, engine.selected_by_view
    )
    groups = engine.groups_table()
    disparities = engine.disparities_table(refs, correction)
    tf_done = False
    if threshold_free:
        if table is not None:
            values, counts = table.ascending(remap, keep.size)
            disparities = engine.add_threshold_free_counts(disparities, refs, values, counts)
            tf_done = True
        else:
            warnings.append(
                "The scores have more than 65,535 distinct values: the "
                "threshold-free measures (AUC, KS) need each group's full score "
                "distribution and are omitted out of core; use sa.audit in "
                "memory for them."
            )
    counts_b = k_real[1:]
    curve_n = sel_cells[1:].astype(float)
    realised = np.where(counts_b > 0, counts_b / float(n), 0.0)
    curve = engine.curve_table_from_counts(refs, grid, counts_b, curve_n, curve_n, realised)

    k = int(k_real[0])
    selection = Selection(
        np.zeros(0, dtype=bool),
        k,
        k / float(n),
        info["cutoff"][0],
        info["tied"][0],
        info["tied_selected"][0],
        policy.describe(),
    )
    config = {
        "policy": policy.to_dict(),
        **reference_config(reference, views, refs),
        "intersections": intersections,
        "confidence": confidence,
        "correction": correction,
        "min_cell": int(min_cell),
        "budgets": [float(b) for b in grid],
        "threshold_free": bool(threshold_free and tf_done),
        "bootstrap": 0,
        "out_of_core": {
            "path": path,
            "batch_size": int(batch_size),
            "distinct_scores": None if table is None else table.n_values,
        },
    }
    model_info = model.to_dict() if hasattr(model, "to_dict") else {"kind": type(model).__name__}
    if not isinstance(model_info, dict):
        model_info = {"kind": type(model).__name__}
    summary = {
        "rows": n,
        "protected": {a.name: list(a.levels) for a in cells.attributes},
        "bands": bands,
        "label": None,
        "labelled_rows": None,
        "weight": None,
        "total_weight": None,
    }
    return AuditResult(
        groups=groups,
        disparities=disparities,
        curve=curve,
        selected=np.zeros(0, dtype=bool),
        calibration=None,
        selection=selection,
        config=config,
        population_summary=summary,
        model_info={"name": str(name), **model_info},
        warnings=warnings,
        population=None,
        model=model,
        policy=policy,
        scores=None,
    )


# ----------------------------------------------------------------------------------------------
# reading and encoding


class _Scan:
    """Batches of the file: pandas frames of the needed columns, with their first row."""

    def __init__(self, pf: Any, protected: list[str], features: list[str], batch_size: int):
        self.pf, self.protected, self.batch_size = pf, protected, batch_size
        self.columns = list(dict.fromkeys([*protected, *features]))

    def batches(self, with_features: bool) -> Iterator[tuple[pd.DataFrame, int]]:
        import pyarrow as pa

        cols = self.columns if with_features else self.protected
        offset = 0
        pool = pa.default_memory_pool()
        for batch in self.pf.iter_batches(
            batch_size=self.batch_size, columns=cols, use_pandas_metadata=False
        ):
            frame = batch.to_pandas()
            del batch
            yield frame, offset
            offset += len(frame)
            del frame
            pool.release_unused()  # else the allocator keeps every batch's pages


class _Encoder:
    """Codes of the protected attributes with levels fixed for the whole file."""

    def __init__(self, specs: list[tuple[str, Any, tuple[str, ...]]], path: str):
        self.specs, self.path = specs, path
        self.sizes = [len(levels) for _, _, levels in specs]
        self.n_raw = int(np.prod(self.sizes, dtype=np.float64))
        if self.n_raw > 50_000_000:
            raise DataError(
                "Too many combinations of protected groups for an out-of-core "
                "audit; band or merge groups."
            )

    @classmethod
    def build(cls, scan: _Scan, protected: list[str], bands: dict, path: str) -> _Encoder:
        """One scan of the protected columns: the levels, in the in-memory order."""
        unknown = [c for c in bands if c not in protected]
        if unknown:
            raise DataError(f"bands given for {unknown}, which are not protected attributes.")
        cats: dict[str, list] = {c: [] for c in protected}
        seen: dict[str, set] = {c: set() for c in protected}
        is_cat = dict.fromkeys(protected, True)
        for frame, offset in scan.batches(with_features=False):
            for c in protected:
                col = frame[c]
                if col.isna().any():
                    pos = offset + int(np.flatnonzero(col.isna().to_numpy())[0])
                    raise DataError(
                        f"Protected column {c!r} in {path!r} has missing values, "
                        f"first at row position {pos}. Fill or drop them, or audit "
                        "in memory with missing='category'."
                    )
                if c in bands:
                    continue
                if isinstance(col.dtype, pd.CategoricalDtype):
                    values = list(col.cat.categories)
                else:
                    is_cat[c] = False
                    values = list(pd.unique(col))
                for v in values:
                    if v not in seen[c]:
                        seen[c].add(v)
                        cats[c].append(v)
        specs = []
        for c in protected:
            if c in bands:
                edges = bands[c]
                specs.append((c, ("bands", edges), tuple(_band(c, pd.Series([0.0]), edges)[1])))
                continue
            values = cats[c]
            if not is_cat[c]:
                idx = pd.Index(values)
                if (
                    pd.api.types.is_numeric_dtype(idx)
                    and not pd.api.types.is_bool_dtype(idx)
                    and len(idx) > MAX_UNBANDED_LEVELS
                ):
                    raise DataError(
                        f"Protected column {c!r} is numeric with {len(idx)} distinct "
                        f"values; give bands, e.g. bands={{{c!r}: [25, 35, 50, 65]}}."
                    )
                values = list(idx.sort_values())
            labels = tuple(str(v) for v in values)
            if len(set(labels)) != len(labels):
                raise DataError(
                    f"Column {c!r} has distinct values that print the same "
                    f"({list(labels)}); recode them."
                )
            specs.append((c, ("values", pd.Index(values)), labels))
        return cls(specs, path)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Raw cell (mixed radix over all levels) of every row of a batch."""
        cell = np.zeros(len(frame), dtype=np.int64)
        for (c, (kind, what), _), size in zip(self.specs, self.sizes, strict=True):
            col = frame[c]
            if kind == "bands":
                codes = _band(c, col, what)[0]
            elif isinstance(col.dtype, pd.CategoricalDtype):
                lookup = what.get_indexer(col.cat.categories)
                codes = lookup[col.cat.codes.to_numpy()]
            else:
                codes = what.get_indexer(col)
            if (codes < 0).any():
                raise DataError(f"Protected column {c!r} in {self.path!r} has missing values.")
            cell *= size
            cell += codes
        return cell

    def cells(self, n_raw: np.ndarray) -> tuple[Cells, np.ndarray]:
        """The present cells (unused levels dropped, as :class:`Population` does)."""
        keep = np.flatnonzero(n_raw > 0)
        k = len(self.specs)
        raw_levels = np.zeros((keep.size, k), dtype=np.int64)
        rest = keep.copy()
        for j in range(k - 1, -1, -1):
            raw_levels[:, j] = rest % self.sizes[j]
            rest //= self.sizes[j]
        attrs, levels = [], np.zeros_like(raw_levels)
        for j, (c, _, labels) in enumerate(self.specs):
            used = np.zeros(self.sizes[j], dtype=bool)
            used[raw_levels[:, j]] = True
            new = np.cumsum(used) - 1
            levels[:, j] = new[raw_levels[:, j]]
            kept = tuple(lv for lv, u in zip(labels, used, strict=True) if u)
            if len(kept) < 2:
                raise DataError(
                    f"Protected column {c!r} in {self.path!r} has a single group "
                    f"({kept[0]!r}): there is nothing to compare."
                )
            _warn_near_duplicates(c, kept, None, f" in file {self.path!r}")
            attrs.append(Attribute(name=c, codes=np.zeros(0, dtype=np.int32), levels=kept))
        return Cells(cell=np.zeros(0, dtype=np.int16), levels=levels, attributes=tuple(attrs)), keep


# ----------------------------------------------------------------------------------------------
# distinct scores


class _DistinctTable:
    """Rows per (distinct score, raw cell), while there are at most MAX_BLOCKS scores."""

    def __init__(self, n_raw: int) -> None:
        self.n_raw = n_raw
        self.values = np.zeros(0)  # increasing
        self.counts = np.zeros((0, n_raw), dtype=np.int64)

    @property
    def n_values(self) -> int:
        return int(self.values.size)

    def add(self, scores: np.ndarray, cell: np.ndarray) -> _DistinctTable | None:
        s = scores + 0.0  # -0.0 and 0.0 are one score
        u, inv = np.unique(s, return_inverse=True)
        if u.size > MAX_BLOCKS or u.size * self.n_raw > 50_000_000:
            return None
        merged = np.union1d(self.values, u)
        if merged.size > MAX_BLOCKS or merged.size * self.n_raw > 50_000_000:
            return None
        if merged.size != self.values.size:
            counts = np.zeros((merged.size, self.n_raw), dtype=np.int64)
            counts[np.searchsorted(merged, self.values)] = self.counts
            self.values, self.counts = merged, counts
        pos = np.searchsorted(self.values, u)[inv]
        self.counts += np.bincount(pos * self.n_raw + cell, minlength=self.counts.size).reshape(
            self.counts.shape
        )
        return self

    def ascending(self, remap: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """Distinct scores (increasing) and their counts per present cell."""
        counts = np.zeros((self.values.size, n_cells), dtype=np.int64)
        ok = remap >= 0
        counts[:, remap[ok]] = self.counts[:, ok]
        return self.values, counts


def _virtual_ranking(n: int, ties: str) -> Ranking:
    """A Ranking of ``n`` unweighted rows without the rows, for its budget counts."""
    cum = np.broadcast_to(np.float64(n), (n,))
    return Ranking(
        order=np.broadcast_to(np.int64(0), (n,)),
        sorted_scores=cum,
        cum_weight=cum,
        ties="random" if ties == "all" else ties,
        weighted=False,
    )


# ----------------------------------------------------------------------------------------------
# cut-offs


class _Cutoffs:
    """Per-cell files above and at the k-th largest score, for every wanted k."""

    n_cells: int

    def resolve(self, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each k >= 1: the k-th largest score, rows strictly above it, rows equal."""
        raise NotImplementedError

    def per_cell(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows per cell strictly above and equal to each value: two (len, n_cells) arrays."""
        raise NotImplementedError

    def count_at_least(self, t: float) -> int:
        raise NotImplementedError

    def highest(self) -> float:
        raise NotImplementedError

    def selected_per_cell(
        self,
        wanted: np.ndarray,
        policy: Budget | Threshold,
        n: int,
        scan: _Scan,
        encoder: _Encoder,
        model: Any,
        remap: np.ndarray,
    ) -> tuple[np.ndarray, dict]:
        ks = np.asarray(wanted, dtype=np.int64)
        pos = ks > 0
        v = np.full(ks.size, np.inf)
        above = np.zeros(ks.size, dtype=np.int64)
        equal = np.zeros(ks.size, dtype=np.int64)
        if pos.any():
            v[pos], above[pos], equal[pos] = self.resolve(ks[pos])
        if policy.ties == "all":  # extend to every row tied with the last (as in memory)
            ks = np.where(pos, above + equal, 0)
        take = ks - above  # rows taken from the tie block at v
        uniq = np.unique(v[pos])
        a_cell, e_cell = self.per_cell(uniq) if uniq.size else (None, None)
        out = np.zeros((ks.size, self.n_cells), dtype=np.int64)
        partial: dict[float, list[int]] = {}
        for i in np.flatnonzero(pos):
            j = int(np.searchsorted(uniq, v[i]))
            out[i] = a_cell[j]
            if take[i] >= equal[i]:
                out[i] += e_cell[j]
            elif take[i] > 0:
                partial.setdefault(float(v[i]), []).append(i)
        if partial:
            _lottery(partial, take, out, policy, n, scan, encoder, model, remap, self.n_cells)
        info = {
            "k": ks,
            "cutoff": [float(x) for x in v],
            "tied": equal,
            "tied_selected": np.minimum(take, equal),
        }
        return out, info


class _CutoffsFromTable(_Cutoffs):
    def __init__(self, table: _DistinctTable, remap: np.ndarray, n_cells: int) -> None:
        values, counts = table.ascending(remap, n_cells)
        self.values = values[::-1]  # decreasing
        self.counts = counts[::-1]
        self.n_cells = n_cells
        self.totals = self.counts.sum(axis=1)
        self.cum = np.cumsum(self.totals)  # rows at or above each value

    def resolve(self, ks):
        j = np.searchsorted(self.cum, ks, side="left")  # first value whose cum reaches k
        return self.values[j], self.cum[j] - self.totals[j], self.totals[j]

    def per_cell(self, values):
        j = np.searchsorted(-self.values, -values)
        cum = np.cumsum(self.counts, axis=0)
        return cum[j] - self.counts[j], self.counts[j]

    def count_at_least(self, t):
        return int(self.totals[self.values >= t].sum())

    def highest(self):
        return float(self.values[0])


def _keys(scores: np.ndarray) -> np.ndarray:
    """Order-preserving unsigned 64-bit keys of floats (-0.0 is 0.0)."""
    u = (np.asarray(scores, dtype=np.float64) + 0.0).view(np.uint64)
    return np.where(u >= _TOP, ~u, u | _TOP)


def _from_key(k: np.ndarray) -> np.ndarray:
    k = np.asarray(k, dtype=np.uint64)
    return np.where(k >= _TOP, k & ~_TOP, ~k).view(np.float64)


class _KeyHistogram:
    """Counts and min / max key per bin of the top 16 bits (scan 1 of continuous scores)."""

    def __init__(self) -> None:
        self.count = np.zeros(65536, dtype=np.int64)
        self.lo = np.full(65536, np.iinfo(np.uint64).max, dtype=np.uint64)
        self.hi = np.zeros(65536, dtype=np.uint64)

    def add(self, keys: np.ndarray) -> None:
        b = (keys >> np.uint64(48)).astype(np.int64)
        self.count += np.bincount(b, minlength=65536)
        np.minimum.at(self.lo, b, keys)
        np.maximum.at(self.hi, b, keys)


class _CutoffsFromScans(_Cutoffs):
    """Radix selection of the cut-offs over order-preserving keys (continuous scores)."""

    def __init__(
        self,
        scan: _Scan,
        encoder: _Encoder,
        model: Any,
        hist: _KeyHistogram,
        remap: np.ndarray,
        n_cells: int,
    ) -> None:
        self.scan, self.encoder, self.model, self.remap = scan, encoder, model, remap
        self.n_cells = n_cells
        self.hist = hist

    def _scores(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for frame, _ in self.scan.batches(with_features=True):
            cell = self.remap[self.encoder.encode(frame)]
            yield np.asarray(self.model.score(frame), dtype=np.float64), cell

    def resolve(self, ks):
        ks = np.asarray(ks, dtype=np.int64)
        prefix = np.zeros(ks.size, dtype=np.uint64)  # known top bits of each wanted key
        rank = ks.copy()  # rank within the prefix, from the top
        above = np.zeros(ks.size, dtype=np.int64)
        done = np.zeros(ks.size, dtype=bool)
        value_key = np.zeros(ks.size, dtype=np.uint64)
        equal = np.zeros(ks.size, dtype=np.int64)
        count, lo, hi = self.hist.count, self.hist.lo, self.hist.hi
        level = 0
        while True:
            # pick, for every unresolved k, the bin holding its rank (bins from the top)
            for i in np.flatnonzero(~done):
                c = count if level == 0 else count[self._slot[prefix[i]]]
                low = lo if level == 0 else lo[self._slot[prefix[i]]]
                high = hi if level == 0 else hi[self._slot[prefix[i]]]
                from_top = np.cumsum(c[::-1])
                b = 65535 - int(np.searchsorted(from_top, rank[i], side="left"))
                before = int(from_top[65535 - b] - c[b])
                above[i] += before
                rank[i] -= before
                shift = np.uint64(48 - 16 * level)
                prefix[i] = prefix[i] | (np.uint64(b) << shift)
                if low[b] == high[b]:
                    done[i], value_key[i], equal[i] = True, low[b], c[b]
            if done.all():
                break
            level += 1
            if level > 3:  # pragma: no cover - 64 bits are resolved after four levels
                raise AssertionError("radix selection did not converge")
            todo = np.unique(prefix[~done])
            self._slot = _SlotMap(todo)
            count = np.zeros((todo.size, 65536), dtype=np.int64)
            lo = np.full((todo.size, 65536), np.iinfo(np.uint64).max, dtype=np.uint64)
            hi = np.zeros((todo.size, 65536), dtype=np.uint64)
            mask_bits = np.uint64(((1 << 64) - 1) ^ ((1 << (64 - 16 * level)) - 1))
            shift = np.uint64(48 - 16 * level)
            for scores, _ in self._scores():
                k = _keys(scores)
                p = k & mask_bits
                j = np.searchsorted(todo, p)
                j = np.minimum(j, todo.size - 1)
                hit = todo[j] == p
                if not hit.any():
                    continue
                k, j = k[hit], j[hit]
                b = ((k >> shift) & np.uint64(0xFFFF)).astype(np.int64)
                flat = j * 65536 + b
                count += np.bincount(flat, minlength=count.size).reshape(count.shape)
                np.minimum.at(lo.reshape(-1), flat, k)
                np.maximum.at(hi.reshape(-1), flat, k)
        return _from_key(value_key), above, equal

    def per_cell(self, values):
        cut = _keys(values)  # increasing
        u = cut.size
        a = np.zeros((u + 1) * self.n_cells, dtype=np.int64)
        e = np.zeros(u * self.n_cells, dtype=np.int64)
        for scores, cell in self._scores():
            k = _keys(scores)
            pos = np.searchsorted(cut, k, side="left")  # k <= cut[pos]
            a += np.bincount(pos * self.n_cells + cell, minlength=a.size)
            eq = pos < u
            eq[eq] = k[eq] == cut[pos[eq]]
            e += np.bincount(pos[eq] * self.n_cells + cell[eq], minlength=e.size)
        a = a.reshape(u + 1, self.n_cells)
        above = np.cumsum(a[::-1], axis=0)[::-1]  # rows with pos >= j
        return above[1:], e.reshape(u, self.n_cells)

    def count_at_least(self, t):
        return int(sum(int((s >= t).sum()) for s, _ in self._scores()))

    def highest(self):
        return float(max(float(s.max()) for s, _ in self._scores()))


class _SlotMap:
    """Index of a prefix among the sorted unresolved prefixes."""

    def __init__(self, todo: np.ndarray) -> None:
        self.todo = todo

    def __getitem__(self, p: np.uint64) -> int:
        return int(np.searchsorted(self.todo, p))


# ----------------------------------------------------------------------------------------------
# the tie lottery


def _permutation(n: int, random_state: Any) -> np.ndarray:
    """The in-memory tie permutation, as int32 (4 bytes per row).

    ``Generator.permutation(n)`` shuffles ``arange(n)``; shuffling an int32 ``arange``
    draws the same random numbers and gives the same permutation at half the memory.
    """
    perm = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    np.random.default_rng(random_state).shuffle(perm)
    return perm


def _priorities(n: int, random_state: Any) -> np.ndarray:
    """Position of every row in the tie permutation (its rank in the lottery)."""
    perm = _permutation(n, random_state)
    prio = np.empty(n, dtype=perm.dtype)
    step = 1 << 22
    for a in range(0, n, step):
        prio[perm[a : a + step]] = np.arange(a, min(a + step, n), dtype=perm.dtype)
    return prio


def _lottery(
    partial: dict[float, list[int]],
    take: np.ndarray,
    out: np.ndarray,
    policy: Budget | Threshold,
    n: int,
    scan: _Scan,
    encoder: _Encoder,
    model: Any,
    remap: np.ndarray,
    n_cells: int,
) -> None:
    """Add to ``out`` the files selected by the seeded lottery at partially taken cut-offs.

    In memory, tied rows are taken in the order of the seeded permutation ``perm`` (row
    ``perm[0]`` first). Here one scan labels every row with its cut-off block and cell (0:
    not tied at a partially taken cut-off); walking ``perm`` in order then meets the tied
    rows of each block in lottery order, and the first ``m`` of each block are counted per
    cell. Memory: 2 bytes per row for the labels and 4 for the permutation.
    """
    values = np.array(sorted(partial))
    keys = _keys(values)
    n_t = values.size
    ldt = np.uint16 if (n_t * n_cells + 1) < 2**16 else np.int64
    label = np.zeros(n, dtype=ldt)
    for frame, offset in scan.batches(with_features=True):
        k = _keys(np.asarray(model.score(frame), dtype=np.float64))
        j = np.minimum(np.searchsorted(keys, k), n_t - 1)
        hit = np.flatnonzero(keys[j] == k)
        if hit.size:
            cell = remap[encoder.encode(frame.iloc[hit])]
            label[offset + hit] = 1 + j[hit] * n_cells + cell
    perm = _permutation(n, policy.random_state)
    # the takes of each block, in increasing order, and what has been counted so far
    wants = [sorted(partial[float(v)], key=lambda i: take[i]) for v in values]
    nxt = [0] * n_t  # next budget (index into wants[t]) to complete
    seen = np.zeros(n_t, dtype=np.int64)  # tied rows of block t met so far
    done = np.zeros((n_t, n_cells), dtype=np.int64)
    step = _PERM_CHUNK
    for a in range(0, n, step):
        lab = label[perm[a : a + step]]
        lab = lab[lab > 0].astype(np.int32 if ldt == np.uint16 else np.int64) - 1
        if not lab.size:
            continue
        t_of, c_of = np.divmod(lab, n_cells)
        order = np.argsort(t_of, kind="stable")  # per block, in lottery order
        bounds = np.concatenate([[0], np.cumsum(np.bincount(t_of, minlength=n_t))])
        cells = c_of[order]
        for t in np.flatnonzero(bounds[1:] > bounds[:-1]):
            seg = cells[bounds[t] : bounds[t + 1]]
            pos = 0
            while nxt[t] < len(wants[t]):
                i = wants[t][nxt[t]]
                need = int(take[i] - seen[t])  # rows still to take for budget i
                if need > seg.size - pos:
                    break
                done[t] += np.bincount(seg[pos : pos + need], minlength=n_cells)
                seen[t] += need
                pos += need
                out[i] += done[t]
                nxt[t] += 1
            done[t] += np.bincount(seg[pos:], minlength=n_cells)
            seen[t] += seg.size - pos
    del perm, label
    for t in range(n_t):  # takes equal to the whole block are never partial: all met
        assert nxt[t] == len(wants[t])
