# %% [markdown]
# # Bring your own model: a disclosed scorecard and a scikit-learn model
#
# An audit needs a model that can score files. Two common cases:
#
# 1. the agency **discloses a table of odds ratios** (as CNAF did for older versions of its
#    score, and as a CADA request can obtain): we turn the table into a
#    `sa.Scorecard`;
# 2. the model is a **fitted scikit-learn estimator** (an agency's own, or one we fit to show
#    what "learning from the results of controls" does): we wrap it with `sa.SklearnModel`.
#
# We audit both on the same synthetic files and compare them side by side.
#
# > **⚠️ Read this first.** The "disclosed" table below is **invented for this example**, in
# > the style of the criteria publicly reported for older CNAF models; its odds ratios are
# > assumptions. The scikit-learn model is fitted on the **synthetic** ground truth
# > (`irregular`), which is itself an assumption (`data/synthetic/README.md`). The comparison
# > shows how to audit and compare models, not how any real model behaves.

# %% [markdown]
# ## Parameters
#
# `N_ROWS` households are sampled from the bundled file (half to fit the scikit-learn model,
# half to audit both models); `N_ROWS = None` uses all 100,000.

# %% tags=["parameters"]
N_ROWS = 20_000   # None = all 100,000 bundled households
SEED = 0          # sampling, train/test split, tie lottery
BUDGET = 0.05     # share of files controlled

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import scoreaudit as sa
from scoreaudit import plots

np.random.seed(SEED)  # nothing below draws from the global generator; set for safety
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 3)
plt.rcParams["figure.dpi"] = 80

DATA = next(p / "data" / "synthetic" for p in [Path.cwd(), *Path.cwd().parents]
            if (p / "data" / "synthetic" / "c2sg_100k.parquet").exists())


def say(text):
    """Show a sentence computed from the data as Markdown."""
    display(Markdown(text))


frame = sa.io.read_data(DATA / "c2sg_100k.parquet")
if N_ROWS is not None:
    frame = frame.sample(n=N_ROWS, random_state=SEED).sort_index().reset_index(drop=True)
train, test = train_test_split(frame, test_size=0.5, random_state=SEED,
                               stratify=frame["irregular"])
train, test = train.reset_index(drop=True), test.reset_index(drop=True)
print(f"{len(train):,} files to fit the scikit-learn model, {len(test):,} to audit both models; "
      f"{train['irregular'].mean():.1%} of the training files are irregular.")

# %% [markdown]
# ## 1. A scorecard from a table of odds ratios
#
# Agencies disclose scores as a table: one row per variable and level, with its odds ratio
# (the reference level has 1). Here is such a table, as one would type it from a PDF:

# %%
disclosed = pd.DataFrame([
    # variable,            level,                   odds ratio
    ("family_status",      "alone",                 1.0),
    ("family_status",      "couple_no_child",       1.0),
    ("family_status",      "couple_with_children",  1.0),
    ("family_status",      "single_parent",         1.5),
    ("family_status",      "other",                 1.0),
    ("activity_status",    "employed",              1.0),
    ("activity_status",    "unemployed",            1.4),
    ("activity_status",    "inactive",              1.0),
    ("activity_status",    "student",               1.0),
    ("activity_status",    "retired",               1.0),
    ("receives_rsa",       0,                       1.0),
    ("receives_rsa",       1,                       1.3),
    ("income_unstable",    0,                       1.0),
    ("income_unstable",    1,                       1.8),
    ("separated_recently", 0,                       1.0),
    ("separated_recently", 1,                       1.6),
    ("child_19_plus",      0,                       1.0),
    ("child_19_plus",      1,                       1.3),
], columns=["variable", "level", "odds_ratio"])
INTERCEPT = -3.5  # log-odds of the reference profile, from the same (invented) table
disclosed.head(6)

# %% [markdown]
# Each variable becomes a `categorical` term; the level with odds ratio 1 listed first is the
# reference. Every level the data can hold must be listed (an unlisted value is an error,
# never a silent 0). A numeric criterion with thresholds would be a `bins` term (see the
# README, "Writing a model spec from a disclosed table").

