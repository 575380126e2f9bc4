"""load_model: safe YAML/JSON specs, refused pickles and untrusted skops types, ONNX, names."""

from __future__ import annotations

import json
import math
import pathlib
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from scoreaudit.errors import ModelError, ScoreAuditError, UnsafeFileError
from scoreaudit.models import OnnxModel, Scorecard, SklearnModel, load_model
from scoreaudit.models import shipped as examples
from scoreaudit.models import specfile as specfile_mod

SPEC_YAML = """\
name: example
version: "1"
description: What this model is and how far its numbers can be trusted.
sources: ["Publication, date, page"]
link: logistic            # logistic | identity
intercept: -2.0
terms:
  - kind: categorical
    variable: gender
    reference: man
    odds_ratios: {man: 1.0, woman: 1.5}   # or coefficients: {...} in log-odds
  - kind: bins
    variable: age
    edges: [25, 35, 50]                   # bins (-inf,25) [25,35) [35,50) [50,inf)
    coefficients: [0.0, 0.3, 0.1, -0.2]
  - kind: linear
    variable: n_minors
    coefficient: 0.3
    clip: [0, 5]
  - kind: categorical
    variable: recent_household_change
    reference: 0
    coefficients: {0: 0.0, 1: 0.4}
"""


def write(tmp_path: pathlib.Path, name: str, text: str | bytes) -> pathlib.Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# YAML and JSON specs
# ---------------------------------------------------------------------------------------------


def test_issue_example_yaml_scores_known_answer(tmp_path):
    m = load_model(write(tmp_path, "spec.yaml", SPEC_YAML))
    assert isinstance(m, Scorecard) and m.name == "example"
    frame = pd.DataFrame(
        {
            "gender": ["woman", "man"],
            "age": [40, 18],
            "n_minors": [9, 0],
            "recent_household_change": [1, 0],
        }
    )
    eta = -2.0 + math.log(1.5) + 0.1 + 0.3 * 5 + 0.4
    np.testing.assert_allclose(
        m.score(frame), [1 / (1 + math.exp(-eta)), 1 / (1 + math.exp(2))], rtol=0, atol=1e-15
    )


def test_yaml_and_json_give_the_same_model(tmp_path):
    from_yaml = load_model(write(tmp_path, "spec.yml", SPEC_YAML))
    data = yaml.safe_load(SPEC_YAML)
    data["terms"][3]["reference"] = "0"
    data["terms"][3]["coefficients"] = {"0": 0.0, "1": 0.4}
    from_json = load_model(write(tmp_path, "spec.json", json.dumps(data, indent=2)))
    assert from_yaml == from_json
    assert from_yaml.to_dict() == from_json.to_dict()
    # and the JSON written from the model round-trips
    again = load_model(write(tmp_path, "again.json", json.dumps(from_yaml.to_dict())))
    assert again == from_yaml


def test_yaml_dump_of_to_dict_round_trips(tmp_path):
    m = load_model(write(tmp_path, "spec.yaml", SPEC_YAML))
    again = load_model(write(tmp_path, "dumped.yaml", yaml.safe_dump(m.to_dict())))
    assert again == m


def test_python_object_tag_in_yaml_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    text = SPEC_YAML + (
        "  - !!python/object/apply:pathlib.Path.touch\n"
        f"    - !!python/object/apply:pathlib.Path ['{marker}']\n"
    )
    path = write(tmp_path, "evil.yaml", text)
    with pytest.raises(UnsafeFileError) as exc:
        load_model(path)
    msg = str(exc.value)
    assert f"{path}, line 2" in msg and "python/object/apply" in msg  # line 23 or 24
    assert "safe YAML" in msg
    assert not marker.exists()


def test_other_yaml_tags_are_refused(tmp_path):
    path = write(tmp_path, "tag.yaml", "name: !custom x\nterms: []\n")
    with pytest.raises(ModelError, match=r"tag\.yaml, line 1: .*!custom"):
        load_model(path)


def test_duplicate_yaml_key_is_an_error_with_line(tmp_path):
    text = SPEC_YAML.replace("{man: 1.0, woman: 1.5}", "{man: 1.0, woman: 1.5, woman: 3.0}")
    with pytest.raises(ModelError, match=r"line 11: duplicate key 'woman'"):
        load_model(write(tmp_path, "dup.yaml", text))


