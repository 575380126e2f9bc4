"""The process (funnel) audit form of ``scoreaudit serve`` through starlette's TestClient:
stages offered from the file, the published numbers equal ``scoreaudit funnel --out``'s, a
wide table and a row-level log, errors naming the column, row and stage (in French), hostile
labels inert, CSRF."""

from __future__ import annotations

import html
import io
import json
import re
import time
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("starlette")
pytest.importorskip("multipart")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from scoreaudit.cli import main as cli_main
from scoreaudit.engines.funnel import audit_funnel, funnel_long
from scoreaudit.options import funnel_reference, funnel_step, parse_step
from scoreaudit.web.app import create_app
from scoreaudit.web.strings import translate_error

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "synthetic"
ROUNDED = DATA / "c2sg_funnel_rounded10.csv"
EXACT = DATA / "c2sg_funnel.csv"
LOCAL = {"base_url": "http://127.0.0.1", "client": ("127.0.0.1", 50000)}
STEPS = [("agent pick", "picked", "high_risk"), ("suspension", "suspended", "anomaly")]


@pytest.fixture
def app(tmp_path):
    return create_app(tmp_path / "work", max_upload_mb=1)


@pytest.fixture
def client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(app, **LOCAL)


def token(client, path="/upload/funnel") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def send(client, name: str, content: bytes):
    return client.post(
        "/upload/funnel",
        data={"csrf_token": token(client)},
        files={"file": (name, content, "application/octet-stream")},
    )


def ds_of(response) -> str:
    assert "/funnel/" in str(response.url), response.text[:400]
    return str(response.url).rstrip("/").rsplit("/", 1)[1]


def wait(client, location: str, limit: int = 600):
    for _ in range(limit):
        r = client.get(location, follow_redirects=False)
        if r.status_code == 303:
            return client.get(r.headers["location"])
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def form(steps=STEPS, **kw) -> dict:
    data = {
        "layout": "long",
        "stage": "stage",
        "count": "n",
        "stratum": "",
        "group": ["gender"],
        "group_name": "group",
        "reference": "gender=man",
        "rounding": "",
        "confidence": "0.95",
        "min_cell": "11",
        "action": "run",
        "step_name": [s[0] for s in steps] + [""],
        "step_stage": [s[1] for s in steps] + [""],
        "step_base": [s[2] for s in steps] + [""],
    }
    data.update(kw)
    return data


def run(client, ds: str, **kw):
    r = client.post(
        f"/funnel/{ds}", data={"csrf_token": token(client), **form(**kw)}, follow_redirects=False
    )
    if r.status_code != 303:
        return r
    return wait(client, r.headers["location"])


def error_text(page) -> str:
    m = re.search(r'id="error">(.*?)</div>', page.text, re.S)
    assert m, page.text[:2000]
    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(1)))


def job_of(page) -> str:
    assert "/results/" in page.url.path, page.text[:2000]
    return page.url.path.rsplit("/", 1)[1]


# -- shared option parsing -------------------------------------------------------------------


def test_step_and_reference_parsing_is_the_command_lines():
    assert parse_step("suspension=suspended/anomaly") == ("suspension", "suspended", "anomaly")
    assert parse_step("a=b=c/d") == ("a=b", "c", "d")
    assert funnel_step("  ", " picked ", "population") == ("picked", "picked", "population")
    assert funnel_reference(["gender=man", "age_band=30-49"]) == {
        "gender": "man",
        "age_band": "30-49",
    }
    assert funnel_reference(["man"]) == "man"
    with pytest.raises(Exception, match="--step 'x=/a'"):
        parse_step("x=/a")


# -- the form --------------------------------------------------------------------------------


def test_form_offers_the_stages_of_the_file_in_order(client):
    r = client.post("/upload/funnel", data={"csrf_token": token(client), "sample": "1"})
    text = r.text
    found = re.search(r'id="stages-found">([^<]*)', text).group(1)
    order = ["population", "high_risk", "picked", "controlled", "anomaly", "suspended"]
    assert [found.index(s) for s in order] == sorted(found.index(s) for s in order)
    # default steps: each stage after the one before it, selected in the lists
    selected = re.findall(r'name="step_stage".*?<option value="([^"]+)" selected', text, re.S)
    assert selected[:3] == ["high_risk", "picked", "controlled"]
    assert 'value="gender" checked' in text