# %%
terms = []
for variable, rows in disclosed.groupby("variable", sort=False):
    terms.append({
        "kind": "categorical",
        "variable": variable,
        "reference": rows.loc[rows["odds_ratio"] == 1.0, "level"].iloc[0],
        "odds_ratios": dict(zip(rows["level"], rows["odds_ratio"])),
        "note": "disclosed criterion, odds ratio from the (invented) table",
    })
card = sa.Scorecard.from_dict({
    "name": "disclosed-table",
    "version": "example",
    "description": "Scorecard typed from a table of odds ratios (invented for this notebook).",
    "sources": [{"citation": "Example table, notebooks/04_bring_your_own_model",
                 "disclosed": ["all odds ratios and the intercept"]}],
    "link": "logistic",
    "intercept": INTERCEPT,
    "terms": terms,
})
print(card.describe())

# %% [markdown]
# The same spec can be saved as YAML and checked with `scoreaudit model check <file>`. Its
# contributions are readable per file: `card.contributions(frame)` gives one column per term.

# %%
card.contributions(test.head(3))

# %% [markdown]
# ## 2. A scikit-learn model learned from the results of controls
#
# CNAM's score was "built by datamining on the results of random checks". We imitate that
# with a logistic regression fitted on the synthetic ground truth `irregular`, from inputs
# that do **not** include gender or age (a "no variable on sex or age" model), with a
# `Pipeline` that one-hot encodes the categorical inputs.

# %%
categorical = ["family_status", "activity_status"]
numeric = ["n_minors", "receives_rsa", "income_to_ceiling", "income_unstable",
           "rent_to_income", "recent_household_change", "separated_recently", "child_19_plus"]
pipeline = Pipeline([
    ("prepare", ColumnTransformer([
        ("onehot", OneHotEncoder(handle_unknown="ignore"), categorical),
        ("scale", StandardScaler(), numeric),
    ])),
    ("logit", LogisticRegression(max_iter=1000)),
])
pipeline.fit(train[categorical + numeric], train["irregular"])
learned = sa.SklearnModel(pipeline, name="learned-logit")
print(learned.features)

# %% [markdown]
# How well does each model find irregular files among the audit files? (Possible only
# because the data are synthetic: the truth is known for every file.)

# %%
auc = {m.name: roc_auc_score(test["irregular"], m.score(test)) for m in (card, learned)}
pd.Series(auc, name="AUC for irregular files (held-out)")

# %% [markdown]
# ## 3. Audit both, the same way
#
# Same audit files, same budget, same references; with `label="irregular"` the audit also
# reports precision and error rates per group.

# %%
pop = sa.Population(test, protected=["gender", "age_band", "family_status"], label="irregular")
REFERENCE = {"gender": "man", "age_band": "35-44", "family_status": "couple_with_children"}
results = {m.name: sa.audit(pop, m, policy=sa.Budget(share=BUDGET, random_state=SEED),
                            reference=REFERENCE, intersections=False)
           for m in (card, learned)}
results

# %%
def ratios(result):
    d = result.disparities.set_index(["attribute", "group"])
    return d[["ratio", "ratio_low", "ratio_high", "small_cell"]]


side = pd.concat({name: ratios(r) for name, r in results.items()}, axis=1)
side

# %%
# One row per compared group, one marker per model, on a log axis (ratios of 0 drawn at the
# left edge). plots.disparity_forest(result) draws one model at a time.
rows = side.index
fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
y = np.arange(len(rows))[::-1]
floor = 0.05
ax.axvspan(0.8, 1.25, color="0.9", label="four-fifths band (0.8 to 1.25)")
ax.axvline(1, color="black", lw=1)
for k, (name, marker, colour) in enumerate([("disclosed-table", "s", "#D55E00"),
                                            ("learned-logit", "o", "#0072B2")]):
    t = side[name]
    r = t["ratio"].clip(lower=floor)
    lo, hi = t["ratio_low"].clip(lower=floor), t["ratio_high"]
    ax.errorbar(r, y + (0.15 if k == 0 else -0.15), xerr=[r - lo, hi - r], fmt=marker,
                color=colour, capsize=2, label=name)
