"""sa.audit accepts fitted scikit-learn estimators and pipelines directly; arrays point to ScoreColumn."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import scoreaudit as sa


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(3)
    n = 600
    return pd.DataFrame(
        {
            "gender": rng.choice(["woman", "man"], n),
            "income": rng.gamma(2.0, 500.0, n),
            "n_minors": rng.integers(0, 4, n),
            "found": rng.integers(0, 2, n),
        }
    )


def test_pipeline_is_audited_like_its_wrapper(frame):
    X = frame[["income", "n_minors"]]
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, frame["found"])
    pop = sa.Population(frame, protected=["gender"])
    direct = sa.audit(pop, pipe, sa.Budget(share=0.1), reference={"gender": "man"})
    wrapped = sa.audit(
        pop, sa.SklearnModel(pipe), sa.Budget(share=0.1), reference={"gender": "man"}
    )
    pd.testing.assert_frame_equal(direct.groups, wrapped.groups)
    # the selected files are the top 10% of predict_proba's positive column
    proba = pipe.predict_proba(X)[:, 1]
    assert direct.selection.n_selected == 60
    assert proba[direct.selected].min() >= proba[~direct.selected].max()


@pytest.mark.parametrize("scores", [np.zeros(600), pd.Series(np.zeros(600)), [0.0] * 600])
def test_array_of_scores_points_to_score_column(frame, scores):
    pop = sa.Population(frame, protected=["gender"])
    with pytest.raises(sa.ModelError, match=r"ScoreColumn\('score'\).*--score-column"):
        sa.audit(pop, scores, sa.Budget(share=0.1))


def test_object_without_score_is_refused(frame):
    pop = sa.Population(frame, protected=["gender"])
    with pytest.raises(sa.ModelError, match="is not a scoring model"):
        sa.audit(pop, object(), sa.Budget(share=0.1))
