"""save_figure lays a figure out once and saves it without its layout engine (issue 19)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from scoreaudit.plots.save import save_figure

LONG = "a very long group label that needs a wide left margin"


def _figure() -> Figure:
    fig = Figure(figsize=(5, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.barh([0, 1], [3, 4])
    ax.set_yticks([0, 1], [LONG, "short"])
    ax.set_xlabel("selection rate")
    ax.set_title("title", loc="left")
    return fig


def test_engine_restored_and_same_margins_as_matplotlib(tmp_path):
    ours, theirs = _figure(), _figure()
    engine = ours.get_layout_engine()
    save_figure(ours, tmp_path / "f", ("svg",))
    assert ours.get_layout_engine() is engine  # the caller's figure is left as it was
    theirs.savefig(io.BytesIO(), format="png", dpi=150)  # matplotlib's own two-pass save
    a = np.array(ours.axes[0].get_position().bounds)
    b = np.array(theirs.axes[0].get_position().bounds)
    assert np.allclose(a, b, atol=1e-9), (a, b)  # the same margins as matplotlib's PNG
    svg = _figure()
    svg.savefig(io.BytesIO(), format="svg")
    c = np.array(svg.axes[0].get_position().bounds)
    assert np.allclose(a, c, atol=0.01), (a, c)  # and as its SVG, to a hundredth


@pytest.mark.parametrize("formats", [("svg",), ("png",), ("svg", "png")])
def test_nothing_cut_off(tmp_path, formats):
    fig = _figure()
    save_figure(fig, tmp_path / "f", formats)
    box = fig.get_tightbbox()  # inches: every artist, tick labels included
    width, height = fig.get_size_inches()
    assert box.x0 >= 0 and box.y0 >= 0
    assert box.x1 <= width + 1e-6 and box.y1 <= height + 1e-6


def test_without_engine_unchanged(tmp_path):
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    before = ax.get_position().bounds
    save_figure(fig, tmp_path / "f", ("svg",))
    assert fig.get_layout_engine() is None
    assert ax.get_position().bounds == before


def test_colorbar_label_wrapped_when_longer_than_the_figure_is_high():
    from scoreaudit.plots.heatmap import _fitted

    fr = "Rapport à la cellule de référence (échelle log)"
    assert _fitted(fr, 0.75 * 5.6) == fr  # a six-row heatmap: one line
    two = _fitted(fr, 0.75 * 3.4)  # a two-row heatmap: the label ran off the top
    assert two.count("\n") == 1 and two.replace("\n", " ") == fr
