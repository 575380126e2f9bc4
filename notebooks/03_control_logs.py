# %% [markdown]
# # Auditing without the model: control logs and published tables
#
# Agencies rarely disclose their model. An advocacy group with a freedom-of-information
# request (in France, a CADA request) is more likely to obtain one of two things:
#
# 1. a **log of controls**: for each control, who was controlled, whether the file was picked
#    by the score or at random, and what the control found (the Swedish parental-benefit
#    audit by Lighthouse Reports and Svenska Dagbladet, 2024, worked from such a log);
# 2. an **aggregate table**: a confusion matrix (flagged or not, irregular or not) per group,
#    counts or percentages (Amsterdam's "Slimme Check", 2025).
#
# This notebook audits both, then answers the question to settle *before* sending the request:
# **how many control records should we ask for?**
#
# > **⚠️ Read this first.** Both files are **synthetic** (`data/synthetic/README.md`). The
# > control log was simulated with a *planted* score that favours women by a known amount, so
# > that we can check the audit recovers it; the published table comes from the
# > `c2sg-reconstruction` model, whose **coefficients are assumptions**. Nothing here
# > describes real controls.

# %% [markdown]
# ## Parameters
#
# The bundled log and table are small and are read whole. `N_ROWS` is the size of the
# population generated in section 4, where we simulate the answer to a request of our own
# design; the full size is `N_ROWS = None` (100,000 households).

# %% tags=["parameters"]
N_ROWS = 20_000      # households generated in section 4; None = 100,000
SEED = 0             # seed of the generated population, the simulated log and the bootstrap
N_BOOT = 1000        # bootstrap replicates for population-level rates
POPULATION = 100_000  # size of the population the bundled log was drawn from (documented)

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import scoreaudit as sa
from scoreaudit import power

np.random.seed(SEED)  # nothing below draws from the global generator; set for safety
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 3)
plt.rcParams["figure.dpi"] = 80

DATA = next(p / "data" / "synthetic" for p in [Path.cwd(), *Path.cwd().parents]
            if (p / "data" / "synthetic" / "c2sg_controls.csv").exists())


def say(text):
    """Show a sentence computed from the data as Markdown."""
    display(Markdown(text))


def interval(row, col="ratio", digits=2):
    return (f"{row[col]:.{digits}f} (95% interval {row[col + '_low']:.{digits}f} to "
            f"{row[col + '_high']:.{digits}f})")

# %% [markdown]
# ## 1. The answer to the request: a log of controls
#
# One row per control. We drop what an agency would not send: the ground truth
# (`irregular`), the score and its rank. What remains is what a CADA answer could plausibly
# contain.

# %%
raw = sa.io.read_data(DATA / "c2sg_controls.csv")
received = raw.drop(columns=["irregular", "score", "score_rank"])
print(f"{len(received):,} controls; by selection method:",
      received["selection_method"].value_counts().to_dict(),
      "; results:", received["result"].value_counts().to_dict())
received.head()

# %% [markdown]
# `sa.ControlLog` validates the log: which column says how a file was picked (and which value
# means "at random"), which column holds the outcome (and which value means an irregularity
# was found), and the size of the population the controls were drawn from (here documented:
# the 100,000 households of the bundled population). The estimator assumes the random
# controls are a simple random sample of *all* files and that files were picked before the
# outcome was known: `help(sa.controls)` states every assumption.

# %%
log = sa.ControlLog(received, protected=["gender", "age_band", "family_status"],
                    selected_by="selection_method", random_value="random",
                    outcome="result", positive="errors found",
                    population_size=POPULATION)
res = sa.audit_controls(log, reference={"gender": "man"}, n_boot=N_BOOT, random_state=SEED)
res

