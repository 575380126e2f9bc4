"""Row notes are codes with parameters: every note an engine writes is shown in French from its
code, and its English text (results.json, CSV tables) is the catalogue's English for that code.
(Each code having both texts is checked with the warnings, in test_warning_codes.py.)"""

from __future__ import annotations

import html
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.core.warning import join_notes, note, recording_notes
from scoreaudit.data.io import read_data
from scoreaudit.gate.aggregate import publish_aggregate
from scoreaudit.gate.funnel import publish_funnel
from scoreaudit.present.catalogue import CATALOGUE
from scoreaudit.present.notes import funnel_note, note_code, note_text
from scoreaudit.report import render_result_html

SRC = Path(sa.__file__).parent
DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


# -- known answers ---------------------------------------------------------------------------
def test_a_joined_note_reads_in_french_part_by_part():
    with recording_notes() as book:
        moved = note("share_moves", points="38")
        both = join_notes(note("share_halves"), str(moved))  # one part lost its code
    assert both == "share halves or less; share moves by 38 points"
    assert note_text(both, "fr", book) == (
        "la part est divisée par deux ou plus ; la part bouge de 38 points"
    )
    assert note_text(both, "en", book) == str(both)


def test_a_fragment_passed_as_text_keeps_its_code():
    with recording_notes() as book:
        why = np.array([note("few_random", m=10)])[0]  # numpy keeps the text only
        text = str(note("no_bootstrap", why=why, intervals=note("analytic_intervals")))
    assert text == "fewer than 10 random controls, so no bootstrap: analytic intervals"
    assert note_text(text, "fr", book) == (
        "moins de 10 contrôles aléatoires, donc pas de bootstrap : intervalles analytiques"
    )


def test_repeated_parts_are_said_once_and_empty_parts_dropped():
    with recording_notes():
        a = note("share_doubles")
        assert join_notes(a, "", a) == "share doubles or more"
        assert join_notes("", "") == ""


def test_notes_outside_a_recording_are_not_kept():
    n = note("share_halves")
    with recording_notes() as book:
        pass
    assert str(n) not in book
    assert note_text(str(n), "fr", book) == "share halves or less"  # shown as it is


# -- every engine: each note it writes has a code, and reads differently in French ----------
def _control_results() -> list:
    frame = read_data(DATA / "c2sg_controls.csv")
    rnd = frame[frame["selection_method"] == "random"]
    score = frame[frame["selection_method"] == "score"]
    out = []
    for r_share, s_share, seed in [(1.0, 1.0, 1), (0.1, 0.02, 1), (0.03, 0.01, 3)]:
        sub = pd.concat(
            [
                rnd.sample(frac=r_share, random_state=seed),
                score.sample(frac=s_share, random_state=seed),
            ]
        )
        for size in (None, 100_000):
            log = sa.ControlLog(sub, ["gender", "age_band"], population_size=size)
            for ref in ({"gender": "man"}, "rest"):
                out.append(sa.audit_controls(log, reference=ref, n_boot=30))
    return out


def _count_results() -> list:
    counts = read_data(DATA / "c2sg_confusion_counts.csv")
    small = counts.copy()
    for c in ("tp", "fp", "tn", "fn"):
        small[c] = small[c] // 200
    small["n"] = small[["tp", "fp", "tn", "fn"]].sum(axis=1)
    roles = {"tp": "tp", "fp": "fp", "tn": "tn", "fn": "fn"}
    # no woman had an error: her FNR has nothing to compare (a published zero)
    none = pd.DataFrame(
        {"gender": ["woman", "man"], "tp": [0, 20], "fp": [30, 40], "tn": [500, 600], "fn": [0, 30]}
    )
    return [sa.audit_counts(t, ["gender", "age_band"], **roles) for t in (counts, small)] + [
        sa.audit_counts(none, "gender", **roles)
    ]


def _core_results() -> list:
    # only "a" files are picked: "c" against "b" has none on either side
    frame = pd.DataFrame(
        {"g": ["a"] * 50 + ["b"] * 50 + ["c"] * 50, "s": np.r_[np.ones(50), np.zeros(100)]}
    )
    pop = sa.Population(frame, protected=["g"])
    return [sa.audit(pop, "s", sa.Budget(share=0.2), reference={"g": "b"})]


