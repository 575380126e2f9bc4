"""The local web page (``scoreaudit serve``) through starlette's TestClient: CSRF refusal,
upload limit, hostile files, the model-spec editor round trip (loaded back by the library's
loader), the language switch, errors naming the column, and loopback-only serving."""

from __future__ import annotations

import html
import io
import pickle
import re
import socket
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("starlette")
pytest.importorskip("multipart")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from scoreaudit.cli import main as cli_main
from scoreaudit.errors import ScoreAuditError
from scoreaudit.models.loading import load_model
from scoreaudit.models.scorecard import Scorecard
from scoreaudit.web import strings
from scoreaudit.web.app import create_app
from scoreaudit.web.server import bind_socket, check_bind_host

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "synthetic" / "c2sg_sample.csv"
LOCAL = {"base_url": "http://127.0.0.1", "client": ("127.0.0.1", 50000)}


@pytest.fixture
def app(tmp_path):
    return create_app(tmp_path / "work", max_upload_mb=1)


@pytest.fixture
def client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(app, **LOCAL)


def token(client, path="/upload/audit") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def upload(client, name: str, content: bytes, kind: str = "audit"):
    return client.post(
        f"/upload/{kind}",
        data={"csrf_token": token(client)},
        files={"file": (name, content, "application/octet-stream")},
    )


def small_frame(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n),
            "age": rng.integers(18, 80, n),
            "family_status": rng.choice(["alone", "couple"], n),
            "score": rng.random(n),
        }
    )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def wait(client, location: str, limit: int = 600):
    """Follow the 'running' page until the job redirects (result or form with the error)."""
    for _ in range(limit):
        r = client.get(location, follow_redirects=False)
        if r.status_code == 303:
            return client.get(r.headers["location"])
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def dataset_id(response) -> str:
    return str(response.url).rstrip("/").rsplit("/", 1)[1]


def column_index(app, ds: str, name: str) -> str:
    return str(next(c["index"] for c in app.state.web.datasets[ds].columns if c["name"] == name))


# -- catalogue -------------------------------------------------------------------------------


def test_catalogue_has_both_languages_with_same_placeholders():
    from scoreaudit.present.catalogue import placeholders

    for key, entry in strings.STRINGS.items():
        assert set(entry) == {"en", "fr"}, key
        assert placeholders(entry["en"]) == placeholders(entry["fr"]), key


def test_page_texts_are_read_from_the_one_catalogue():
    from scoreaudit.present.catalogue import CATALOGUE

    assert CATALOGUE["web_nav_home"] == {"en": "Home", "fr": "Accueil"}
    assert strings.w("nav_home", "fr") == "Accueil"
    assert strings.w("nav_controls", "en") == "Control log"
    assert "nav_home" not in CATALOGUE  # page keys carry the web_ prefix in the catalogue
    assert "web_nav_home" not in strings.STRINGS
    assert not list(Path(strings.__file__).parent.glob("*.json"))  # no second catalogue


# -- loopback, headers, CSRF -----------------------------------------------------------------


def test_refuses_foreign_host_header_and_non_loopback_client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rebinding = TestClient(app, base_url="http://evil.example:8000", client=("127.0.0.1", 5000))
        remote = TestClient(app, base_url="http://127.0.0.1", client=("192.168.1.20", 5000))
    assert rebinding.get("/").status_code == 403
    assert remote.get("/").status_code == 403
    assert "127.0.0.1" in remote.get("/").text