# %% [markdown]
# ## 2. What the log says, group by group
#
# - **share** (among random controls) estimates the group's share of the population;
#   **selected_share** is its share among the files the score picked. Their ratio is the
#   **representation ratio**: above 1, the score over-represents the group.
# - **base_error_rate**: the share of *random* controls that found an error, i.e. the
#   group's true error rate; **precision**: the same among score-picked controls.
# - With the population size: the estimated **selection rate** (files picked per file in
#   the group), the **false-positive rate** (files without error that were picked, per file
#   without error) and the **false-negative rate** (files with errors that were missed),
#   with bootstrap intervals.

# %%
G = ["attribute", "group", "random_controls", "score_controls", "share", "selected_share",
     "representation_ratio", "base_error_rate", "precision", "selection_rate", "fpr", "fnr"]
single = ~res.groups["attribute"].str.contains("×")
res.groups.loc[single, G]

# %%
gender = res.disparities.query("attribute == 'gender' and group == 'woman'")
gender[["metric", "reference", "rate", "reference_rate", "ratio", "ratio_low", "ratio_high",
        "p_adjusted", "note"]]

# %%
gw = gender.set_index("metric")
n_score = int(log.summary()["score_controls"])
truth = sa.synthetic.true_selection_ratio(budget=n_score / POPULATION)
say(f"From the log alone: women's files are picked by the score "
    f"**{interval(gw.loc['selection_rate'])} times** as often as men's. Women make up "
    f"{gw.loc['representation', 'reference_rate']:.1%} of the random controls (the population) "
    f"but {gw.loc['representation', 'rate']:.1%} of the score-picked ones. Their true error "
    f"rate, estimated from the random controls, is not measurably different from men's: ratio "
    f"{interval(gw.loc['base_error_rate'])}, an interval so wide that it says little, because "
    f"only {int(log.summary()['random_controls'])} controls were random. Their false-positive "
    f"rate is {interval(gw.loc['fpr'])} times men's.")
lo, hi = gw.loc["selection_rate", "ratio_low"], gw.loc["selection_rate", "ratio_high"]
say(f"**Check against the truth** (possible only because the data are synthetic): the score "
    f"that generated this log was planted to select women at **{truth:.2f}** times men's rate "
    f"at this budget; the audit's interval [{lo:.2f}, {hi:.2f}] "
    f"{'covers' if lo <= truth <= hi else 'does NOT cover'} it.")

# %% [markdown]
# The library's figures draw a model audit (`AuditResult`); the tables of a control audit are
# easy to draw directly. Representation: each group's share of the population (random
# controls) against its share of the score's picks.

# %%
rep = res.groups.loc[single].reset_index(drop=True)
fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
y = np.arange(len(rep))[::-1]
for col, label, marker, shift in [("share", "share of random controls (population)", "o", 0.15),
                                  ("selected_share", "share of score-picked controls", "s", -0.15)]:
    err = np.vstack([rep[col] - rep[col + "_low"], rep[col + "_high"] - rep[col]])
    ax.errorbar(rep[col], y + shift, xerr=err, fmt=marker, capsize=2, label=label)
ax.set_yticks(y, [f"{a}: {g}" for a, g in zip(rep["attribute"], rep["group"])])
ax.set_xlabel("Share of controls (95% Wilson interval)")
ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
ax.set_title("Who the score picks, against who is in the population")
plt.show()

# %% [markdown]
# The **agency rule** used in the Swedish case flags a group whose share halves, doubles or
# moves by 30 percentage points between the population and the score's picks. The
# four-fifths rule flags a representation ratio below 0.8 or above 1.25:

# %%
flags = res.disparities.query("metric == 'representation' and not attribute.str.contains('×')")
flags[["attribute", "group", "rate", "reference_rate", "ratio", "ratio_low", "ratio_high",
       "below_four_fifths", "agency_rule"]]

# %% [markdown]
# `res.warnings` says what the log cannot support: groups with no random control have no
# estimable population share, and small groups can give negative estimated cells (more errors
# found by the score than the random sample implies exist).