def _funnel_results() -> list:
    table = pd.DataFrame(
        {
            "origin": ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["Total"] * 3,
            "stage": ["all", "controlled", "suspended"] * 4,
            "n": [1000, 200, 40, 2000, 200, "x", 500, 30, "x", 3500, 430, 53],
        }
    )
    steps = [("control", "controlled", "all"), ("suspension", "suspended", "controlled")]
    no_total = table[table["origin"] != "Total"].copy()
    no_total.loc[6, "n"] = "x"
    rounded = sa.audit_funnel(
        str(DATA / "c2sg_funnel_rounded10.csv"),
        "gender",
        "stage",
        "n",
        [("picked", "picked", "high_risk")],
        stratum="score_band",
        reference="man",
        rounding=10,
    )
    return [
        sa.audit_funnel(t, "origin", "stage", "n", steps, reference={"origin": "b"})
        for t in (table, no_total)
    ] + [rounded]


def _noted(result) -> list[str]:
    tables = [getattr(result, name, None) for name in ("groups", "disparities", "steps")]
    tables += [getattr(result, "combined", None)]
    return [
        str(n) for t in tables if t is not None and "note" in t for n in t["note"] if str(n) != ""
    ]


@pytest.fixture(scope="module")
def results() -> dict[str, list]:
    return {
        "controls": _control_results(),
        "counts": _count_results(),
        "core": _core_results(),
        "funnel": _funnel_results(),
    }


def test_every_engine_records_a_code_for_every_note_it_writes(results):
    codes: dict[str, set[str]] = {}
    for kind, found in results.items():
        for res in found:
            for text in _noted(res):
                code = note_code(text, res.notes)
                assert code, f"{kind}: note without a code: {text!r}"
                codes.setdefault(kind, set()).add(code)
                french = note_text(text, "fr", res.notes)
                assert french != text, f"{kind}: {text!r} is not translated"
    # the runs above do reach the notes they are meant to test
    assert {"note_join", "note_absent_random", "note_no_bootstrap"} <= codes["controls"]
    assert {"note_none_selected", "note_reference_none_selected"} <= codes["core"]
    assert {"note_fn_reference", "note_fn_bounded", "note_fn_omitted"} <= codes["funnel"]
    assert {"note_fn_unusable"} <= codes["funnel"]
    assert "counts" in codes


def test_the_english_note_is_the_catalogue_english_of_its_code(results):
    for found in results.values():
        for res in found:
            for text in _noted(res):
                coded = res.notes[text]
                template = CATALOGUE[coded.code]["en"]
                assert text == str(coded)
                assert _fields(template) == set(coded.params)


def test_publication_keeps_the_notes(results):
    controls = results["controls"][-1]
    published, _ = publish_aggregate(controls, 11)
    # (with hidden counts the publication is the same audit with analytic intervals, whose
    # notes say so: every note it shows is recorded, to be rendered in each language)
    shown = {
        n
        for table in (published.groups, published.disparities)
        for n in table["note"]
        if isinstance(n, str) and n
    }
    assert shown <= set(published.notes)
    if published.config["intervals"] == "bootstrap":  # nothing hidden: the same result
        assert published.notes == controls.notes
    funnel = results["funnel"][0]
    pub, _ = publish_funnel(funnel, 5)
    assert pub.notes == funnel.notes
    row = pub.steps[pub.steps["note"] != ""].iloc[0]
    assert funnel_note(row["note"], "fr", pub.notes) in {
        CATALOGUE[k]["fr"] for k in ("fn_note_reference", "fn_note_bounds", "fn_note_omitted")
    }


def _shown_notes(res) -> set[str]:
    """The notes a report shows: published comparisons of single attributes."""
    published, _ = publish_aggregate(res, int(res.config.get("min_cell", 11)))
    d = published.disparities
    d = d[~d["attribute"].str.contains(" × ", regex=False) & ~d["suppressed"].astype(bool)]
    return {n for n in d["note"] if isinstance(n, str) and n}


@pytest.mark.parametrize("kind", ["controls", "counts"])
def test_the_french_report_of_a_count_audit_shows_no_english_note(results, kind):
    res = max(results[kind], key=lambda r: len(_shown_notes(r)))
    shown = _shown_notes(res)
    assert shown, "the runs have published notes to show"
    page = render_result_html(res, "fr")
    book = publish_aggregate(res, int(res.config.get("min_cell", 11)))[0].notes
    for text in shown:
        assert html.escape(text) not in page
        assert html.escape(note_text(text, "fr", book)) in page