def test_duplicate_json_key_is_an_error(tmp_path):
    with pytest.raises(ModelError, match="duplicate key 'name'"):
        load_model(write(tmp_path, "dup.json", '{"name": "a", "name": "b", "terms": []}'))


def test_billion_laughs_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    lines.append("name: laughs\nterms: *a9")
    with pytest.raises(ModelError, match="billion laughs"):
        load_model(write(tmp_path, "laughs.yaml", "\n".join(lines)))


def test_recursive_yaml_alias_is_refused(tmp_path):
    with pytest.raises(ModelError, match="expands to more than"):
        load_model(write(tmp_path, "loop.yaml", "name: x\nterms: &t [*t]\n"))


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(specfile_mod, "MAX_SPEC_BYTES", 100)
    with pytest.raises(ModelError, match=r"limited to 0\.0001 MB"):
        load_model(write(tmp_path, "big.yaml", SPEC_YAML))


def test_too_many_terms_in_a_file(tmp_path):
    terms = [{"kind": "linear", "variable": f"x{i}", "coefficient": 1.0} for i in range(10_001)]
    path = write(tmp_path, "many.json", json.dumps({"name": "many", "terms": terms}))
    with pytest.raises(ModelError, match="10,001 terms.*at most 10,000"):
        load_model(path)


def test_invalid_spec_file_error_names_file_and_path(tmp_path):
    text = SPEC_YAML.replace("edges: [25, 35, 50]", "edges: [25, 50, 35]")
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ModelError) as exc:
        load_model(path)
    assert f"Invalid model spec in {path}" in str(exc.value)
    assert "terms[1].edges: must be increasing" in str(exc.value)


def test_syntax_errors(tmp_path):
    with pytest.raises(ModelError, match="not valid YAML"):
        load_model(write(tmp_path, "s.yaml", "name: [unclosed\n"))
    with pytest.raises(ModelError, match="not valid JSON.*line 1"):
        load_model(write(tmp_path, "s.json", "{name: 1}"))
    with pytest.raises(ModelError, match="expected a mapping"):
        load_model(write(tmp_path, "list.yaml", "- a\n- b\n"))


# ---------------------------------------------------------------------------------------------
# Pickles: refused, and their code does not run
# ---------------------------------------------------------------------------------------------


class _Payload:
    """Unpickling this runs open(marker, 'w'), which creates the marker file."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("suffix", [".pkl", ".pickle", ".joblib"])
def test_pickle_is_refused_and_does_not_run(tmp_path, suffix):
    marker = tmp_path / "ran"
    path = write(tmp_path, f"model{suffix}", pickle.dumps(_Payload(marker)))
    with pytest.raises(UnsafeFileError) as exc:
        load_model(path)
    msg = str(exc.value)
    assert str(path) in msg and "runs whatever code" in msg and "allow_pickle=True" in msg
    assert not marker.exists()


def test_the_pickle_payload_really_runs_when_allowed(tmp_path):
    # Shows the refusal above matters: with allow_pickle=True the payload runs.
    marker = tmp_path / "ran"
    path = write(tmp_path, "model.pkl", pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError, match="neither a scoring model .* nor a fitted estimator"):
        load_model(path, allow_pickle=True)
    assert marker.exists()


def _fitted_lr() -> tuple[LogisticRegression, pd.DataFrame]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"income": rng.normal(size=200), "n_minors": rng.integers(0, 4, 200)})
    y = (X["income"] + rng.normal(size=200) > 0).astype(int)
    return LogisticRegression().fit(X, y), X


def test_trusted_pickle_of_an_estimator_is_wrapped(tmp_path):
    lr, X = _fitted_lr()
    path = write(tmp_path, "lr.pkl", pickle.dumps(lr))
    m = load_model(path, allow_pickle=True)
    assert isinstance(m, SklearnModel) and m.features == ["income", "n_minors"]
    np.testing.assert_array_equal(m.score(X), lr.predict_proba(X)[:, 1])


# ---------------------------------------------------------------------------------------------
# skops
# ---------------------------------------------------------------------------------------------


class Evil:
    """A type skops does not trust: loading it runs __setstate__, which writes a file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __setstate__(self, state: dict) -> None:
        pathlib.Path(state["marker"]).write_text("ran")
        self.__dict__.update(state)