# %%
for w in res.warnings:
    print("-", w[:300] + (" ..." if len(w) > 300 else ""))

# %% [markdown]
# ## 3. The answer to the request: a table of confusion matrices
#
# The other common answer: per group, how many files were flagged and how many were
# irregular. The bundled table gives, per gender × age band, the confusion matrix of the
# `c2sg-reconstruction` score at a 5% budget against the synthetic truth, as whole counts
# *and* as the percentages a report would print.

# %%
table = sa.io.read_data(DATA / "c2sg_confusion_counts.csv")
table

# %%
counts = sa.audit_counts(table, group=["gender", "age_band"], tp="tp", fp="fp", tn="tn",
                         fn="fn", reference={"gender": "man", "age_band": "35-44"})
counts

# %%
cg = counts.disparities.query("attribute == 'gender'")
cg[["metric", "group", "reference", "rate", "reference_rate", "ratio", "ratio_low",
    "ratio_high", "p_adjusted"]]

# %%
cw = cg.set_index("metric")
say(f"From the counts: women's files are flagged {interval(cw.loc['selection_rate'], digits=1)} "
    f"times as often as men's; among files *without* irregularity, women's are flagged "
    f"{interval(cw.loc['fpr'], digits=1)} times as often (false-positive rate). The precision "
    f"of a flag on a woman's file is {cw.loc['precision', 'rate']:.1%} against "
    f"{cw.loc['precision', 'reference_rate']:.1%} for a man's; ratio "
    f"{interval(cw.loc['precision'])}. Flagging women far more often does not make a flag "
    "more likely to find an error.")

# %% [markdown]
# Often only percentages are published, rounded to one decimal. `audit_counts` rebuilds the
# counts from a group size and rates, and says where the published figures do not pin them
# down. With the same table, but only `n` and the percentage columns:

# %%
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the same messages are kept in pct.warnings
    pct = sa.audit_counts(table, group=["gender", "age_band"], n="n",
                          selection_rate="selected_pct", precision="precision_pct",
                          prevalence="prevalence_pct", decimals=1,
                          reference={"gender": "man", "age_band": "35-44"})
for w in pct.warnings:
    print("-", w)

# %%
compare = pd.DataFrame({
    "from counts": counts.groups.set_index(["attribute", "group"])["selected"],
    "rebuilt from percentages": pct.groups.set_index(["attribute", "group"])["selected"]})
compare["difference"] = compare["rebuilt from percentages"] - compare["from counts"]
compare.loc[["gender", "age_band"]]

# %%
pw = pct.disparities.query("attribute == 'gender' and metric == 'selection_rate'").iloc[0]
men_rebuilt = int(compare.loc[("gender", "man"), "rebuilt from percentages"])
men_counted = int(compare.loc[("gender", "man"), "from counts"])
men_text = (f"stay at {men_counted}" if men_rebuilt == men_counted
            else f"become {men_rebuilt} instead of {men_counted}")
off = compare["difference"].abs()
say(f"Rebuilt from rounded percentages, men's flagged files {men_text}; across these groups "
    f"the rebuilt counts are off by up to {off.max():.0f} files, and the women/men ratio is "
    f"{interval(pw, digits=1)} instead of {cw.loc['selection_rate', 'ratio']:.1f}. When a "
    "group is rarely flagged, one decimal of a percentage is worth many files: **ask for "
    "counts, not percentages.**")

# %% [markdown]
# ## 4. Before sending the request: how many control records?
#
# A log with too few random controls cannot say much (section 2: the true error rates had
# intervals spanning several-fold). `sa.power` answers with the audit's own test and its
# multiple-testing correction. For a control log, the question is: how many records `M`, of
# which a share `r` picked at random, are needed to detect that the score selects a group at
# `ratio` times the rate of the rest of the population (80% power, 5% level, Holm over the
# planned comparisons)?

