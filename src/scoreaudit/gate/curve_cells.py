"""The curves of several attributes together, against the groups table's hidden cells.

The curve publishes each single attribute's selected counts at many budgets. Between two
budgets the newly selected files form a table over the finest cells (every attribute's
group) whose margins, one per attribute, are the increments of the published counts. An
attacker can give each (increment, finest cell) a count of its own: where a score level is
made of one group's files, those margins pin the cells of the increment, and a hidden
intersection's size or selected count can be narrowed although neither the groups table
nor any single curve narrows it (found by an attack on our own files).

:func:`check_cells` builds that integer program (the groups table's published counts, every
published curve count, the budget totals), bounds every small hidden count of the groups
table and, while one is narrower than the groups table alone leaves it (``min_cell``, or
less where nothing could give more), hides the curve of one attribute of that count.

Each bound is a linear program first (HiGHS, every one from the previous one's optimum:
:class:`~scoreaudit.gate._solver.LinearPrograms`); its optimum is a file count at every
(increment, cell), and when it is a whole number everywhere it is an integer solution, so
the integer bound is the same. Otherwise the integer program is solved (node-limited; an
unfinished one counts as narrow).

The programs grow with budgets x finest cells: HiGHS bounds one count in about a second at
3,000 variables, twenty at 12,000 (100 budgets x 120 cells), and its integer search can take
minutes. Above :data:`MAX_VARIABLES` the curves of several attributes are published at
fewer budgets, evenly spread (the other budgets' rows are left out of the published curve,
which plots and reads as a coarser curve), so that the check stays exact on what is
published. With fewer than :data:`MIN_BUDGETS` left, one attribute's curve is published
alone, and so it is when the proof would take more than :data:`MAX_PROGRAMS` programs (a
count, not a clock, so that the same audit publishes the same numbers on any machine). A
budget where nothing is shown is left out of the program: only its total is known, and
between two neighbours' running counts there is always a whole count per cell with that
total.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from scoreaudit.core.vocab import SEP
from scoreaudit.gate._solver import LinearPrograms, milp

__all__ = ["MAX_PROGRAMS", "MAX_VARIABLES", "MIN_BUDGETS", "check_cells", "fitted_cells"]

MAX_VARIABLES = 3_000
MIN_BUDGETS = 10
MAX_PROGRAMS = 24
INTEGER_COST = 4  # an integer program counts as four linear ones (about their time ratio)
NODES = 1_000  # an integer search stopped there proves nothing: the count is taken as narrow


def check_cells(
    curve: pd.DataFrame,
    full: pd.DataFrame,
    hide: np.ndarray,
    groups: pd.DataFrame,
    published: pd.DataFrame,
    targets: list[tuple[int, str]],
    base: np.ndarray,
    audit_count: int,
    m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``hide`` grown until the curves of several attributes narrow no small hidden count,
    and the rows of budgets left out (not published at all).

    ``curve`` is the single attributes' curve (``hide`` its mask), ``full`` the curve with
    every view (the finest one gives the true counts); ``published`` the groups table with
    hidden counts NaN, ``targets`` its small hidden counts as (row, kind) and ``base``
    their widths without the curve (only ``min(base, m)`` is used: they may come capped).
    """
    if not targets or "n_selected" not in curve.columns:  # (hand-made curves in unit tests)
        return hide.copy(), np.zeros(len(curve), dtype=bool)
    fitted, dropped = _fit(curve, hide, len(_cells(full, groups)[2]))
    out = _check(curve, full, fitted | dropped, groups, published, targets, base, audit_count, m)
    return _settled(curve, hide, out, dropped)


def fitted_cells(
    curve: pd.DataFrame,
    full: pd.DataFrame,
    hide: np.ndarray,
    groups: pd.DataFrame,
    targets: list[tuple[int, str]],
) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`check_cells` returns when its programs narrow no count: the curves
    fitted to the programs' size only, no program solved (not a proof of anything)."""
    if not targets or "n_selected" not in curve.columns:
        return hide.copy(), np.zeros(len(curve), dtype=bool)
    fitted, dropped = _fit(curve, hide, len(_cells(full, groups)[2]))
    return _settled(curve, hide, fitted | dropped, dropped)