def test_refresh_lists_the_stages_of_another_column(client):
    frame = pd.DataFrame(
        {
            "g": ["a", "a", "b", "b"],
            "etape": ["tous", "choisis"] * 2,
            "autre": ["x", "y"] * 2,
            "n": [100, 10, 100, 20],
        }
    )
    ds = ds_of(send(client, "t.csv", frame.to_csv(index=False).encode()))
    r = client.post(
        f"/funnel/{ds}",
        data={"csrf_token": token(client), **form(steps=[], stage="autre", action="refresh")},
    )
    assert r.status_code == 200
    assert "Étapes trouvées dans la colonne autre : x, y" in html.unescape(r.text)
    assert re.search(r'name="step_stage".*?<option value="y" selected', r.text, re.S)


def test_published_numbers_equal_the_command_line(client, tmp_path):
    """Rounded counts, strata, a reference: the page's tables equal `scoreaudit funnel --out`."""
    ds = ds_of(send(client, ROUNDED.name, ROUNDED.read_bytes()))
    page = run(client, ds, stratum="score_band", rounding="10")
    job = job_of(page)
    assert "Principaux constats" in client.get(f"/results/{job}/report.html?lang=fr").text
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/results/{job}/report-fr.zip").content))
    out = tmp_path / "cli"
    args = ["funnel", str(ROUNDED), "--group", "gender", "--stratum", "score_band"]
    args += ["--rounding", "10", "--reference", "gender=man", "--lang", "fr", "--out", str(out)]
    for name, st, base in STEPS:
        args += ["--step", f"{name}={st}/{base}"]
    assert cli_main(args) == 0
    for table in ("steps", "combined", "representation"):
        assert (
            z.read(f"report-fr/tables/{table}.csv")
            == (out / "tables" / f"{table}.csv").read_bytes()
        )
    web = json.loads(z.read("report-fr/results.json"))
    cli = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for key in set(web) - {"manifest"}:
        assert web[key] == cli[key], key
    assert web["manifest"]["config"]["rounding"] == 10
    assert (
        "report-fr/report.html" in z.namelist() and "report-fr/figures/funnel.svg" in z.namelist()
    )
    # the other language is written on demand
    page = client.get(f"/results/{job}?lang=en", follow_redirects=False)
    english = wait(client, page.headers["location"]) if page.status_code == 303 else page
    assert english.status_code == 200
    assert "Key findings" in client.get(f"/results/{job}/report.html?lang=en").text


def test_wide_table_is_melted_like_funnel_long(client):
    long = pd.read_csv(EXACT)
    wide = long[long["score_band"] == "high"].pivot(index="stage", columns="gender", values="n")
    wide = wide.reset_index()
    body = wide.to_csv(index=False).encode()
    ds = ds_of(send(client, "wide.csv", body))
    steps = [("pick", "picked", "high_risk"), ("susp", "suspended", "anomaly")]
    page = run(
        client,
        ds,
        layout="wide",
        group=["man", "woman"],
        group_name="gender",
        steps=steps,
        count="",
    )
    job = job_of(page)
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/results/{job}/report-fr.zip").content))
    got = json.loads(z.read("report-fr/results.json"))["steps"]
    ref = audit_funnel(
        funnel_long(wide, "stage", group="gender"), "gender", "stage", "n", steps, reference="man"
    )
    want = ref.steps.set_index(["step", "group"])
    assert len(got) == len(want) == 4
    for row in got:
        expected = want.loc[(row["step"], row["group"])]
        assert row["rate"] == pytest.approx(float(expected["rate"]))
        if row["group"] == "woman":
            assert row["ratio"] == pytest.approx(float(expected["ratio"]))


def test_row_level_log_known_answer(client):
    # a: 40 files, 10 picked; b: 40 files, 20 picked -> ratio of b to a = 2
    rows = [("a", "all")] * 40 + [("a", "picked")] * 10 + [("b", "all")] * 40
    rows += [("b", "picked")] * 20
    frame = pd.DataFrame(rows, columns=["origin", "stage"])
    ds = ds_of(send(client, "log.csv", frame.to_csv(index=False).encode()))
    page = run(
        client,
        ds,
        layout="log",
        count="",
        group=["origin"],
        reference="origin=a",
        steps=[("picked", "picked", "all")],
        min_cell="5",
    )
    job = job_of(page)
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/results/{job}/report-fr.zip").content))
    steps = {r["group"]: r for r in json.loads(z.read("report-fr/results.json"))["steps"]}
    assert steps["a"]["rate"] == 0.25 and steps["b"]["rate"] == 0.5
    assert steps["b"]["ratio"] == 2.0