def test_skops_estimator_loads(tmp_path):
    sio = pytest.importorskip("skops.io")
    lr, X = _fitted_lr()
    path = tmp_path / "lr.skops"
    sio.dump(lr, path)
    m = load_model(path)
    assert isinstance(m, SklearnModel)
    np.testing.assert_array_equal(m.score(X), lr.predict_proba(X)[:, 1])


def test_skops_untrusted_type_is_refused_and_not_run(tmp_path):
    sio = pytest.importorskip("skops.io")
    marker = tmp_path / "ran"
    path = tmp_path / "evil.skops"
    sio.dump(Evil(str(marker)), path)
    type_name = f"{Evil.__module__}.Evil"
    with pytest.raises(UnsafeFileError) as exc:
        load_model(path)
    assert type_name in str(exc.value) and "trusted=" in str(exc.value)
    assert not marker.exists()
    with pytest.raises(UnsafeFileError):
        load_model(path, trusted=["some.OtherType"])
    assert not marker.exists()
    # Listing the type trusts it: the file then loads (and its code runs), but it is no model.
    with pytest.raises(ModelError, match="neither a scoring model"):
        load_model(path, trusted=[type_name])
    assert marker.exists()


def test_unreadable_skops(tmp_path):
    with pytest.raises(ModelError, match="not a readable skops file"):
        load_model(write(tmp_path, "junk.skops", b"not a zip"))


# ---------------------------------------------------------------------------------------------
# ONNX
# ---------------------------------------------------------------------------------------------


def _logistic_onnx(path: pathlib.Path, w: np.ndarray, b: float) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["X", "W"], ["z0"]),
            helper.make_node("Add", ["z0", "B"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["probability"]),
        ],
        "logistic",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, len(w)])],
        [helper.make_tensor_value_info("probability", TensorProto.DOUBLE, [None, 1])],
        initializer=[
            numpy_helper.from_array(w.reshape(-1, 1).astype(np.float64), "W"),
            numpy_helper.from_array(np.array([b], dtype=np.float64), "B"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_onnx_model_scores(tmp_path):
    pytest.importorskip("onnxruntime")
    w, b = np.array([0.5, -1.0, 2.0]), -0.25
    path = tmp_path / "m.onnx"
    _logistic_onnx(path, w, b)
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 0.0, 3.0], "c": [0.1, 0.2, 0.3]})
    m = load_model(path, features=["a", "b", "c"])
    assert isinstance(m, OnnxModel) and m.features == ["a", "b", "c"]
    expected = 1 / (1 + np.exp(-(frame.to_numpy() @ w + b)))
    np.testing.assert_allclose(m.score(frame), expected, rtol=0, atol=1e-12)
    with pytest.raises(ModelError, match="pass features="):
        load_model(path)
    with pytest.raises(ModelError, match="expects 3 input columns"):
        OnnxModel(path, features=["a", "b"])


def test_onnx_without_onnxruntime_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    path = write(tmp_path, "m.onnx", b"whatever")
    with pytest.raises(ModelError, match=r"needs onnxruntime.*scoreaudit\[onnx\]"):
        load_model(path, features=["a"])


# ---------------------------------------------------------------------------------------------
# Names, paths, extensions
# ---------------------------------------------------------------------------------------------


def test_bare_name_loads_a_shipped_spec():
    m = load_model("c2sg-reconstruction")
    assert isinstance(m, Scorecard) and m == examples.model("c2sg-reconstruction")
    assert examples.spec_path("c2sg-reconstruction").is_file()
    assert examples.list_models() == [
        "c2sg-no-protected",
        "c2sg-reconstruction",
        "cnaf-reconstruction",
    ]


def test_unknown_name_suggests_a_close_one():
    with pytest.raises(ModelError, match="Did you mean 'c2sg-reconstruction'"):
        load_model("c2sg-reconstuction")


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nope.yaml")
    with pytest.raises(ModelError, match=r"unsupported extension '\.txt'"):
        load_model(write(tmp_path, "m.txt", "x"))


def test_errors_are_score_audit_errors():
    assert issubclass(UnsafeFileError, ScoreAuditError) and issubclass(ModelError, ScoreAuditError)
