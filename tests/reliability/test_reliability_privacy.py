"""Privacy of published outputs (issue 10).

* No row-level data in ``report.html``, ``report.md``, ``results.json``, ``tables/*.csv`` or
  ``figures/*.svg``: unique marker values planted in an identifier column, a free-text column
  and the scores are searched for in every file.
* Small cells are suppressed, and secondary suppression (:mod:`scoreaudit.gate.complements`)
  leaves no suppressed count recoverable from the published margins: hand-built tables with a
  known expected pattern, and property tests (hypothesis) checking with two independent
  methods (peeling by repeated subtraction, and a rank test) that nothing hidden can be
  recovered, on random tables and on published audits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoreaudit as sa
from scoreaudit.cli import main
from scoreaudit.gate.complements import UNPUBLISHED, Line, margin_lines
from scoreaudit.gate.publish import primary_group_mask, publish

SEP = " × "

# ------------------------------------------------------------------------------------------
# Independent checks: what could an attacker recover from the published rows?
# ------------------------------------------------------------------------------------------


def peel(lines: list[Line], hidden: np.ndarray) -> set[int]:
    """Hidden rows recovered by repeated single subtractions (or additions) along lines.

    A line whose total is known and whose cells are all known but one reveals that one; a
    line whose cells are all known reveals its total. Recovered rows become known.
    """
    known = ~np.asarray(hidden, dtype=bool)
    recovered: set[int] = set()
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.total == UNPUBLISHED:
                continue
            total_known = line.total is None or known[line.total]
            unknown = [c for c in line.cells if not known[c]]
            if total_known and len(unknown) == 1:
                known[unknown[0]] = True
                recovered.add(unknown[0])
                changed = True
            elif not unknown and not total_known:
                known[line.total] = True
                recovered.add(int(line.total))
                changed = True
    return recovered


def rank_determined(lines: list[Line], hidden: np.ndarray) -> set[int]:
    """Hidden rows fixed by the linear system: e_i is in the row space of the hidden columns."""
    hidden = np.asarray(hidden, dtype=bool)
    cols = np.flatnonzero(hidden)
    rows = []
    for line in lines:
        if line.total == UNPUBLISHED:
            continue
        coef = np.zeros(hidden.size)
        coef[list(line.cells)] = 1.0
        if line.total is not None:
            coef[line.total] -= 1.0
        rows.append(coef[cols])
    if not rows or cols.size == 0:
        return set()
    a = np.array(rows)
    r = np.linalg.matrix_rank(a)
    out = set()
    for j, i in enumerate(cols):
        e = np.zeros(cols.size)
        e[j] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == r:
            out.add(int(i))
    return out


def groups_from(frame: pd.DataFrame, attrs: list[str], depth: int | None = None) -> pd.DataFrame:
    """The (attribute, group, n) rows of an audit: single attributes, then intersections."""
    from itertools import combinations

    out = []
    depth = len(attrs) if depth is None else depth
    for k in range(1, depth + 1):
        for combo in combinations(attrs, k):
            counts = frame.groupby(list(combo), sort=True, observed=True).size()
            for key, n in counts.items():
                key = key if isinstance(key, tuple) else (key,)
                out.append(
                    {"attribute": SEP.join(combo), "group": SEP.join(map(str, key)), "n": int(n)}
                )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------------
# Hand-built tables with a known pattern
# ------------------------------------------------------------------------------------------


def table(singles: dict[str, dict[str, int]], cells: dict[str, int], attr: str) -> pd.DataFrame:
    rows = [
        {"attribute": a, "group": g, "n": n} for a, gs in singles.items() for g, n in gs.items()
    ]
    rows += [{"attribute": attr, "group": g, "n": n} for g, n in cells.items()]
    return pd.DataFrame(rows)


def hidden_labels(g: pd.DataFrame, mask: pd.Series) -> list[str]:
    return [
        f"{a}:{grp}"
        for a, grp in zip(
            g.loc[mask.to_numpy(), "attribute"], g.loc[mask.to_numpy(), "group"], strict=True
        )
    ]


# ------------------------------------------------------------------------------------------
# Properties on random tables
# ------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def random_tables(draw: Any) -> tuple[pd.DataFrame, pd.Series]:
    n_attrs = draw(st.integers(2, 3))
    sizes = [draw(st.integers(2, 4)) for _ in range(n_attrs)]
    n = draw(st.integers(30, 400))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cols = {}
    for j, k in enumerate(sizes):
        p = rng.dirichlet(np.ones(k) * 0.7)
        cols[f"a{j}"] = rng.choice([f"g{i}" for i in range(k)], n, p=p)
    g = groups_from(pd.DataFrame(cols), list(cols))
    min_cell = draw(st.sampled_from([5, 11]))
    return g, pd.Series(g["n"].to_numpy() < min_cell, index=g.index)


@st.composite
def audits(draw: Any) -> Any:
    n = draw(st.integers(80, 400))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n, p=[0.7, 0.3]),
            "family": rng.choice(
                ["alone", "couple", "single", "other"], n, p=[0.4, 0.3, 0.25, 0.05]
            ),
            "age": rng.choice(["<25", "25-49", "50+"], n, p=[0.2, 0.5, 0.3]),
            "score": rng.random(n),
        }
    )
    share = draw(st.sampled_from([0.05, 0.1, 0.3]))
    return sa.audit(
        sa.Population(f, protected=["gender", "family", "age"]),
        "score",
        sa.Budget(share=share),
        threshold_free=False,
        budgets=[0.05, 0.3],
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(audits())
def test_published_audit_hides_small_counts_and_their_complements(result: Any) -> None:
    pub, info = publish(result)
    g = pub.groups.reset_index(drop=True)
    raw = result.groups.reset_index(drop=True)
    primary = primary_group_mask(raw, 11).to_numpy()
    hidden_sel = g["selected"].isna().to_numpy()
    hidden_n = g["n"].isna().to_numpy()
    assert (hidden_sel | ~primary).all()  # every small row is hidden
    assert g.loc[hidden_sel, "selection_rate"].isna().all()
    lines = margin_lines(raw)
    for hidden in (hidden_sel, hidden_n):  # files selected, and files
        assert peel(lines, hidden) == set()
        assert rank_determined(lines, hidden) == set()
    # at each budget of the curve, the published selected counts keep the same property
    c = pub.curve.reset_index(drop=True)
    for _b, part in c.groupby("budget", sort=False):
        part = part.reset_index(drop=True)
        assert peel(margin_lines(part), part["selected"].isna().to_numpy()) == set()


# ------------------------------------------------------------------------------------------
# No row-level data in what `scoreaudit audit` publishes
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    d = tmp_path_factory.mktemp("privacy")
    rng = np.random.default_rng(11)
    n = 600
    frame = pd.DataFrame(
        {
            "household_id": [f"HHX{i:05d}Q{rng.integers(10**6, 10**7)}" for i in range(n)],
            "note": [f"NOTE-{rng.integers(10**8, 10**9)}-ZZ" for _ in range(n)],
            "gender": rng.choice(["woman", "man"], n, p=[0.6, 0.4]),
            "family": rng.choice(
                ["alone", "couple", "single_parent", "other"], n, p=[0.4, 0.3, 0.27, 0.03]
            ),
            "score": rng.random(n),
        }
    )
    frame["y"] = (rng.random(n) < frame["score"]).astype(int)
    data = d / "beneficiaries.csv"
    frame.to_csv(data, index=False)
    out = d / "report"
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "1000"
    try:
        code = main(
            [
                "audit",
                "--data",
                str(data),
                "--score-column",
                "score",
                "--protected",
                "gender,family",
                "--label",
                "y",
                "--budget",
                "20%",
                "--out",
                str(out),
            ]
        )
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    assert code == 0
    return frame, out


def _published_text(out: Path) -> dict[str, str]:
    files = [
        p
        for p in out.rglob("*")
        if p.is_file() and p.suffix in (".html", ".md", ".json", ".csv", ".svg")
    ]
    names = {p.name for p in files}
    assert {"report.html", "report.md", "results.json", "groups.csv"} <= names
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in files}


def test_no_identifier_or_free_text_is_published(planted: tuple[pd.DataFrame, Path]) -> None:
    frame, out = planted
    texts = _published_text(out)
    for value in list(frame["household_id"]) + list(frame["note"]):
        for name, text in texts.items():
            assert value not in text, (value, name)
    for name, text in texts.items():
        assert "HHX0" not in text and "NOTE-" not in text, name


def test_no_individual_score_is_published(planted: tuple[pd.DataFrame, Path]) -> None:
    """Not even the cut-off or calibration bin edges (they are rounded to 3 digits)."""
    frame, out = planted
    texts = _published_text(out)
    for s in frame["score"]:
        digits = f"{s:.12f}"[:11]  # '0.' and nine digits, truncated
        for name, text in texts.items():
            assert digits not in text and digits.replace(".", ",") not in text, (s, name)
    data = json.loads(texts["results.json"])
    assert data["selection"]["cutoff"] == float(f"{data['selection']['cutoff']:.3g}")


def test_small_cells_are_blank_in_every_table(planted: tuple[pd.DataFrame, Path]) -> None:
    frame, out = planted
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    groups = pd.DataFrame(data["groups"])
    n_other = int((frame["family"] == "other").sum())
    assert n_other < 30  # a group that must have small counts somewhere
    small = groups[groups["suppressed"].astype(bool)]
    assert len(small) and small["selected"].isna().all() and small["selection_rate"].isna().all()
    csv_groups = pd.read_csv(out / "tables" / "groups.csv")
    assert csv_groups.loc[csv_groups["suppressed"].astype(bool), "selected"].isna().all()
    # no published count between 1 and 10
    for col in ("n", "selected"):
        values = pd.to_numeric(groups[col], errors="coerce").dropna()
        assert not ((values >= 1) & (values < 11)).any(), col
    assert data["suppression"]["min_cell"] == 11
