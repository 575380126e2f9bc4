"""Synthetic C2SG generator: reproducibility, column contract, calibration, dependencies, errors.

Calibration tests use n = 200,000 households and a significance level of 0.001 per test
(chi-square goodness of fit for shares, exact binomial tests for proportions): a correct
generator fails one of them with probability about 0.1% per test and per seed; the seed is
fixed, so the outcome is deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import scoreaudit as sa
from scoreaudit.synthetic import (
    c2sg_population,
    ceiling_for_size,
    person_level_summary,
    write_frame,
)
from scoreaudit.synthetic import (
    constants as C,
)

ALPHA = 0.001
N_LARGE = 200_000


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return c2sg_population(N_LARGE, random_state=12345)


# -- reproducibility --------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_parquet_and_csv(tmp_path):
    for ext in ("parquet", "csv"):
        a = write_frame(c2sg_population(20_000, random_state=7), tmp_path / f"a.{ext}")
        b = write_frame(c2sg_population(20_000, random_state=7), tmp_path / f"b.{ext}")
        assert a.read_bytes() == b.read_bytes(), ext


def test_different_seeds_differ():
    a = c2sg_population(5_000, random_state=0)
    b = c2sg_population(5_000, random_state=1)
    assert not a.equals(b)
    assert (a["income"] != b["income"]).mean() > 0.99


def test_parquet_round_trip_keeps_types(tmp_path):
    pop = c2sg_population(3_000, random_state=0)
    back = pd.read_parquet(write_frame(pop, tmp_path / "p.parquet"))
    pd.testing.assert_frame_equal(back, pop, check_exact=True)


def test_generator_argument_and_unrelated_parameters_keep_draws():
    # one random stream per step: changing the truth model leaves the covariates unchanged
    a = c2sg_population(4_000, random_state=3)
    b = c2sg_population(4_000, random_state=3, anomaly_base_rate=0.1)
    pd.testing.assert_frame_equal(
        a.drop(columns=["irregular", "irregular_probability"]),
        b.drop(columns=["irregular", "irregular_probability"]),
        check_exact=True,
    )
    g = c2sg_population(1_000, random_state=np.random.default_rng(5))
    assert len(g) == 1_000


# -- column contract --------------------------------------------------------------------------
def test_column_contract():
    pop = c2sg_population(20_000, random_state=0)
    assert pop["household_id"].dtype == np.int64 and pop["household_id"].is_unique
    cats = {
        "gender": (C.GENDERS, False),
        "age_band": (C.AGE_BANDS, True),
        "family_status": (C.FAMILY_STATUSES, False),
        "activity_status": (C.ACTIVITY_STATUSES, False),
    }
    for col, (categories, ordered) in cats.items():
        assert isinstance(pop[col].dtype, pd.CategoricalDtype), col
        assert list(pop[col].cat.categories) == list(categories), col
        assert pop[col].cat.ordered is ordered, col
        assert pop[col].notna().all(), col
    for col in (
        "child_19_plus",
        "recent_household_change",
        "separated_recently",
        "receives_rsa",
        "income_unstable",
        "irregular",
    ):
        assert pop[col].dtype == np.int8, col
        assert set(pop[col].unique()) <= {0, 1}, col
    for col in ("age", "household_size", "n_children", "n_minors"):
        assert pd.api.types.is_integer_dtype(pop[col]), col
    for col in (
        "income",
        "income_ceiling",
        "income_to_ceiling",
        "rent_to_income",
        "oldest_child_age",
    ):
        assert pop[col].dtype == np.float64, col
    assert pop["age"].between(18, 99).all()
    edges = np.array(C.AGE_BAND_EDGES)
    expected_band = np.array(C.AGE_BANDS)[np.searchsorted(edges, pop["age"], side="right") - 1]
    assert (pop["age_band"].astype(str).to_numpy() == expected_band).all()


def test_internal_consistency():
    pop = c2sg_population(50_000, random_state=2)
    kids = pop["n_children"] > 0
    assert (pop["household_size"] >= 1).all()
    assert (pop["n_minors"] <= pop["n_children"]).all()
    assert pop.loc[kids, "oldest_child_age"].notna().all()
    assert pop.loc[~kids, "oldest_child_age"].isna().all()
    assert (pop.loc[kids, "oldest_child_age"] >= pop.loc[kids, "youngest_child_age"]).all()
    assert pop.loc[kids, "oldest_child_age"].between(0, 24).all()
    assert (pop["child_19_plus"] == (pop["oldest_child_age"] >= 19)).all()
    assert ((pop["n_minors"] > 0) == (pop["youngest_child_age"] < 18)).all()
    status = pop["family_status"].astype(str)
    assert (pop.loc[status == "alone", "household_size"] == 1).all()
    assert (pop.loc[status == "couple_no_child", "household_size"] == 2).all()
    assert (
        pop.loc[status.isin(["couple_with_children", "single_parent"]), "n_children"] >= 1
    ).all()
    assert (pop.loc[status.isin(["alone", "couple_no_child"]), "n_children"] == 0).all()
    sp = status == "single_parent"
    assert (pop.loc[sp, "household_size"] == 1 + pop.loc[sp, "n_children"]).all()
    cw = status == "couple_with_children"
    assert (pop.loc[cw, "household_size"] == 2 + pop.loc[cw, "n_children"]).all()
    # parents are at least 16 years older than their oldest child in the household
    assert (pop.loc[kids, "age"] - pop.loc[kids, "oldest_child_age"] >= 16).all()
    assert np.array_equal(pop["income_ceiling"], ceiling_for_size(pop["household_size"]))
    assert pop["income_to_ceiling"].between(0, 1).all()
    assert (pop["income"] <= pop["income_ceiling"]).all()
    np.testing.assert_allclose(pop["income_to_ceiling"], pop["income"] / pop["income_ceiling"])
    assert (pop["rent_to_income"] >= 0).all() and np.isfinite(pop["rent_to_income"]).all()
    assert (pop["recent_household_change"] >= pop["separated_recently"]).all()
    assert pop["irregular_probability"].between(0, 1).all()


def test_ceiling_matches_published_amounts():
    # Published C2SG ceilings, metropolitan France, 1 April 2023 - 31 March 2024
    np.testing.assert_array_equal(
        ceiling_for_size([1, 2, 3, 4, 5, 6]), [9719, 14578, 17494, 20409, 24296, 28183]
    )
    # the published euro amounts are the +50% / +30% / +30% / +40% rule, truncated
    multipliers = np.cumsum([1.0, 0.5, 0.3, 0.3, 0.4, 0.4])
    np.testing.assert_array_equal(
        ceiling_for_size(np.arange(1, 5)), np.floor(9719 * multipliers[:4])
    )
    with pytest.raises(sa.DataError):
        ceiling_for_size(0)


# -- calibration (n = 200,000, alpha = 0.001) --------------------------------------------------
def test_family_status_shares_match_calibration(big):
    counts = big["family_status"].value_counts().reindex(list(C.FAMILY_STATUSES)).to_numpy()
    expected = np.array([C.FAMILY_STATUS_SHARES[s] for s in C.FAMILY_STATUSES]) * len(big)
    assert stats.chisquare(counts, expected).pvalue > ALPHA
    # the two public figures (DREES, CMU-C 2003): 28% couples with children, 25% single parents
    for status, share in (("couple_with_children", 0.28), ("single_parent", 0.25)):
        k = int((big["family_status"] == status).sum())
        assert stats.binomtest(k, len(big), share).pvalue > ALPHA, status


def test_single_parents_are_mostly_women(big):
    sp = big[big["family_status"] == "single_parent"]
    k = int((sp["gender"] == "woman").sum())
    assert stats.binomtest(k, len(sp), 0.85).pvalue > ALPHA  # INSEE Première 1539
    woman_share = sum(
        C.FAMILY_STATUS_SHARES[s] * C.WOMAN_SHARE_BY_STATUS[s] for s in C.FAMILY_STATUSES
    )
    k_all = int((big["gender"] == "woman").sum())
    assert stats.binomtest(k_all, len(big), woman_share).pvalue > ALPHA
    assert woman_share > 0.55  # women over-represented among holders (docs/public-facts.md)


def test_irregular_base_rate(big):
    k = int(big["irregular"].sum())
    # the probabilities average exactly the base rate; the Poisson-binomial count is less
    # dispersed than a binomial, so the binomial test is conservative
    assert big["irregular_probability"].mean() == pytest.approx(C.ANOMALY_BASE_RATE, abs=1e-9)
    assert stats.binomtest(k, len(big), C.ANOMALY_BASE_RATE).pvalue > ALPHA


def test_person_level_age_structure_near_public_figures(big):
    # docs/public-facts.md: C2SG mean age 28, ~41% under 20 (2023); ~70% under 40 (CMU-C 2003).
    # These are targets of tuned assumptions (person-level expansion is approximate), so the
    # tolerance is substantive, not sampling: +-1.5 years and +-2 points.
    s = person_level_summary(big)
    assert s["mean_age"] == pytest.approx(28, abs=1.5)
    assert s["share_under_20"] == pytest.approx(0.41, abs=0.02)
    assert s["share_under_40"] == pytest.approx(0.70, abs=0.02)
    assert s["people_per_household"] == pytest.approx(2.5, abs=0.2)


def test_custom_shares_are_honoured():
    shares = {
        "alone": 0.1,
        "couple_no_child": 0.1,
        "couple_with_children": 0.2,
        "single_parent": 0.5,
        "other": 0.1,
    }
    pop = c2sg_population(100_000, random_state=4, family_status_shares=shares)
    counts = pop["family_status"].value_counts().reindex(list(shares)).to_numpy()
    assert stats.chisquare(counts, np.array(list(shares.values())) * len(pop)).pvalue > ALPHA


# -- realistic dependencies --------------------------------------------------------------------
def test_dependencies_between_columns(big):
    kids = big["n_children"] > 0
    # children and age: older holders have older children; under-25 holders have young ones
    corr = np.corrcoef(big.loc[kids, "age"], big.loc[kids, "oldest_child_age"])[0, 1]
    assert corr > 0.5
    assert big.loc[kids & (big["age"] < 25), "oldest_child_age"].max() <= 9
    assert big.loc[big["child_19_plus"] == 1, "age"].mean() > big.loc[kids, "age"].mean() + 5
    # income grows with household size (through the ceiling)
    by_size = big.groupby("household_size")["income"].mean()
    assert by_size.loc[1:5].is_monotonic_increasing
    # single mothers more often inactive than other holders of the same age band
    sm = (big["family_status"] == "single_parent") & (big["gender"] == "woman")
    inactive = big["activity_status"] == "inactive"
    band = big["age_band"] == "25-34"
    assert inactive[sm & band].mean() > inactive[~sm & band].mean() + 0.03
    # RSA rare among childless under-25s; income near the ceiling for the employed
    young_nc = (big["age"] < 25) & ~kids
    assert big.loc[young_nc, "receives_rsa"].mean() < 0.5 * big["receives_rsa"].mean()
    emp = big["activity_status"] == "employed"
    assert big.loc[emp, "income_to_ceiling"].mean() > big.loc[~emp, "income_to_ceiling"].mean()
    # anomalies rise near the ceiling (docs/public-facts.md)
    near = big["income_to_ceiling"] > 0.9
    assert big.loc[near, "irregular"].mean() > big.loc[~near, "irregular"].mean()


def test_truth_independent_of_gender_given_covariates_by_default():
    pop = c2sg_population(20_000, random_state=1)
    flipped = pop.copy()
    flipped["gender"] = pd.Categorical(
        np.where(pop["gender"] == "woman", "man", "woman"), categories=list(C.GENDERS)
    )
    np.testing.assert_allclose(
        sa.synthetic.anomaly_probability(flipped), pop["irregular_probability"]
    )


def test_truth_model_is_settable():
    coefs = dict(C.ANOMALY_COEFFICIENTS) | {"gender=woman": 1.0}
    pop = c2sg_population(
        100_000, random_state=1, anomaly_coefficients=coefs, anomaly_base_rate=0.05
    )
    assert pop["irregular_probability"].mean() == pytest.approx(0.05, abs=1e-9)
    by = pop.groupby("gender", observed=True)["irregular"].mean()
    assert by["woman"] > 1.8 * by["man"]
    const = c2sg_population(2_000, random_state=1, anomaly_model=lambda f: np.full(len(f), 0.5))
    assert (const["irregular_probability"] == 0.5).all()
    none = c2sg_population(2_000, random_state=1, include_truth=False)
    assert "irregular" not in none.columns


# -- bad parameters ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"n": 0}, "must be > 0; got 0."),
        ({"n": -5}, "must be > 0; got -5."),
        ({"n": 2.5}, "whole number"),
        ({"n": True}, "whole number"),
        ({"random_state": "x"}, "random_state"),
        ({"random_state": -1}, "random_state"),
        ({"scenario": "biased"}, "scenario"),
        ({"colour": "red"}, "'colour'"),
        (
            {
                "family_status_shares": {
                    "alone": 0.5,
                    "couple_no_child": 0.1,
                    "couple_with_children": 0.28,
                    "single_parent": 0.25,
                    "other": 0.05,
                }
            },
            "family_status_shares",
        ),
        ({"family_status_shares": {"alone": 0.5, "single_parent": 0.5}}, "missing"),
        (
            {"woman_share_by_status": dict(C.WOMAN_SHARE_BY_STATUS) | {"alone": 1.2}},
            "woman_share_by_status['alone']",
        ),
        ({"anomaly_base_rate": 0.0}, "anomaly_base_rate"),
        ({"anomaly_coefficients": {"shoe_size": 1.0}}, "shoe_size"),
        ({"anomaly_coefficients": {"gender=robot": 1.0}}, "robot"),
        ({"anomaly_coefficients": {"gender": 1.0}}, "gender=<category>"),
        ({"planted_effects": {"age_band": {"18-24": 1.0}}}, "planted_effects"),
        ({"planted_effects": {"gender": {"robot": 1.0}}}, "robot"),
        ({"planted_signal": 2.0}, "planted_signal"),
        (
            {
                "activity_shares_by_age_band": dict(C.ACTIVITY_SHARES_BY_AGE_BAND)
                | {"65+": (0.5, 0.5, 0.5, 0.0, 0.0)}
            },
            "activity_shares_by_age_band['65+']",
        ),
        ({"anomaly_model": lambda f: np.ones(3)}, "anomaly_model"),
    ],
)
def test_bad_parameters_give_clear_errors(kwargs, fragment):
    kwargs = {"n": 100} | kwargs
    n = kwargs.pop("n")
    with pytest.raises(sa.DataError) as err:
        c2sg_population(n, **kwargs)
    assert fragment in str(err.value)


def test_shares_error_says_the_sum():
    bad = dict(C.FAMILY_STATUS_SHARES) | {"alone": 0.45}
    with pytest.raises(sa.DataError, match=r"sum to 1\.1, not 1"):
        c2sg_population(10, family_status_shares=bad)