def _settled(curve, hide, out, dropped) -> tuple[np.ndarray, np.ndarray]:
    """:func:`check_cells`'s answer from the programs' mask ``out``."""
    attrs = curve["attribute"].astype(str).to_numpy()
    alone = list(dict.fromkeys(attrs[~out]))
    if len(alone) < 2:  # one curve needs no program: every budget it had
        return hide | ~np.isin(attrs, alone), np.zeros(len(curve), dtype=bool)
    return out, dropped


def _check(curve, full, hide, groups, published, targets, base, audit_count, m) -> np.ndarray:
    """``hide`` grown until no small hidden count is narrowed (see :func:`check_cells`)."""
    attrs = curve["attribute"].astype(str).to_numpy()
    work = MAX_PROGRAMS
    while True:
        shown = list(dict.fromkeys(attrs[~hide]))
        if len(shown) < 2:  # one curve alone says nothing about how attributes cross
            return hide
        model = _Model(curve[~hide], full, groups, published, audit_count, work)
        try:
            narrow = model.narrow(targets, np.minimum(base, m))
        except _OutOfWork:  # not proven in time: one attribute's curve alone
            return hide | (attrs != shown[0])
        work = model.work
        if narrow is None:
            return hide
        row = groups.iloc[targets[narrow][0]]
        own = str(row["attribute"]).split(SEP)
        choices = [a for a in shown if a in own] or shown
        drop = min(choices, key=lambda a: (int((attrs == a).sum()), a))
        hide[attrs == drop] = True


def _fit(curve: pd.DataFrame, hide: np.ndarray, n_cells: int):
    """The shown curves fitted to programs of :data:`MAX_VARIABLES` (module docstring):
    ``(hide, dropped)``, every attribute but one hidden when fewer than :data:`MIN_BUDGETS`
    budgets would fit, else the rows of budgets not kept left out of the curve."""
    attrs = curve["attribute"].astype(str).to_numpy()
    none = np.zeros(len(curve), dtype=bool)
    budgets = pd.to_numeric(curve["n_selected"], errors="coerce").to_numpy(float)
    shown = np.unique(budgets[~hide])
    room = MAX_VARIABLES // max(n_cells, 1) - 2  # the audit's budget and everyone are points too
    if len(dict.fromkeys(attrs[~hide])) < 2 or shown.size <= room:
        return hide, none
    if room < MIN_BUDGETS:  # one attribute's curve alone says nothing about how they cross
        return hide | (attrs != attrs[~hide][0]), none
    keep = shown[np.unique(np.linspace(0, shown.size - 1, room).round().astype(int))]
    return hide, ~np.isin(budgets, keep)


def _cells(full: pd.DataFrame, groups: pd.DataFrame) -> tuple[str | None, list[str], list]:
    """The finest cells the programs count files in: ``(finest view or None, the attributes
    in the order of a cell's label, the cells' labels)``."""
    finest = _finest_view(full, groups)
    if finest is not None:  # the groups table lists the cells that have files
        cells = full.loc[full["attribute"].astype(str) == finest, "group"].astype(str)
        return finest, finest.split(SEP), list(dict.fromkeys(cells))
    # every combination of the single attributes' groups may have files
    attrs = groups["attribute"].astype(str)
    order = [a for a in dict.fromkeys(attrs) if SEP not in a]
    each = [list(dict.fromkeys(groups.loc[attrs == a, "group"].astype(str))) for a in order]
    return None, order, [SEP.join(x) for x in itertools.product(*each)]


def _finest_view(full: pd.DataFrame, groups: pd.DataFrame) -> str | None:
    """The view crossing every single attribute of the groups table (None without one)."""
    names = pd.unique(groups["attribute"].astype(str))
    singles = [a for a in names if SEP not in a]
    for name in pd.unique(full["attribute"].astype(str)):
        if sorted(name.split(SEP)) == sorted(singles) and len(singles) > 1:
            return str(name)
    return None


