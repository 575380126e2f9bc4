"""SklearnModel: predict_proba positive column, decision_function, pipelines, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from scoreaudit.errors import ModelError
from scoreaudit.models import ScoringModel, SklearnModel


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    X = pd.DataFrame(
        {
            "income": rng.normal(size=300),
            "n_minors": rng.integers(0, 4, 300),
            "gender": rng.choice(["man", "woman"], 300),
        }
    )
    y = ((X["income"] + 0.5 * X["n_minors"] + rng.normal(size=300)) > 0.5).astype(int)
    return X, y.to_numpy()


def test_predict_proba_positive_class_column(data):
    X, y = data
    lr = LogisticRegression().fit(X[["income", "n_minors"]], y)
    m = SklearnModel(lr)
    assert isinstance(m, ScoringModel) and m.features == ["income", "n_minors"]
    assert m.method == "predict_proba" and m.positive_class == 1
    np.testing.assert_array_equal(m.score(X), lr.predict_proba(X[["income", "n_minors"]])[:, 1])
    m0 = SklearnModel(lr, positive_class=0)
    np.testing.assert_allclose(m0.score(X), 1 - m.score(X), atol=1e-15)


def test_string_labels_and_unknown_positive_class(data):
    X, y = data
    labels = np.where(y == 1, "fraud", "ok")
    lr = LogisticRegression().fit(X[["income"]], labels)
    m = SklearnModel(lr, positive_class="fraud")
    assert np.all(np.diff(m.score(X.sort_values("income"))) >= 0)  # higher income, higher risk
    with pytest.raises(ModelError, match=r"positive_class='yes' is not one of .*'fraud', 'ok'"):
        SklearnModel(lr, positive_class="yes")


def test_estimator_fitted_on_arrays_needs_features(data):
    X, y = data
    lr = LogisticRegression().fit(X[["income", "n_minors"]].to_numpy(), y)
    with pytest.raises(ModelError, match="Pass features="):
        SklearnModel(lr)
    m = SklearnModel(lr, features=["income", "n_minors"])
    np.testing.assert_array_equal(
        m.score(X), lr.predict_proba(X[["income", "n_minors"]].to_numpy())[:, 1]
    )


def test_features_must_match_fitted_names(data):
    X, y = data
    lr = LogisticRegression().fit(X[["income", "n_minors"]], y)
    with pytest.raises(ModelError, match="fitted on columns"):
        SklearnModel(lr, features=["n_minors", "income"])
    with pytest.raises(ModelError, match="single string"):
        SklearnModel(lr, features="income")


def test_decision_function(data):
    X, y = data
    svc = LinearSVC().fit(X[["income", "n_minors"]], y)
    m = SklearnModel(svc)
    assert m.method == "decision_function"
    np.testing.assert_array_equal(m.score(X), svc.decision_function(X[["income", "n_minors"]]))


def test_pipeline_with_categorical_column(data):
    X, y = data
    pipe = make_pipeline(
        ColumnTransformer(
            [
                ("cat", OneHotEncoder(), ["gender"]),
                ("num", StandardScaler(), ["income", "n_minors"]),
            ]
        ),
        LogisticRegression(),
    ).fit(X, y)
    m = SklearnModel(pipe)
    assert m.features == ["income", "n_minors", "gender"]
    np.testing.assert_array_equal(m.score(X), pipe.predict_proba(X)[:, 1])


def test_missing_column_is_named(data):
    X, y = data
    m = SklearnModel(LogisticRegression().fit(X[["income", "n_minors"]], y))
    with pytest.raises(ModelError, match="'n_minors'"):
        m.score(X[["income"]])


def test_estimator_without_scores_and_multiclass(data):
    X, y = data
    with pytest.raises(ModelError, match="neither predict_proba nor decision_function"):
        SklearnModel(LinearRegression().fit(X[["income"]], y))
    three = LogisticRegression().fit(X[["income"]], np.digitize(X["income"], [-0.5, 0.5]))
    with pytest.raises(ModelError, match="3 classes"):
        SklearnModel(three)
    assert SklearnModel(three, positive_class=2).score(X).shape == (300,)


def test_unfitted_estimator(data):
    X, _ = data
    with pytest.raises(ModelError, match="is it fitted"):
        SklearnModel(LogisticRegression(), features=["income"])


def test_estimator_failure_becomes_model_error(data):
    X, y = data
    m = SklearnModel(LogisticRegression().fit(X[["income"]], y))
    bad = X.assign(income=["a"] * len(X))
    with pytest.raises(ModelError, match="predict_proba failed on the data"):
        m.score(bad)
