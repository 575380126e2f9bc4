"""Figures: structure (points where the tables say), languages, literal labels, determinism."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.figure import Figure
from matplotlib.text import Text

import scoreaudit as sa
from scoreaudit import plots
from scoreaudit.errors import DataError

NASTY = "single $x$ <script>alert(1)</script> --> &amp;"


@pytest.fixture(scope="module")
def res():
    rng = np.random.default_rng(0)
    n = 6000
    f = pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n),
            "age": rng.integers(18, 90, n),
            "family_status": rng.choice(["alone", "couple", "single_parent"], n),
        }
    )
    f["score"] = rng.random(n) + 0.15 * (f["family_status"] == "single_parent")
    f["y"] = np.where(rng.random(n) < 0.3, (rng.random(n) < 0.1).astype(float), np.nan)
    pop = sa.Population(
        f, protected=["gender", "age", "family_status"], bands={"age": [25, 35, 50, 65]}, label="y"
    )
    return sa.audit(
        pop,
        "score",
        sa.Budget(share=0.05),
        reference={"gender": "man"},
        budgets=np.linspace(0.02, 1, 50),
    )


@pytest.fixture(scope="module")
def edge():
    """Small population: a reference group with no selected file (infinite ratios), zero
    ratios, small cells, and a group label with dollars, markup and an XML comment end."""
    rng = np.random.default_rng(3)
    n = 400
    f = pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n, p=[0.6, 0.4]),
            "status": rng.choice(["alone", "couple", NASTY], n, p=[0.45, 0.5, 0.05]),
            "score": rng.random(n),
        }
    )
    f.loc[f.status == "couple", "score"] *= 0.5
    f.loc[(f.status == "alone") & (f.gender == "man"), "score"] *= 0.3
    pop = sa.Population(f, protected=["gender", "status"])
    return sa.audit(
        pop,
        "score",
        sa.Budget(share=0.1),
        reference={"status": "couple"},
        budgets=np.linspace(0.02, 1, 50),
    )


def _gid_lines(ax, prefix):
    return [ln for ln in ax.lines if (ln.get_gid() or "").startswith(prefix)]


def _xs(ax, prefix):
    return np.array([x for ln in _gid_lines(ax, prefix) for x in ln.get_xdata()], float)


def _texts(fig):
    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


# -- structure -------------------------------------------------------------------------
def test_forest_one_point_per_comparison_at_the_ratios(res):
    for attribute in ("family_status", "age", "gender × family_status"):
        fig = plots.disparity_forest(res, attribute)
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        ratios = res.ratio(attribute).to_numpy()
        finite = ratios[np.isfinite(ratios) & (ratios > 0)]
        xs = _xs(ax, "ratio-points")
        np.testing.assert_allclose(np.sort(xs), np.sort(finite))
        # the others (0 or infinite) are drawn at the axis edges: one point per comparison
        assert xs.size + _xs(ax, "ratio-edge").size + np.isnan(ratios).sum() == ratios.size
        sig = _xs(ax, "ratio-points-significant")
        d = res.disparities[res.disparities.attribute == attribute]
        d = d[np.isfinite(d.ratio) & (d.ratio > 0)]
        np.testing.assert_allclose(np.sort(sig), np.sort(d.loc[d.significant, "ratio"]))
        # significance is told by shape too, not only colour
        markers = {ln.get_gid(): ln.get_marker() for ln in _gid_lines(ax, "ratio-points")}
        assert all(m == ("s" if "significant" in g else "o") for g, m in markers.items())
    # all single attributes by default, one row per compared group
    fig = plots.disparity_forest(res)
    n_single = sum(res.disparities.attribute.isin(["gender", "age", "family_status"]))
    assert _xs(fig.axes[0], "ratio-points").size == n_single
    assert fig.axes[0].get_xscale() == "log"


def test_selection_rates_points_reference_and_overall(res):
    fig = plots.selection_rates(res, "age")
    ax = fig.axes[0]
    g = res.groups[res.groups.attribute == "age"]
    xs = np.concatenate([_xs(ax, "rate-points")])
    np.testing.assert_allclose(np.sort(xs), np.sort(g.selection_rate))
    ref_rate = g.loc[g.group == "65+", "selection_rate"].to_numpy()
    np.testing.assert_allclose(_xs(ax, "rate-points-reference"), ref_rate)
    overall = [ln for ln in ax.lines if ln.get_gid() == "overall-rate"]
    assert overall and overall[0].get_xdata()[0] == pytest.approx(res.selection.share)
    assert "65+ (ref.)" in [t.get_text() for t in ax.get_yticklabels()]
    fig = plots.selection_rates(res)
    assert _xs(fig.axes[0], "rate-points").size == int(
        res.groups.attribute.isin(["gender", "age", "family_status"]).sum()
    )


def test_budget_curve_lines_and_policy_line(res):
    fig = plots.budget_curve(res, "family_status")
    ax = fig.axes[0]
    lines = _gid_lines(ax, "curve:")
    ref = res.config["references_used"]["family_status"]
    others = sorted({"alone", "couple", "single_parent"} - {ref})
    assert sorted(ln.get_gid() for ln in lines) == [f"curve:{g}" for g in others]
    c = res.curve[(res.curve.attribute == "family_status") & (res.curve.group == others[0])]
    line = next(ln for ln in lines if ln.get_gid() == f"curve:{others[0]}")
    np.testing.assert_allclose(line.get_xdata(), c.budget)
    np.testing.assert_allclose(line.get_ydata(), c.ratio)
    policy = [ln for ln in ax.lines if ln.get_gid() == "policy-budget"]
    assert policy[0].get_xdata()[0] == pytest.approx(res.selection.share)
    # one panel per single attribute; a group filter
    assert len(plots.budget_curve(res).axes) == 3
    fig = plots.budget_curve(res, "age", groups=["<25"])
    assert [ln.get_gid() for ln in _gid_lines(fig.axes[0], "curve:")] == ["curve:<25"]
    with pytest.raises(DataError, match="nobody"):
        plots.budget_curve(res, "age", groups=["nobody"])


def test_score_ecdf_one_curve_per_group_and_cutoff(res):
    fig = plots.score_ecdf(res, "family_status")
    ax = fig.axes[0]
    lines = _gid_lines(ax, "ecdf:")
    assert len(lines) == 3
    for ln in lines:
        y = np.asarray(ln.get_ydata())
        assert y[0] == 0 and y[-1] == 1 and np.all(np.diff(y) >= 0)
    cut = [ln for ln in ax.lines if ln.get_gid() == "cutoff"]
    assert cut[0].get_xdata()[0] == pytest.approx(res.selection.cutoff)
    # the ECDF at the cut-off matches the group's selection rate
    alone = next(ln for ln in lines if ln.get_gid() == "ecdf:alone")
    x, y = np.asarray(alone.get_xdata()), np.asarray(alone.get_ydata())
    below = y[np.searchsorted(x, res.selection.cutoff, side="left") - 1]
    rate = res.groups.set_index(["attribute", "group"]).loc[
        ("family_status", "alone"), "selection_rate"
    ]
    assert 1 - below == pytest.approx(rate, abs=0.01)
    assert len(_gid_lines(plots.score_ecdf(res, "gender × family_status").axes[0], "ecdf:")) == 6


def test_heatmap_cells_equal_the_ratios(res):
    fig = plots.intersection_heatmap(res, "age", "family_status")
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if c.get_gid() == "heatmap")
    values = np.ma.filled(mesh.get_array(), np.nan).reshape(5, 3)
    d = res.disparities[res.disparities.attribute == "age × family_status"].set_index("group")
    ages = list(res.population.attributes["age"].levels)
    statuses = list(res.population.attributes["family_status"].levels)
    ref = d.reference.iloc[0]
    for i, a in enumerate(ages):
        for j, s in enumerate(statuses):
            label = f"{a} × {s}"
            want = 1.0 if label == ref else d.at[label, "ratio"]
            if want == 0:  # drawn in the colour of the scale's lower end
                want = mesh.norm.vmin
            assert values[i, j] == pytest.approx(want)
    cells = [t.get_text() for t in ax.texts if t.get_gid() == "cell-value"]
    assert len(cells) == 15 and "ref." in cells
    # order of the attributes does not matter
    plots.intersection_heatmap(res, "family_status", "age")
    with pytest.raises(DataError, match="rows and cols"):
        plots.intersection_heatmap(res, "age", "age")


def test_precision_fpr_with_and_without_labels(res, edge):
    fig = plots.precision_fpr(res, "gender")
    assert len(fig.axes) == 2
    g = res.groups[res.groups.attribute == "gender"]
    prec = _xs(fig.axes[0], "precision-points")
    np.testing.assert_allclose(np.sort(prec), np.sort(g.precision))
    np.testing.assert_allclose(np.sort(_xs(fig.axes[1], "fpr-points")), np.sort(g.fpr))
    with pytest.raises(DataError, match="label"):
        plots.precision_fpr(edge)


# -- validation -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda r: plots.selection_rates(r, "income"),
        lambda r: plots.disparity_forest(r, "income"),
        lambda r: plots.budget_curve(r, "income"),
        lambda r: plots.score_ecdf(r, "income"),
        lambda r: plots.intersection_heatmap(r, "income", "age"),
        lambda r: plots.precision_fpr(r, "income"),
    ],
)
def test_unknown_attribute_is_named_and_alternatives_listed(res, call):
    with pytest.raises(DataError, match="income") as err:
        call(res)
    assert "family_status" in str(err.value)


def test_bad_arguments(res):
    with pytest.raises(DataError, match="lang"):
        plots.selection_rates(res, lang="de")
    with pytest.raises(DataError, match="AuditResult"):
        plots.disparity_forest(res.disparities)
    with pytest.raises(DataError, match="ax"):
        plots.score_ecdf(res, "gender", ax="not an axes")
    with pytest.raises(DataError, match="attribute"):
        plots.budget_curve(res, ax=Figure().add_subplot())
    # intersections can be named in any order or with other separators
    fig = plots.disparity_forest(res, "family_status*gender")
    assert fig.axes[0].get_yticklabels()[0].get_text().startswith("gender × family_status")


def test_draws_into_a_given_axes(res):
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.disparity_forest(res, "age", ax=ax) is fig
    assert _xs(ax, "ratio-points").size == 4


# -- language and numbers -------------------------------------------------------------------
def test_language_switch_changes_the_texts(res):
    for fn in (
        plots.selection_rates,
        plots.disparity_forest,
        plots.score_ecdf,
        plots.precision_fpr,
    ):
        en, fr = fn(res, lang="en"), fn(res, lang="fr")
        assert (
            en.axes[0].get_ylabel() != fr.axes[0].get_ylabel()
            or en.axes[0].get_xlabel() != fr.axes[0].get_xlabel()
            or fn is plots.score_ecdf
        )
        assert (
            en.axes[0].get_title(loc="left") != fr.axes[0].get_title(loc="left")
            or fn is plots.precision_fpr
        )
    assert plots.disparity_forest(res, lang="fr").axes[0].get_xlabel().startswith("Rapport")
    assert (
        plots.budget_curve(res, "gender", lang="fr").axes[0].get_xlabel().startswith("Budget (part")
    )
    assert "Part des dossiers" in plots.score_ecdf(res, lang="fr").axes[0].get_ylabel()


def test_french_tick_format(res):
    fig = plots.disparity_forest(res, "age", lang="fr")
    fig.draw_without_rendering()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "0,8" in ticks and "1,25" in ticks and not any("." in t for t in ticks)
    fig = plots.selection_rates(res, "gender", lang="fr")
    fig.draw_without_rendering()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert ticks and all(t.endswith("\u202f%") for t in ticks)
    assert "1\u202f%" in ticks or "2\u202f%" in ticks
    en = plots.selection_rates(res, "gender", lang="en")
    en.draw_without_rendering()
    assert all(
        t.get_text().endswith("%") and "\u202f" not in t.get_text()
        for t in en.axes[0].get_xticklabels()
        if t.get_text()
    )
    assert plots.format_number(1.5, "fr") == "1,5"
    assert plots.format_percent(0.05, "fr") == "5\u202f%"
    assert plots.format_count(12345, "fr") == "12\u202f345"


# -- literal labels, edge cases -------------------------------------------------------------
def test_data_labels_are_literal_text(edge, tmp_path):
    figs = [
        plots.selection_rates(edge, "gender × status"),
        plots.disparity_forest(edge),
        plots.budget_curve(edge, "status"),
        plots.score_ecdf(edge, "status"),
        plots.intersection_heatmap(edge, "status", "gender"),
    ]
    for fig in figs:
        texts = _texts(fig)
        assert any("<script>" in t for t in texts)
        assert not any(cbook.is_math_text(t) for t in texts), "mathtext would be parsed"
    svg, png = plots.save_figure(figs[1], tmp_path / "forest")
    body = svg.read_text()
    assert "<script" not in body and "-->\n<" not in body.replace(" -->\n<", "")
    assert png.stat().st_size > 1000


def test_infinite_and_zero_ratios_are_drawn_at_the_edges(edge):
    d = edge.disparities
    assert np.isposinf(d.ratio).any() and (d.ratio == 0).any()
    fig = plots.disparity_forest(edge, "status")
    ax = fig.axes[0]
    edges = _gid_lines(ax, "ratio-edge")
    assert sum(len(ln.get_xdata()) for ln in edges) == int(
        np.isposinf(d.loc[d.attribute == "status", "ratio"]).sum()
    )
    assert edges[0].get_xdata()[0] == pytest.approx(ax.get_xlim()[1])
    assert any("∞" in t for t in _texts(fig))
    fig = plots.disparity_forest(edge, "gender × status")
    assert any("← 0" in t for t in _texts(fig))
    heat = plots.intersection_heatmap(edge, "status", "gender")
    assert any(p.get_gid() == "small-cell" for p in heat.axes[0].patches)
    curve = plots.budget_curve(edge, "status", lang="fr")
    assert any("infini" in t for t in _texts(curve))


def test_suppress_small_hides_values(edge):
    fig = plots.disparity_forest(edge, "gender × status", suppress_small=True)
    assert _xs(fig.axes[0], "ratio-points").size == 0
    assert any("would give it back" in t for t in _texts(fig))
    fig = plots.selection_rates(edge, "gender × status", suppress_small=True, lang="fr")
    texts = _texts(fig)
    assert any("petit effectif" in t for t in texts)
    heat = plots.intersection_heatmap(edge, "status", "gender", suppress_small=True)
    assert "suppr." in [t.get_text() for t in heat.axes[0].texts]


# -- saving ------------------------------------------------------------------------------------
def test_save_figure_is_deterministic(res, tmp_path):
    a = plots.save_figure(plots.disparity_forest(res, lang="fr"), tmp_path / "a" / "forest")
    b = plots.save_figure(plots.disparity_forest(res, lang="fr"), tmp_path / "b" / "forest.svg")
    assert [p.name for p in a] == ["forest.svg", "forest.png"] == [p.name for p in b]
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(DataError):
        plots.save_figure("not a figure", tmp_path / "x")


def test_no_pyplot_and_no_backend_change(tmp_path):
    # matplotlib.get_backend() itself imports pyplot: read the raw rcParam instead
    code = (
        "import matplotlib as mpl, sys, numpy as np, pandas as pd, scoreaudit as sa\n"
        "raw = lambda: dict.__getitem__(mpl.rcParams, 'backend')\n"
        "before = raw()\n"
        "from scoreaudit import plots\n"
        "f = pd.DataFrame({'g': ['a', 'b'] * 50, 's': np.arange(100.0)})\n"
        "r = sa.audit(sa.Population(f, protected=['g']), 's', sa.Budget(share=0.1))\n"
        f"plots.save_figure(plots.disparity_forest(r), {str(tmp_path / 'f')!r})\n"
        "print('matplotlib.pyplot' in sys.modules, raw() == before)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]


def test_published_tables_with_suppressed_rows(edge):
    """A result prepared for publication: suppressed rows are NaN and flagged ``suppressed``."""
    import dataclasses

    g = edge.groups.copy()
    d = edge.disparities.copy()
    c = edge.curve.copy()
    g["suppressed"] = g["small_cell"]
    d["suppressed"] = d["small_cell"]
    c["suppressed"] = c["selected"] < 11
    for table, cols in (
        (g, ["n", "selected", "selection_rate", "selection_rate_low", "selection_rate_high"]),
        (d, ["ratio", "ratio_low", "ratio_high", "p_adjusted"]),
        (c, ["ratio", "ratio_low", "ratio_high", "selection_rate"]),
    ):
        table.loc[table["suppressed"], cols] = np.nan
    pub = dataclasses.replace(edge, groups=g, disparities=d, curve=c)
    fig = plots.disparity_forest(pub, "gender × status", lang="fr")
    texts = _texts(fig)
    assert any("masqué" in t for t in texts)
    assert not any("n.d." in t for t in texts), "suppressed must not read as undefined"
    assert _xs(fig.axes[0], "ratio-points").size == 0
    fig = plots.selection_rates(pub, "gender × status")
    assert _xs(fig.axes[0], "rate-points").size == int(
        (~g.suppressed & (g.attribute == "gender × status")).sum()
    )
    heat = plots.intersection_heatmap(pub, "status", "gender")
    assert "suppr." in [t.get_text() for t in heat.axes[0].texts]
    curve = plots.budget_curve(pub, "status")
    assert any("Gaps" in t for t in _texts(curve))


def test_score_ecdf_never_draws_a_files_own_score():
    import numpy as np
    import pandas as pd

    import scoreaudit as sa
    from scoreaudit import plots

    rng = np.random.default_rng(3)
    scores = rng.random(300) * 0.7 + 0.123456789  # distinctive values
    frame = pd.DataFrame({"g": rng.choice(["a", "b"], 300), "s": scores})
    res = sa.audit(sa.Population(frame, protected=["g"]), "s", sa.Budget(share=0.1))
    fig = plots.score_ecdf(res, "g")
    lines = [ln for ln in fig.axes[0].get_lines() if str(ln.get_gid()).startswith("ecdf:")]
    assert len(lines) == 2
    for ln in lines:
        xs = np.asarray(ln.get_xdata(), dtype=float)
        assert not np.isin(np.round(xs, 9), np.round(scores, 9)).any()
        ys = np.asarray(ln.get_ydata(), dtype=float)
        assert ys[0] == 0.0 and ys[-1] == 1.0 and np.all(np.diff(ys) >= 0)
    # the curve still is the group's distribution: its height at the grid point nearest the
    # median is about one half
    xs = np.asarray(lines[0].get_xdata(), dtype=float)
    ys = np.asarray(lines[0].get_ydata(), dtype=float)
    label = lines[0].get_gid().split(":", 1)[1]
    med = np.median(scores[frame["g"].to_numpy() == label])
    assert abs(ys[np.argmin(np.abs(xs - med))] - 0.5) < 0.05


def test_heatmap_does_not_hatch_true_zeros():
    # men living alone: none of 400 files selected, a finding; women x b: 3 of 20, a small cell
    frame = pd.DataFrame(
        {
            "gender": ["man"] * 400 + ["woman"] * 400 + ["man"] * 400 + ["woman"] * 20,
            "family": ["alone"] * 800 + ["b"] * 420,
            "score": [0.0] * 400
            + [1.0] * 100
            + [0.0] * 300
            + [1.0] * 100
            + [0.0] * 300
            + [1.0] * 3
            + [0.0] * 17,
        }
    )
    res = sa.audit(
        sa.Population(frame, protected=["gender", "family"]),
        "score",
        sa.Threshold(0.5),
        reference={"gender": "man"},
        threshold_free=False,
    )
    fig = sa.plots.intersection_heatmap(res, "gender", "family")
    hatched = [p for p in fig.axes[0].patches if p.get_gid() == "small-cell"]
    assert len(hatched) == 1  # woman x b only (3 selected); man x alone (0 of 400) is not hatched


def test_heatmap_of_a_published_result_with_hidden_counts():
    # a published copy has null selected counts where suppressed: hidden, never read as zeros
    from scoreaudit.gate.publish import publish

    frame = pd.DataFrame(
        {
            "gender": ["man"] * 400 + ["woman"] * 420,
            "family": ["alone"] * 400 + ["alone"] * 400 + ["b"] * 20,
            "score": [0.0] * 400 + [1.0] * 100 + [0.0] * 300 + [1.0] * 3 + [0.0] * 17,
        }
    )
    res = sa.audit(
        sa.Population(frame, protected=["gender", "family"]),
        "score",
        sa.Threshold(0.5),
        reference={"gender": "woman"},
        threshold_free=False,
    )
    pub = publish(res)[0]
    assert pub.groups["selected"].isna().any()
    fig = sa.plots.intersection_heatmap(pub, "gender", "family", suppress_small=True)
    assert fig.axes


def test_paired_shift_legend_counts_in_each_language():
    """The legend's pair count and share of changed scores follow the language's number
    format (a French reader saw ``n=1,200; 25%``)."""
    from scoreaudit.plots.explain import plot_paired_shift

    pairs = pd.DataFrame(
        {
            "group": ["w"] * 1200,
            "value": ["m"] * 1200,
            "score_change": [0.1] * 300 + [0.0] * 900,  # 300 of 1,200 changed: 25%
        }
    )
    labels = {}
    for lang in ("en", "fr"):
        fig = plot_paired_shift(pairs, attribute="gender", lang=lang)
        labels[lang] = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert labels["en"].endswith("(n = 1,200; 25% ≠ 0)")
    assert labels["fr"].endswith("(n = 1\u202f200; 25\u202f% ≠ 0)")