class _Model:
    """Files of each finest cell among the first ``k`` files, for every budget ``k``.

    The variables are running counts ``y[i, c]`` (cell ``c`` within the top ``points[i]``
    files), never falling from one budget to the next: the counts per (increment, cell)
    are their differences. Each published count is then a sum over one budget's cells.
    """

    def __init__(self, shown, full, groups, published, audit_count, work) -> None:
        self.work = work  # programs left to solve
        finest, self.order, labels = _cells(full, groups)
        attrs = groups["attribute"].astype(str)
        self.parts = np.array([lab.split(SEP) for lab in labels], dtype=object)
        n_total = float(groups.loc[attrs == self.order[0], "n"].sum())
        ks = pd.to_numeric(shown["n_selected"], errors="coerce").dropna().to_numpy(float)
        points = np.unique(np.concatenate([ks, [audit_count, n_total]]))
        self.points = points[points > 0]
        self.n_cells, self.n_inc = len(labels), self.points.size
        self.audit = int(np.searchsorted(self.points, float(audit_count)))
        self.pool: list[np.ndarray] = []  # integer solutions met: the truth first
        truth = None
        if finest is not None:
            cells = full[full["attribute"].astype(str) == finest]
            truth = self._truth(cells, labels, groups[attrs == finest], audit_count).ravel()
        self.published = published.reset_index(drop=True)
        self.A_eq, self.b_eq = self._equalities(shown)
        # y[i - 1, c] - y[i, c] <= 0: a cell's running count never falls
        nv = self.n_inc * self.n_cells
        later = np.arange(self.n_cells, nv)
        data = np.concatenate([np.ones(later.size), -np.ones(later.size)])
        rows = np.concatenate([np.arange(later.size)] * 2)
        cols = np.concatenate([later - self.n_cells, later])
        self.A_ub = csr_matrix((data, (rows, cols)), shape=(later.size, nv))
        self.b_ub = np.zeros(later.size)
        self._linear: LinearPrograms | None = None
        if truth is not None:
            self._admit(truth)

    def _admit(self, y: np.ndarray) -> bool:
        """Keep ``y`` as a witness if it is one (:meth:`_solves`); whether it was kept."""
        if self._solves(y):
            self.pool.append(y)
            return True
        return False

    def _solves(self, y: np.ndarray) -> bool:
        """Whether ``y`` meets every published count (a witness only then proves a width:
        a wrong one would wave a narrowed count through)."""
        return bool(
            np.isfinite(y).all()
            and (y >= 0).all()
            and np.allclose(self.A_eq @ y, self.b_eq)
            and (self.A_ub @ y <= self.b_ub + 1e-9).all()
        )

    def _equalities(self, shown: pd.DataFrame) -> tuple[csr_matrix, np.ndarray]:
        """Every published count as a sum of one budget's cells, in this order: the budget
        totals (public: n_selected), the shown curve's counts, then each published row of
        the groups table (its size at the last point, its selected files at the audit's)."""
        n_c, n_i = self.n_cells, self.n_inc
        pub = self.published
        pairs = (
            np.arange(n_i),  # budget totals: every cell at each point
            np.searchsorted(self.points, shown["n_selected"].to_numpy(float)),
            np.tile([n_i - 1, self.audit], len(pub)),
        )
        members = np.vstack(
            [
                np.ones((n_i, n_c), dtype=bool),
                self._members_of(shown["attribute"], shown["group"]),
                np.repeat(self._members_of(pub["attribute"], pub["group"]), 2, axis=0),
            ]
        )
        at = np.concatenate(pairs)
        rhs = np.concatenate(
            [
                self.points,
                shown["selected"].to_numpy(float),
                np.column_stack([pub["n"], pub["selected"]]).astype(float).ravel(),
            ]
        )
        keep = np.isfinite(rhs)  # a hidden count of the groups table is no equation
        keep[: n_i + len(shown)] = True
        members, at, rhs = members[keep], at[keep], rhs[keep]
        rows, cells = np.nonzero(members)
        cols = at[rows] * n_c + cells
        matrix = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(len(rhs), n_i * n_c))
        return matrix, rhs

    def _members_of(self, attributes: pd.Series, groups: pd.Series) -> np.ndarray:
        """Which cells make up each (attribute, group): one row of booleans each."""
        keys = list(zip(attributes.astype(str), groups.astype(str), strict=True))
        each = {key: self._members(*key) for key in dict.fromkeys(keys)}
        if not keys:
            return np.zeros((0, self.n_cells), dtype=bool)
        return np.vstack([each[key] for key in keys])

    def _truth(self, cells, labels, finest_rows, audit_count) -> np.ndarray:
        """True running counts: the finest view's curve, its selected files at the audit's
        budget and its sizes in the groups table (these two replace the curve's rows
        there); NaN where a count is not known."""
        index = pd.Index(labels)
        out = np.full((self.n_inc, len(labels)), np.nan)
        fin = finest_rows
        sources = (
            (cells["n_selected"].to_numpy(float), cells["group"], cells["selected"]),
            (np.full(len(fin), float(audit_count)), fin["group"], fin["selected"]),
            (np.full(len(fin), float(self.points[-1])), fin["group"], fin["n"]),
        )
        for first, (ks, groups, values) in enumerate(sources):
            i = np.minimum(np.searchsorted(self.points, ks), self.n_inc - 1)
            j = index.get_indexer(groups.astype(str))
            ok = (self.points[i] == ks) & (j >= 0)
            if first:  # a whole row replaced, as a table of the budget would be
                out[np.unique(i[self.points[i] == ks])] = np.nan
            out[i[ok], j[ok]] = np.asarray(values, dtype=float)[ok]
        return out

    def _members(self, attribute: str, group: str) -> np.ndarray:
        mem = np.ones(self.n_cells, dtype=bool)
        for a, g in zip(str(attribute).split(SEP), str(group).split(SEP), strict=True):
            mem &= self.parts[:, self.order.index(a)] == g
        return mem

    def _at(self, members: np.ndarray, i: int) -> np.ndarray:
        out = np.zeros((self.n_inc, self.n_cells))
        out[i] = members
        return out.ravel()

    def target(self, row: int, kind: str) -> np.ndarray:
        r = self.published.iloc[row]
        mem = self._members(r["attribute"], r["group"])
        size, sel = self._at(mem, self.n_inc - 1), self._at(mem, self.audit)
        return {"n": size, "selected": sel, "not_selected": size - sel}[kind]

    def narrow(self, targets: list[tuple[int, str]], need: np.ndarray) -> int | None:
        """The first target whose feasible width is below ``need``, or None.

        Integer solutions met so far (the truth, whole optima) prove a width at least their
        spread, without a new program; the linear programs' bounds, wider than the integer
        ones, prove a narrow width. Raises :class:`_OutOfWork` past ``self.work`` programs.
        """
        for t, (row, kind) in enumerate(targets):
            c = self.target(row, kind)
            if self._spread(c) >= need[t]:
                continue
            (low, low_whole), (high, high_whole) = self._relaxed(c)
            if low is None or high is None or high - low < need[t]:
                return t
            if self._spread(c) >= need[t]:
                continue
            low = low if low_whole else self._whole(c, 1.0)
            high = high if high_whole else self._whole(c, -1.0)
            if low is None or high is None or high - low < need[t]:
                return t
        return None

    def _spread(self, c: np.ndarray) -> float:
        return float(np.ptp([c @ x for x in self.pool])) if self.pool else 0.0

    def _spend(self, cost: int) -> None:
        self.work -= cost
        if self.work < 0:
            raise _OutOfWork

    def _relaxed(self, c: np.ndarray) -> list[tuple[float | None, bool]]:
        """min and max of ``c @ y`` over real counts (None: infeasible), each with whether
        the optimum is whole (then it is the integer optimum too: it is kept as a witness)."""
        if self._linear is None:  # one set of constraints for all: warm starts
            self._linear = LinearPrograms(self.A_ub, self.b_ub, self.A_eq, self.b_eq)
        out: list[tuple[float | None, bool]] = []
        for sign in (1.0, -1.0):
            self._spend(1)
            found = self._linear.minimize(sign * c, accept=self._is_whole)
            if found is None:
                out.append((None, False))
                continue
            fun, x = found
            whole = self._is_whole(x)
            if whole:  # an integer solution that meets every count: a witness
                self.pool.append(np.round(x))
            out.append((sign * fun, whole))
        return out

    def _is_whole(self, x: np.ndarray) -> bool:
        """Whether a solution of the linear program is an integer one too (a witness)."""
        y = np.round(x)
        return bool(np.allclose(x, y, atol=1e-7)) and self._solves(y)

    def _whole(self, c: np.ndarray, sign: float) -> float | None:
        """The same over whole counts; None when the search stops unfinished (not proven)."""
        self._spend(INTEGER_COST)
        out = milp(
            sign * c,
            constraints=[
                (self.A_ub, np.full(self.b_ub.size, -np.inf), self.b_ub),
                (self.A_eq, self.b_eq, self.b_eq),
            ],
            integrality=np.ones(c.size),
            bounds=(0, np.inf),
            options={"node_limit": NODES},
        )
        if out.status != 0:
            return None
        self._admit(np.round(out.x))
        return sign * float(out.fun)


class _OutOfWork(Exception):
    """More programs than :data:`MAX_PROGRAMS` would be needed to prove the curves safe."""