ax.set_xscale("log")
ax.set_xlim(floor, None)
ax.set_yticks(y, [f"{a}: {g} vs {REFERENCE[a]}" for a, g in rows])
ax.set_xlabel("Selection-rate ratio to the reference (95% interval, log scale)")
ax.set_title(f"Two models, same files, {BUDGET:.0%} budget")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
plt.show()

# %% [markdown]
# Precision and false-positive rate per group: does either model pick irregular files better
# for one group than another?

# %%
prec = pd.concat({name: r.groups.set_index(["attribute", "group"])[
    ["selection_rate", "precision", "fpr"]] for name, r in results.items()}, axis=1)
prec.loc["gender"]

# %%
a, b = (side[n].loc[("gender", "woman")] for n in results)
sa_, sb = (side[n].loc[("family_status", "single_parent")] for n in results)
pa, pb = (results[n].groups.set_index(["attribute", "group"]).loc[("gender", "woman"), "precision"]
          for n in results)
covers = b["ratio_low"] <= 1 <= b["ratio_high"]
say(f"At a {BUDGET:.0%} budget on {len(test):,} files, the disclosed-table scorecard selects "
    f"women's files **{a['ratio']:.2f}** times as often as men's (95% interval "
    f"{a['ratio_low']:.2f} to {a['ratio_high']:.2f}) and single parents {sa_['ratio']:.2f} "
    f"times as often as couples with children. The learned model, which reads neither gender "
    f"nor age, gives **{b['ratio']:.2f}** ({b['ratio_low']:.2f} to {b['ratio_high']:.2f}; "
    f"{'compatible' if covers else 'not compatible'} with equal selection) and "
    f"{sb['ratio']:.2f}. It is also the better detector (AUC {auc['learned-logit']:.2f} against "
    f"{auc['disclosed-table']:.2f}; precision on women's selected files {pb:.1%} against "
    f"{pa:.1%}).")
say("Why? In the synthetic world the truth does **not** depend on gender once household "
    "situation, income and activity are known (an assumption of the data, stated in the "
    "datasheet), so a model that tracks the truth has little reason to select by gender, while "
    "the scorecard's single-parent criterion does. Neither fact transfers to real data: with "
    "real outcomes a learned model can inherit whatever disparities the outcomes and its "
    "inputs carry. The point is that the audit measures every model the same way, whatever "
    "its origin, and that a selection disparity must be read beside precision and error "
    "rates by group.")

# %%
plots.precision_fpr(results["disclosed-table"], "gender")

# %% [markdown]
# ## 4. Which inputs carry the learned model's disparities?
#
# The explanation tools work on any model: the exact decomposition needs an additive
# scorecard, neutralisation and proxies do not. Here, single parents against couples with
# children in the learned model:

# %%
ex = results["learned-logit"].explain(random_state=SEED, attributes=["family_status"])
nt = ex.neutralisation
nt[nt["group"] == "single_parent"][["input", "ratio_before", "ratio_after", "ratio_after_low",
                                    "ratio_after_high", "rank"]]

# %%
top = nt[nt["group"] == "single_parent"].sort_values("rank").iloc[0]
say(f"Neutralising **{top['input']}** moves the learned model's single-parent ratio from "
    f"{top['ratio_before']:.2f} to {top['ratio_after']:.2f} (95% interval "
    f"{top['ratio_after_low']:.2f} to {top['ratio_after_high']:.2f}), the largest move towards "
    "parity among its inputs.")

# %% [markdown]
# ## Notes
#
# - `sa.SklearnModel` scores with `predict_proba` (the positive class's column) when it
#   exists, else `decision_function`; it reads exactly the columns the pipeline was fitted
#   on. A fitted model received as a file is loaded with `sa.load_model("model.skops",
#   trusted=[...])`; pickles are refused unless you trust the sender, because opening one
#   runs code.
# - Models fitted on the outcomes of *score-picked* controls learn from a biased sample (the
#   files the previous score chose). Here the model learns from the truth of every training
#   file, which no agency has; the random controls are what comes closest.