# -- errors ------------------------------------------------------------------------------------


def test_bad_count_error_names_line_stage_and_group_in_french(client):
    long = pd.read_csv(EXACT)
    long["n"] = long["n"].astype(object)
    long.loc[5, "n"] = "beaucoup"
    ds = ds_of(send(client, "bad.csv", long.to_csv(index=False).encode()))
    page = run(client, ds)
    assert page.status_code == 200 and "/funnel/" in page.url.path
    text = error_text(page)
    assert "« beaucoup »" in text and "ligne 7 du fichier" in text
    assert f"étape '{long.loc[5, 'stage']}'" in text and f"groupe '{long.loc[5, 'gender']}'" in text


def test_unknown_reference_and_missing_fields_are_explained(client):
    ds = ds_of(send(client, EXACT.name, EXACT.read_bytes()))
    page = run(client, ds)  # the strata forgotten: two rows per cell
    text = error_text(page)
    assert (
        "Les lignes de données 3 et 4 (en comptant de 0) décrivent la même case : ligne 5 du fichier"
        in text
        and "colonne de strate" in text
    )
    page = run(client, ds, reference="gender=homme", stratum="score_band")
    assert "Le groupe de référence « homme » n’est pas dans le tableau" in error_text(page)
    r = run(client, ds, step_name=["x"], step_stage=["picked"], step_base=[""])
    assert r.status_code == 400 and "Étape 1 : choisissez à la fois" in error_text(r)
    r = run(client, ds, steps=[])
    assert r.status_code == 400 and "au moins une étape" in error_text(r)
    r = run(client, ds, group=[])
    assert r.status_code == 400 and "colonne de groupe" in error_text(r)
    r = run(client, ds, rounding="dix")
    assert r.status_code == 400 and "dix n’est pas un nombre" in error_text(r)
    page = run(client, ds, rounding="2,5", stratum="score_band")
    assert "pas 2.5" in error_text(page)
    page = run(client, ds, steps=[("x", "population", "picked")], stratum="score_band")
    assert "plus de dossiers que son étape de base « picked »" in error_text(page)


def test_english_errors_keep_the_library_wording():
    msg = "Reference group 'x' is not in the table; groups: 'a', 'b'."
    assert translate_error(msg, "en") == (
        "Reference group “x” is not in the table; groups: 'a', 'b'.",
        True,
    )


def test_hostile_labels_are_inert_and_csrf_is_checked(client):
    hostile = "<script>alert(1)</script>"
    frame = pd.DataFrame(
        {
            "g": [hostile, hostile, "=1+1", "=1+1"],
            "stage": ["all", "<b>picked</b>"] * 2,
            "n": [1000, 100, 1000, 200],
        }
    )
    ds = ds_of(send(client, "h.csv", frame.to_csv(index=False).encode()))
    page = client.get(f"/funnel/{ds}")
    assert "<b>picked</b>" not in page.text and "&lt;b&gt;picked&lt;/b&gt;" in page.text
    bad = client.post(f"/funnel/{ds}", data=form(), follow_redirects=False)
    assert bad.status_code == 403
    page = run(
        client,
        ds,
        group=["g"],
        reference="",
        steps=[("pick", "<b>picked</b>", "all")],
    )
    job = job_of(page)
    report = client.get(f"/results/{job}/report.html?lang=fr").text
    assert hostile not in report and "&lt;script&gt;" in report
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/results/{job}/report-fr.zip").content))
    steps_csv = z.read("report-fr/tables/steps.csv").decode("utf-8")
    assert "'=1+1" in steps_csv and ",=1+1" not in steps_csv


def test_pickle_renamed_csv_is_refused(client):
    import pickle

    r = send(client, "comptes.csv", pickle.dumps(pd.DataFrame({"a": [1]})))
    assert r.status_code == 400 and "pickle" in r.text