# %%
shares = {
    "women": float(np.mean(received.loc[received["selection_method"] == "random", "gender"]
                           == "woman")),
    "single parents": 0.25,   # DREES figure (docs/public-facts.md)
    "single mothers under 25": 0.008,  # about 0.8% of files in the synthetic population
}
comparisons = 13  # gender (2) + age band (6) + family status (5) representation comparisons
rows = []
for group, g in shares.items():
    for random_share in (0.1, 0.2, 0.5):
        row = {"group": group, "population share": g, "random share": random_share}
        for ratio in (1.25, 1.5, 2.0):
            row[f"records for ratio {ratio}"] = int(power.sample_size(
                None, ratio=ratio, group_share=g, random_share=random_share,
                comparisons=comparisons))
        rows.append(row)
plan = pd.DataFrame(rows)
plan

# %%
M = len(received)
r = float(np.mean(received["selection_method"] == "random"))
can = power.detectable(M, group_share=shares["women"], random_share=r, comparisons=comparisons)
small = power.detectable(M, group_share=shares["single mothers under 25"], random_share=r,
                         comparisons=comparisons)
need = plan.set_index(["group", "random share"])
say(f"The bundled log has {M:,} records, {r:.0%} of them random. For women "
    f"({shares['women']:.0%} of the population) it could detect a ratio of "
    f"{float(can.ratio):.2f} or more (in the library's words: "
    f"*{power.explain_detectable(float(can.ratio))}*). For single "
    f"mothers under 25, the smallest detectable ratio is {float(small.ratio):.1f}. To detect "
    f"a ratio of 1.5 for them, ask for about "
    f"{need.loc[('single mothers under 25', 0.2), 'records for ratio 1.5']:,} records with 20% "
    f"random controls, or "
    f"{need.loc[('single mothers under 25', 0.5), 'records for ratio 1.5']:,} with half of "
    "them random: **ask for the random controls, not only for more records.**")

# %% [markdown]
# ### Simulating the request
#
# Before sending it, we can simulate the answer: a population of `N_ROWS` households with the
# planted score, a year of controls with 20% random controls, and the audit of that log. The
# planted truth tells us whether the audit would have found the disparity.

# %%
synthetic = sa.synthetic.c2sg_population(N_ROWS or 100_000, random_state=SEED,
                                         scenario="planted")
sim_log = sa.synthetic.control_log(synthetic, sa.ScoreColumn("score"), budget=0.05,
                                   random_share=0.2, random_state=SEED)
sim = sa.audit_controls(
    sa.ControlLog(sim_log.drop(columns=["irregular", "score", "score_rank"]),
                  protected=["gender", "age_band", "family_status"],
                  population_size=len(synthetic)),
    reference={"gender": "man"}, n_boot=N_BOOT, random_state=SEED)
sel = sim.disparities.query("attribute == 'gender' and metric == 'selection_rate'").iloc[0]
n_sim_score = int((sim_log["selection_method"] == "score").sum())
sim_truth = sa.synthetic.true_selection_ratio(budget=n_sim_score / len(synthetic))
n_sim_random = int((sim_log["selection_method"] == "random").sum())
say(f"A simulated log of {len(sim_log):,} controls ({n_sim_random:,} random) on "
    f"{len(synthetic):,} households gives a women/men selection ratio of {interval(sel)}; "
    f"the planted truth is {sim_truth:.2f}.")

# %% [markdown]
# ## What this notebook shows, and what it does not
#
# - A log of random and score-picked controls is enough to measure who the score picks, how
#   precise its picks are per group, and its false-positive rates, **without the model**:
#   but only under the estimator's assumptions (random controls drawn from all files, picks
#   made before outcomes), which the request should ask the agency to confirm.
# - The random controls are the scarce resource: they alone estimate the population and the
#   true error rates. Ask for them explicitly, with counts rather than rounded percentages.
# - All figures above come from synthetic files; they illustrate the method, not any real
#   agency's controls.
