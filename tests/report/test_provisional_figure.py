"""The budget curve drawn from the provisional curve while the gate's programs run: kept
only when the published curve is the same table, else drawn again from the published one.

The provisional curve is what the gate publishes if its programs hide nothing more
(:meth:`scoreaudit.gate.publish.Staged.provisional`): audit 4 below is such an audit, audit
23 is not (its programs hide 56 more rows)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from helpers import tied_two_attribute_audit as _audit

import scoreaudit.plots as plots
from scoreaudit.gate.publish import Staged, publish, publish_staged
from scoreaudit.report import _figures, make_figures, write_report
from scoreaudit.report._figures import _draw_late, _Late

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="figures are forked on Linux only"
)


class _Given:
    """A stand-in for :class:`scoreaudit.report._forked.Later` whose value is there."""

    def __init__(self, value, ready: bool = True) -> None:
        self.value, self._ready = value, ready

    def ready(self) -> bool:
        return self._ready

    def get(self):
        self._ready = True
        return self.value


def _expected(published, directory: Path) -> bytes:
    """The budget curve drawn from the published copy, as the report draws it."""
    figures = make_figures(published, "en", directory=directory, png=True)
    return next(f.svg for f in figures if f.name == "budget_curve")


def _count_drawings(monkeypatch) -> list:
    drawn: list = []
    real = plots.budget_curve

    def spy(result, *args, **kwargs):
        drawn.append(result.curve)
        return real(result, *args, **kwargs)

    monkeypatch.setattr(plots, "budget_curve", spy)
    return drawn


def _late(seed: int) -> tuple[_Late, object]:
    first, finish = publish_staged(_audit(seed, True))
    provisional = finish.provisional()
    published = finish().result
    late = _Late(_Given(published.curve, ready=False), "en", _Given(provisional), first)
    return late, published


@pytest.mark.parametrize(("seed", "drawings"), [(4, 1), (23, 2)])
def test_the_drawing_kept_is_the_published_curve(monkeypatch, tmp_path, seed, drawings):
    late, published = _late(seed)
    expected = _expected(published, tmp_path / "whole")
    drawn = _count_drawings(monkeypatch)
    svg, error = _draw_late(late, tmp_path / "figures" / "budget_curve", ("svg", "png"))
    assert error is None and svg == expected
    for fmt in ("svg", "png"):
        kept = (tmp_path / "figures" / f"budget_curve.{fmt}").read_bytes()
        assert kept == (tmp_path / "whole" / f"budget_curve.{fmt}").read_bytes(), fmt
    assert len(drawn) == drawings  # the provisional curve once, the published one if unequal
    assert drawn[-1].equals(_figures.labelled_copy(published, "en").curve)


def test_no_provisional_drawing_once_the_published_curve_is_there(monkeypatch, tmp_path):
    late, published = _late(4)
    late.curve._ready = True
    drawn = _count_drawings(monkeypatch)
    svg, _ = _draw_late(late, tmp_path / "budget_curve", ("svg",))
    assert len(drawn) == 1 and svg == _expected(published, tmp_path / "whole")


def test_a_provisional_drawing_that_fails_gives_way_to_the_published_one(monkeypatch, tmp_path):
    late, published = _late(4)
    late.guess.value = object()  # nothing a figure can be drawn from
    svg, error = _draw_late(late, tmp_path / "budget_curve", ("svg",))
    assert error is None and svg == _expected(published, tmp_path / "whole")


def test_a_curve_changed_anywhere_is_not_the_same():
    late, published = _late(4)
    curve = published.curve
    assert _figures._same_curve(curve, curve.copy())
    changed = curve.copy()
    shown = changed.index[~changed["suppressed"].to_numpy(bool)]
    changed.loc[shown[-1], "selected"] += 1
    assert not _figures._same_curve(curve, changed)
    assert not _figures._same_curve(curve, curve.astype({"selected": "float32"}))
    assert not _figures._same_curve(curve, curve.iloc[:-1])


@linux_only
@pytest.mark.parametrize("seed", [4, 23])
def test_a_forked_report_draws_the_published_curve(monkeypatch, tmp_path, seed):
    """The published curve comes once the figure child has taken the budget curve's call
    (it draws the provisional one meanwhile): the report's figure is the published
    curve's, the provisional drawing kept or not."""
    marks = tmp_path / "marks"
    marks.mkdir()
    call, guessed = Staged.__call__, _Late.guessed

    def slow(self):  # the published curve once the child asks for the budget curve
        deadline = time.monotonic() + 30
        while not (marks / "asked").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return call(self)

    def marked(self, formats):
        (marks / "asked").touch()
        out = guessed(self, formats)
        (marks / ("drawn" if out is not None else "none")).touch()
        return out

    monkeypatch.setattr(Staged, "__call__", slow)
    monkeypatch.setattr(_Late, "guessed", marked)
    out = write_report(_audit(seed, True), tmp_path / "r", formats=("figures",), n_jobs=2)
    expected = _expected(publish(_audit(seed, True)).result, tmp_path / "whole")
    assert (out / "figures" / "budget_curve.svg").read_bytes() == expected
    assert sorted(p.name for p in marks.iterdir()) == ["asked", "drawn"]  # by the child


def test_without_children_no_provisional_curve_is_made(monkeypatch, tmp_path):
    """Drawn in this process, the budget curve waits for the published curve: nothing to
    draw meanwhile (notebooks, the web page)."""

    def refused(self):
        raise AssertionError("a provisional curve nobody draws")

    monkeypatch.setattr(Staged, "provisional", refused)
    out = write_report(_audit(4, True), tmp_path / "r", formats=("figures",), n_jobs=None)
    assert (out / "figures" / "budget_curve.svg").read_bytes() == _expected(
        publish(_audit(4, True)).result, tmp_path / "whole"
    )