def test_pages_carry_csp_and_no_external_resource(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", r.text)
    assert "<script" not in r.text


def test_post_without_or_with_wrong_csrf_token_is_refused(client):
    files = {"file": ("x.csv", csv_bytes(small_frame()), "text/csv")}
    assert client.post("/upload/audit", files=files).status_code == 403
    r = client.post("/upload/audit", data={"csrf_token": "0" * 64}, files=files)
    assert r.status_code == 403 and "Rechargez la page" in r.text
    good = token(client)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other = TestClient(client.app, **LOCAL)  # another session: the token is not its own
    other.get("/")
    assert other.post("/upload/audit", data={"csrf_token": good}, files=files).status_code == 403
    assert client.post("/upload/audit", data={"csrf_token": good}, files=files).status_code == 200
    # a form posted from another origin is refused even with the token
    r = client.post(
        "/upload/audit",
        data={"csrf_token": good},
        files=files,
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403


def test_language_switch_and_no_open_redirect(client):
    assert "Audit d’un modèle" in client.get("/").text
    r = client.get("/lang/en?next=%2Fupload%2Faudit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/upload/audit"
    page = client.get("/upload/audit")
    assert "Audit a model: 1. your data" in page.text and 'lang="en"' in page.text
    assert 'href="/lang/fr?next=%2Fupload%2Faudit"' in page.text
    evil = client.get("/lang/fr?next=//evil.example/x", follow_redirects=False)
    assert evil.headers["location"] == "/"


# -- uploads -------------------------------------------------------------------------------


def test_upload_over_the_limit_is_refused_with_413(client, app):
    big = b"gender,score\n" + b"woman,0.5\n" * 150_000  # 1.5 MB > 1 MB
    r = upload(client, "big.csv", big)
    assert r.status_code == 413
    assert "dépasse la limite de 1 Mo" in r.text
    assert not list((app.state.web.workdir).glob("data-*/big.csv"))


def test_pickle_renamed_csv_and_binary_are_refused(client, app):
    r = upload(client, "data.csv", pickle.dumps(small_frame()))
    assert r.status_code == 400 and "pickle" in r.text
    r = upload(client, "data.csv", pickle.dumps({"a": 1}, protocol=0))
    assert r.status_code == 400 and "pickle" in r.text
    r = upload(client, "data.csv", b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    assert r.status_code == 400 and "binaire" in r.text
    r = upload(client, "data.xlsx", b"gender,score\nwoman,1\n")
    assert r.status_code == 400
    r = upload(client, "data.exe", b"MZ\x90\x00")
    assert r.status_code == 400 and ".exe" in r.text
    assert not app.state.web.datasets


def test_library_error_is_shown_naming_the_file_and_line(client):
    r = upload(client, "bad.csv", b"gender,score\nwoman,0.5,extra,more\nman,0.2\n")
    assert r.status_code == 400
    # the reader's message from the catalogue, in the page's language (French by default)
    assert "bad.csv" in r.text and "La ligne 2 de" in r.text and "Line 2" not in r.text


def test_xlsx_upload_is_read(client, app):
    buf = io.BytesIO()
    small_frame(50).to_excel(buf, index=False)
    r = upload(client, "données.xlsx", buf.getvalue())
    assert r.status_code == 200 and "50 lignes" in r.text
    ds = app.state.web.datasets[dataset_id(r)]
    assert list(ds.frame.columns) == ["gender", "age", "family_status", "score"]


def test_hostile_labels_are_inert_in_form_and_report(client, app):
    frame = small_frame(1500)
    hostile = "<script>alert(1)</script>"
    frame["gender"] = np.where(frame.index % 2 == 0, hostile, '=HYPERLINK("http://x")')
    frame = frame.rename(columns={"family_status": "<img src=x onerror=alert(2)>"})
    r = upload(client, "hostile.csv", csv_bytes(frame))
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text
    assert "<img src=x" not in r.text
    ds = dataset_id(r)
    g = column_index(app, ds, "gender")
    r = client.post(
        f"/audit/{ds}",
        data={
            "csrf_token": token(client),
            "protected": [g],
            "model_source": "score",
            "score_column": "score",
            "budget": "10%",
            "confidence": "0,95",
            "min_cell": "11",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    result = wait(client, r.headers["location"])
    assert result.status_code == 200 and 'id="report"' in result.text
    job = result.url.path.rsplit("/", 1)[1]
    report = client.get(f"/results/{job}/report.html?lang=fr").text
    assert "<script>alert" not in report and "&lt;script&gt;alert(1)" in report
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/results/{job}/report-fr.zip").content))
    groups = z.read("report-fr/tables/groups.csv").decode("utf-8")
    assert "'=HYPERLINK" in groups and "\n=HYPERLINK" not in groups and ",=HYPERLINK" not in groups


# -- the model audit --------------------------------------------------------------------------


def test_error_names_the_column_in_french(client, app):
    r = upload(client, "x.csv", csv_bytes(small_frame()))
    ds = dataset_id(r)
    age = column_index(app, ds, "age")
    r = client.post(
        f"/audit/{ds}",
        data={
            "csrf_token": token(client),
            "protected": [age],
            "model_source": "score",
            "score_column": "score",
            "budget": "5%",
        },
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    assert "La colonne protégée « age » est numérique" in page.text
    assert "Tranches (bornes)" in page.text and "bands={" not in page.text.split("<details")[0]
    assert f'name="protected" value="{age}" checked' in page.text  # the form is kept


def test_bad_budget_is_refused_before_running(client, app):
    r = upload(client, "x.csv", csv_bytes(small_frame()))
    ds = dataset_id(r)
    g = column_index(app, ds, "gender")
    r = client.post(
        f"/audit/{ds}",
        data={
            "csrf_token": token(client),
            "protected": [g],
            "model_source": "score",
            "score_column": "score",
            "budget": "5",
        },
        follow_redirects=False,
    )
    assert r.status_code == 400 and "ambigu" in r.text


@pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample CSV missing")
def test_shipped_model_audit_matches_the_library(client, app):
    import scoreaudit as sa
    from scoreaudit.data.io import read_data

    r = client.post("/upload/audit", data={"csrf_token": token(client), "sample": "1"})
    ds = dataset_id(r)
    prot = [column_index(app, ds, c) for c in ("gender", "age_band", "family_status")]
    r = client.post(
        f"/audit/{ds}",
        data={
            "csrf_token": token(client),
            "protected": prot,
            "model_source": "shipped",
            "shipped_model": "c2sg-reconstruction",
            "budget": "5%",
            "intersections": "1",
            f"ref_{prot[0]}": "man",
        },
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    job = app.state.web.jobs.get(page.url.path.rsplit("/", 1)[1])
    direct = sa.audit(
        sa.Population(read_data(SAMPLE), protected=["gender", "age_band", "family_status"]),
        sa.examples.model("c2sg-reconstruction"),
        sa.Budget(share=0.05),
        reference={"gender": "man"},
    )
    pd.testing.assert_frame_equal(job.result.disparities, direct.disparities)
    report = client.get(f"/results/{job.id}/report.html?lang=fr").text
    assert "Principaux constats" in report
    assert "Ces données sont synthétiques" in report  # the bundled sample is flagged
    # the other language is written on demand, through the running page
    client.get("/lang/en?next=/")
    first = client.get(f"/results/{job.id}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"/jobs/{job.id}"
    assert "Result of the audit" in wait(client, f"/jobs/{job.id}").text
    assert "Key findings" in client.get(f"/results/{job.id}/report.html?lang=en").text


@pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample CSV missing")
def test_published_numbers_equal_the_command_line(client, app, tmp_path):
    """Same options on the page and on the command line: results.json agrees on everything
    published (the manifest differs only by time and file paths)."""
    import json

    r = client.post("/upload/audit", data={"csrf_token": token(client), "sample": "1"})
    ds = dataset_id(r)
    prot = [column_index(app, ds, c) for c in ("gender", "family_status")]
    r = client.post(
        f"/audit/{ds}",
        data={
            "csrf_token": token(client),
            "protected": prot,
            "model_source": "shipped",
            "shipped_model": "c2sg-no-protected",
            "budget": "10%",
            "intersections": "1",
            "min_cell": "11",
            f"ref_{prot[0]}": "man",
        },
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    job = page.url.path.rsplit("/", 1)[1]
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/results/{job}/report-fr.zip").content))
    web = json.loads(z.read("report-fr/results.json"))
    out = tmp_path / "cli"
    assert (
        cli_main(
            [
                "audit",
                "--data",
                str(SAMPLE),
                "--model",
                "c2sg-no-protected",
                "--protected",
                "gender,family_status",
                "--budget",
                "10%",
                "--reference",
                "gender=man",
                "--lang",
                "fr",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    cli = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(web) == set(cli)
    for key in set(web) - {"manifest"}:
        assert web[key] == cli[key], key
    assert web["manifest"]["config"]["budget"] == cli["manifest"]["config"]["budget"]


# -- the spec editor ----------------------------------------------------------------------------


def test_spec_editor_typo_then_fix_round_trip(client, app, tmp_path):
    frame = small_frame(800)
    r = upload(client, "d.csv", csv_bytes(frame), kind="spec")
    assert r.url.path == "/spec"
    ds = r.url.params["data"]
    paste = (
        "variable\tmodalité\trapport de cotes\n"
        "gender\twoman\t1,3\ngender\tman\t1\n"
        "family_status\talone\t1\nfamily_status\tcoupel\t0,8\n"
        "age\t<=25\t1\nage\t>25\t1,25\n"
    )
    r = client.post(
        "/spec",
        data={
            "csrf_token": token(client, "/spec"),
            "name": "agence-2024",
            "intercept": "-3,2",
            "data": ds,
            "paste": paste,
        },
    )
    assert r.status_code == 400
    assert "Ligne 4 : la modalité coupel de family_status n’existe pas" in r.text
    assert "alone, couple" in r.text
    assert "virgules décimales" in r.text
    # the pasted lines are now rows of the table: fix the typo there
    rows = re.findall(
        r'name="var" value="([^"]*)".*?name="level" value="([^"]*)".*?'
        r'name="odds" value="([^"]*)"',
        r.text,
        re.S,
    )
    rows = [(v, "couple" if lv == "coupel" else html.unescape(lv), o) for v, lv, o in rows if v]
    r = client.post(
        "/spec",
        data={
            "csrf_token": token(client, "/spec"),
            "name": "agence-2024",
            "intercept": "-3,2",
            "data": ds,
            "var": [x[0] for x in rows],
            "level": [x[1] for x in rows],
            "odds": [x[2] for x in rows],
        },
    )
    assert r.status_code == 200 and 'id="saved"' in r.text, r.text
    sid = re.search(r'href="/spec/([^"]+)\.yaml"', r.text).group(1)
    text = client.get(f"/spec/{sid}.yaml").text
    path = tmp_path / "agence.yaml"
    path.write_text(text, encoding="utf-8")
    model = load_model(str(path))
    expected = Scorecard.from_dict(
        {
            "name": "agence-2024",
            "intercept": -3.2,
            "terms": [
                {
                    "kind": "categorical",
                    "variable": "gender",
                    "reference": "man",
                    "odds_ratios": {"man": 1.0, "woman": 1.3},
                },
                {
                    "kind": "categorical",
                    "variable": "family_status",
                    "reference": "alone",
                    "odds_ratios": {"alone": 1.0, "couple": 0.8},
                },
                {
                    "kind": "bins",
                    "variable": "age",
                    "edges": [25],
                    "closed": "right",
                    "odds_ratios": [1.0, 1.25],
                },
            ],
        }
    )
    np.testing.assert_allclose(model.score(frame), expected.score(frame), rtol=1e-12)
    # by hand: a woman aged 30 living alone scores logistic(-3.2 + log 1.3 + log 1.25)
    one = pd.DataFrame({"gender": ["woman"], "family_status": ["alone"], "age": [30]})
    z = -3.2 + np.log(1.3) + np.log(1.25)
    assert model.score(one)[0] == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-12)
    assert cli_main(["model", "check", str(path)]) == 0
    # and the audit form offers it
    assert f'value="{sid}" selected' in client.get(f"/audit/{ds}?spec={sid}").text


def test_spec_editor_reports_bad_numbers_and_gaps(client):
    paste = "age\t<25\t1\nage\t[30;50[\t1,1\nage\t>=50\tx\n"
    r = client.post("/spec", data={"csrf_token": token(client, "/spec"), "paste": paste})
    assert r.status_code == 400
    assert "Ligne 3 : le rapport de cotes x n’est pas un nombre." in r.text
    paste = "age\t<25\t1\nage\t[30;50[\t1,1\nage\t>=50\t2\n"
    r = client.post("/spec", data={"csrf_token": token(client, "/spec"), "paste": paste})
    assert "ne couvrent pas chaque nombre" in r.text


# -- control log and count table -------------------------------------------------------------


@pytest.mark.skipif(
    not (ROOT / "data/synthetic/c2sg_confusion_counts.csv").exists(),
    reason="bundled count table missing",
)
def test_count_table_form_runs(client):
    r = client.post("/upload/counts", data={"csrf_token": token(client), "sample": "1"})
    ds = dataset_id(r)
    r = client.post(
        f"/counts/{ds}",
        data={
            "csrf_token": token(client),
            "group": ["gender", "age_band"],
            "tp": "tp",
            "fp": "fp",
            "tn": "tn",
            "fn": "fn",
            "reference": "gender=man",
            "intersections": "1",
        },
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    job = page.url.path.rsplit("/", 1)[1]
    assert page.status_code == 200
    assert "Principaux constats" in client.get(f"/results/{job}/report.html?lang=fr").text


# -- serving -------------------------------------------------------------------------------


def test_refuses_to_bind_a_non_loopback_address():
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        with pytest.raises(ScoreAuditError, match="Refusing to listen"):
            check_bind_host(host)
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1" and sock.getsockname()[1] > 0
    finally:
        sock.close()


def _lan_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent (UDP connect)
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def test_listening_socket_is_unreachable_from_other_interfaces():
    lan = _lan_address()
    if lan is None:
        pytest.skip("this machine has no non-loopback address")
    sock = bind_socket("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        with pytest.raises(OSError):
            socket.create_connection((lan, port), timeout=2).close()
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        sock.close()


def test_work_directory_removed_at_cleanup(tmp_path):
    app = create_app(tmp_path / "work")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "data.csv").write_text("x")
    app.state.web.cleanup()
    assert not (tmp_path / "work").exists()


def test_cli_serve_refuses_bad_language():
    assert cli_main(["serve", "--no-browser", "--lang", "de"]) == 2


@pytest.mark.skipif(
    not (ROOT / "data/synthetic/c2sg_controls.csv").exists(), reason="bundled control log missing"
)
def test_control_log_form_runs_with_its_defaults(client):
    r = client.post("/upload/controls", data={"csrf_token": token(client), "sample": "1"})
    ds = dataset_id(r)
    assert 'value="gender" checked' in r.text and 'value="errors found"' in r.text
    r = client.post(
        f"/controls/{ds}",
        data={
            "csrf_token": token(client),
            "protected": ["gender", "age_band"],
            "selected_by": "selection_method",
            "random_value": "random",
            "outcome": "result",
            "positive": "errors found",
            "population_size": "100 000",
            "reference": "gender=man",
            "intersections": "1",
        },
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    assert page.status_code == 200 and 'id="report"' in page.text, page.text
    job = page.url.path.rsplit("/", 1)[1]
    assert "Principaux constats" in client.get(f"/results/{job}/report.html?lang=fr").text
    # a wrong value is reported on the form, in the page's language when known
    r = client.post(
        f"/controls/{ds}",
        data={
            "csrf_token": token(client),
            "protected": ["gender"],
            "selected_by": "selection_method",
            "random_value": "au hasard",
            "outcome": "result",
            "positive": "errors found",
        },
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    assert "au hasard" in page.text and 'id="error"' in page.text


def test_uploaded_spec_file_is_used_and_a_pickle_spec_refused(client, app):
    from scoreaudit.models.shipped import spec_path

    frame = small_frame(1500)
    frame["n_minors"] = np.arange(len(frame)) % 3
    r = upload(client, "x.csv", csv_bytes(frame))
    ds = dataset_id(r)
    g = column_index(app, ds, "gender")
    spec = (
        "name: uploaded\nintercept: 0\nterms:\n  - kind: categorical\n    variable: gender\n"
        "    reference: man\n    odds_ratios: {man: 1, woman: 2}\n"
    )
    data = {
        "csrf_token": token(client),
        "protected": [g],
        "model_source": "upload",
        "budget": "10%",
        f"ref_{g}": "man",
    }
    r = client.post(
        f"/audit/{ds}",
        data=data,
        files={"spec_file": ("m.yaml", spec.encode())},
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    job = app.state.web.jobs.get(page.url.path.rsplit("/", 1)[1])
    assert job.result.model_info["name"] == "uploaded"
    # everyone selected is a woman (odds ratio 2, ties broken among women only)
    assert set(frame.loc[job.result.selected, "gender"]) == {"woman"}
    r = client.post(
        f"/audit/{ds}",
        data={**data, "csrf_token": token(client)},
        files={"spec_file": ("m.yaml", pickle.dumps({"a": 1}))},
        follow_redirects=False,
    )
    assert r.status_code == 400 and "pickle" in r.text
    r = client.post(
        f"/audit/{ds}",
        data={**data, "csrf_token": token(client)},
        files={"spec_file": ("m.pkl", b"x")},
        follow_redirects=False,
    )
    assert r.status_code == 400 and ".yaml, .yml ou .json" in r.text
    assert spec_path("c2sg-reconstruction").is_file()


def test_model_missing_columns_error_is_translated(client, app):
    r = upload(client, "x.csv", csv_bytes(small_frame(300)))
    ds = dataset_id(r)
    g = column_index(app, ds, "gender")
    r = client.post(
        f"/audit/{ds}",
        data={
            "csrf_token": token(client),
            "protected": [g],
            "model_source": "shipped",
            "shipped_model": "c2sg-reconstruction",
            "budget": "5%",
        },
        follow_redirects=False,
    )
    page = wait(client, r.headers["location"])
    assert "Le modèle lit la ou les colonnes" in page.text
    assert "income_to_ceiling" in page.text and "family_status" in page.text


def test_spec_editor_per_unit_odds_ratio_is_a_linear_term():
    from scoreaudit.web.spec_editor import build_draft, parse_paste

    frame = small_frame(200)
    frame["n_minors"] = np.arange(len(frame)) % 4
    draft = build_draft(
        parse_paste("n_minors;par unité;1,2\ngender;man;1\ngender;woman;1,5"),
        data=frame,
        intercept="-2",
    )
    assert draft.problems == []
    card = Scorecard.from_dict(draft.spec)
    z = -2 + np.log(1.2) * frame["n_minors"] + np.log(1.5) * (frame["gender"] == "woman")
    np.testing.assert_allclose(card.score(frame), 1 / (1 + np.exp(-z)), rtol=1e-12)
    bad = build_draft(parse_paste("n_minors;par unité;1,2\nn_minors;0;1"), data=frame)
    assert bad.problems[0][0] == "se_linear_alone"


@pytest.mark.parametrize(
    "path",
    [
        "/audit/nosuchdataset",
        "/controls/nosuchdataset",
        "/funnel/nosuchdataset",
        "/spec/nosuchspec.yaml",
        "/upload/nosuchkind",
    ],
)
def test_what_does_not_exist_is_a_not_found_page(client, path):
    # another session's dataset, a spec never saved, a mistyped address: a 404 page in the
    # page's language, never a server error (the spec download once raised one)
    r = client.get(path)
    assert r.status_code == 404
    assert "<html" in r.text.lower()
