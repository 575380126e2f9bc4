# %% [markdown]
# # The C2SG allegation, step by step
#
# In December 2024, La Quadrature du Net and unions reported that the score CNAM (the French
# national health insurance fund) uses to pick C2SG households (free complementary health
# insurance) for control singles out **young, isolated, precarious mothers**. A 2020 internal
# CNAM presentation described the riskiest profile as *"une femme", "plus de 25 ans", "au
# moins un mineur dans le foyer"*, and reporting adds that anomalies rise for incomes close to
# the C2SG ceiling. CNAM answers that its current model has *"aucune variable relative au sexe
# ... ni à l'âge"* (no variable on sex or age). Sources: the project's public fact sheet,
# [`docs/public-facts.md`](../docs/public-facts.md), and the `sources:` of each model spec.
#
# This notebook asks the unions' question of two **reconstructions** built from those
# criteria, on a **synthetic** population:
#
# 1. `c2sg-reconstruction`: the reported criteria, gender and age included;
# 2. `c2sg-no-protected`: the same without the gender and age terms, the "no variable on sex
#    or age" case; then, with the explanation tools, how much disparity remains and which
#    inputs carry it.
#
# > **⚠️ What this notebook can and cannot tell you.**
# >
# > **The coefficients are assumptions.** The criteria (woman, over 25, a minor in the
# > household, income close to the ceiling) are publicly reported; the odds ratios, the bin
# > edges, the intercept, and the two extra criteria (single-parent family, recent household
# > change) are **chosen by the scoreaudit maintainers**. CNAM's real odds ratios were obtained
# > by La Quadrature du Net but are not public. **The population is synthetic**: calibrated on
# > public figures where they exist (household types, ceilings, ages), assumed elsewhere
# > (incomes, activity, the ground truth), see `data/synthetic/README.md`.
# >
# > **You may conclude** what a score built on these criteria *can* do to such a population:
# > which groups such criteria push to the top, by how much at a given control budget, and
# > through which inputs a disparity travels when gender and age are removed. You may use
# > the method, unchanged, on the real model and data if they are disclosed.
# >
# > **You may not conclude** anything about what CNAM's score actually does, how often real
# > mothers are controlled, or whether CNAM discriminates: no number below is a measurement
# > of the real system.

# %% [markdown]
# ## Parameters
#
# The group at the heart of the question, single mothers under 25, is under 1% of
# households, so this notebook samples 50,000 of the 100,000 bundled households by default
# (still a few seconds). `N_ROWS = None` audits the full file; every number in the text is
# computed from the data, so it follows.

# %% tags=["parameters"]
N_ROWS = 50_000                      # None = all 100,000 bundled households
SEED = 0                             # sampling seed; also the seed of every random draw below
BUDGET = 0.05                        # share of files controlled (the main policy)
BUDGETS = [0.01, 0.02, 0.05, 0.10, 0.20, 0.50]  # budgets compared with result.curve
N_REPEATS = 5                        # random draws averaged when an input is neutralised

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import scoreaudit as sa
from scoreaudit import explain_plots, plots

np.random.seed(SEED)  # nothing below draws from the global generator; set for safety
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 3)
plt.rcParams["figure.dpi"] = 80

DATA = next(p / "data" / "synthetic" for p in [Path.cwd(), *Path.cwd().parents]
            if (p / "data" / "synthetic" / "c2sg_100k.parquet").exists())


def ratio_text(row, digits=1):
    """'2.2 (95% interval 2.1 to 2.4)' from a row with ratio, ratio_low, ratio_high."""
    r, lo, hi = row["ratio"], row["ratio_low"], row["ratio_high"]
    if not np.isfinite(r):
        return f"infinite (the reference has no selected file; interval from {lo:.{digits}f})"
    return f"{r:.{digits}f} (95% interval {lo:.{digits}f} to {hi:.{digits}f})"


def say(text):
    """Show a sentence computed from the data as Markdown."""
    display(Markdown(text))


def show(fig):
    """Display a figure exactly once (some figure functions also register it with pyplot)."""
    display(fig)
    plt.close(fig)

# %% [markdown]
# ## 1. The population and the question, in columns
#
# The allegation names four traits. In the synthetic data they map to columns as follows:
#
# | trait | column(s) |
# | --- | --- |
# | mother | `gender == "woman"` and `n_minors >= 1` (a child under 18 in the household) |
# | isolated | `family_status == "single_parent"` (a parent without a partner) |
# | young | `age_band` (`18-24`, `25-34`, ...), or `age < 25` |
# | precarious | `receives_rsa == 1` (the household receives the RSA minimum income) |

# %%
frame = sa.io.read_data(DATA / "c2sg_100k.parquet")
if N_ROWS is not None:
    frame = frame.sample(n=N_ROWS, random_state=SEED).sort_index().reset_index(drop=True)

mother = (frame["gender"] == "woman") & (frame["n_minors"] >= 1)
single = frame["family_status"] == "single_parent"
young = frame["age"] < 25
rsa = frame["receives_rsa"] == 1
print(f"{len(frame):,} households; women hold {np.mean(frame['gender'] == 'woman'):.1%} of the "
      f"files; {np.mean(mother):.1%} are mothers with a minor, {np.mean(mother & single):.1%} "
      f"single mothers, {np.mean(mother & single & young):.2%} single mothers under 25 "
      f"({np.sum(mother & single & young):,} files); {np.mean(rsa):.1%} receive the RSA.")
print(f"Single parents who are women: {np.mean(frame.loc[single, 'gender'] == 'woman'):.0%}.")

# %%
pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
recon = sa.examples.model("c2sg-reconstruction")
noprot = sa.examples.model("c2sg-no-protected")
print(recon.describe())

# %% [markdown]
# ## 2. The reconstruction, at a 5% budget
#
# ### Choosing the references
#
# A ratio compares a group's selection rate with a **reference** group's. The natural default
# is the largest group; here that fails for family status. This score is a sum of a few
# categorical terms, so it takes only a few dozen distinct values, and at 5% the top of the
# ranking is filled entirely by households with a minor. Look at the counts first:

# %%
first = sa.audit(pop, recon, policy=sa.Budget(share=BUDGET, random_state=SEED),
                 intersections=False)
first.groups[["attribute", "group", "n", "selected", "selection_rate"]]

# %%
fam = first.groups[first.groups["attribute"] == "family_status"].set_index("group")
zero = [g for g in fam.index if fam.loc[g, "selected"] == 0]
say(f"At a {BUDGET:.0%} budget, **{', '.join(zero)}** households have **no** selected file "
    f"(the largest family group, `alone`, has {int(fam.loc['alone', 'n']):,} files). A ratio "
    f"to such a reference is infinite (every group 'is selected infinitely more often') and "
    "its interval rests on a count of zero: the comparison says nothing useful. We therefore "
    "take as references:")

# %% [markdown]
# - **gender: men** (the comparison the allegation makes);
# - **age band: 35-44**, the largest band;
# - **family status: couples with children**, the closest comparison for single parents
#   (parents *with* a partner against parents *without* one), and a group with selected files
#   at 5%;
# - **intersections**: the cell of women in a couple with children (`woman × couple_with_
#   children`, aged 35-44 for the three-way intersection): the cell of *men* in a couple with
#   children, the default, has no selected file at 5% either. The question "are single
#   mothers selected more than mothers in a couple?" is then read directly off the table.
#
# Where a reference has no selected file at some budget (the budget curve below), we report
# the selection rates themselves and say so, rather than an infinite ratio.

# %%
REFERENCE = {
    "gender": "man",
    "age_band": "35-44",
    "family_status": "couple_with_children",
    "gender × family_status": "woman × couple_with_children",
    "gender × age_band": "woman × 35-44",
    "age_band × family_status": "35-44 × couple_with_children",
    "gender × age_band × family_status": "woman × 35-44 × couple_with_children",
}
res = sa.audit(pop, recon, policy=sa.Budget(share=BUDGET, random_state=SEED),
               reference=REFERENCE, intersections=True)
res

# %%
COLS = ["attribute", "group", "reference", "n", "selection_rate", "reference_rate", "ratio",
        "ratio_low", "ratio_high", "p_adjusted", "small_cell"]
d = res.disparities
d.loc[~d["attribute"].str.contains("×"), COLS]

# %%
plots.disparity_forest(res)

# %%
D = res.disparities.set_index(["attribute", "group"])
with_minor = frame.assign(minor=frame["n_minors"] >= 1).groupby(
    "age_band", observed=True)["minor"].mean()
w = D.loc[("gender", "woman")]
men_selected = int(res.groups.set_index(["attribute", "group"]).loc[("gender", "man"), "selected"])
sp = D.loc[("family_status", "single_parent")]
a18 = D.loc[("age_band", "18-24")]
say(f"With the reconstruction at a {BUDGET:.0%} budget, women's files are selected "
    f"**{ratio_text(w)} times** as often as men's ({w['selection_rate']:.1%} against "
    f"{w['reference_rate']:.2%}; {men_selected} men's files selected). Single parents are "
    f"selected **{ratio_text(sp)} times** as often as couples with children. But the "
    f"youngest holders (18-24) are selected *less* than those aged 35-44: ratio "
    f"{ratio_text(a18, 2)}. The score reads 'over 25' as a risk "
    f"factor, and fewer of the youngest holders have a minor in the household "
    f"({with_minor['18-24']:.0%} of those aged 18-24, against {with_minor['35-44']:.0%} of "
    "those aged 35-44).")

# %% [markdown]
# ### Intersections: single mothers against mothers in a couple
#
# The disparity table holds every intersection. Selection rates read more easily than ratios
# here: the heatmap shows the ratio of each cell of gender × family status to mothers in a
# couple, and the table gives the three-way cells of single parents.

# %%
plots.intersection_heatmap(res, "family_status", "gender")

# %%
g = res.groups
three = g[(g["attribute"] == "gender × age_band × family_status")
          & g["group"].str.endswith("single_parent")]
three[["group", "n", "selected", "selection_rate", "selection_rate_low",
       "selection_rate_high", "small_cell"]]

# %% [markdown]
# ### The allegation's profile, trait by trait
#
# The protected attributes do not include precarity, and "mother" combines gender with the
# presence of a minor. A second audit on two derived attributes answers the question as it
# was asked: **profile** (young single mother, single mother aged 25 or more, other mother,
# everyone else) crossed with **RSA** receipt. Each group is compared with all other files
# (`reference="rest"`): "selected *k* times as often as everyone else".

# %%
profile = np.select([mother & single & young, mother & single, mother],
                    ["young single mother (<25)", "single mother (25+)", "other mother"],
                    "no mother (man, or no minor)")
derived = frame.assign(
    profile=pd.Categorical(profile, categories=["young single mother (<25)",
                                                "single mother (25+)", "other mother",
                                                "no mother (man, or no minor)"]),
    rsa=pd.Categorical(np.where(rsa, "RSA", "no RSA"), categories=["RSA", "no RSA"]))
pop_profile = sa.Population(derived, protected=["profile", "rsa"])


def profile_table(model):
    r = sa.audit(pop_profile, model, policy=sa.Budget(share=BUDGET, random_state=SEED),
                 reference="rest", intersections=True, threshold_free=False)
    t = r.disparities[["attribute", "group", "n", "selection_rate", "ratio", "ratio_low",
                       "ratio_high", "small_cell"]]
    return r, t.rename(columns={"ratio": "ratio_to_rest"})


prof_recon, table = profile_table(recon)
table

# %%
P = prof_recon.disparities.set_index("group")
ysm, osm, rsa_row = (P.loc["young single mother (<25)"], P.loc["single mother (25+)"],
                     P.loc["RSA"])
say(f"**Mothers, and above all single mothers: yes.** Single mothers aged 25 or more are "
    f"selected {ratio_text(osm)} times as often as all other files. **Young: only in part.** "
    f"Single mothers under 25 are selected {ratio_text(ysm)} times as often as the rest, well "
    f"above average but less than older single mothers, because the reported criterion is "
    f"'over 25'. **Precarious: no, the opposite.** Households on the RSA are selected "
    f"{ratio_text(rsa_row, 2)} times as often as the others: the 'income close to the "
    "ceiling' criterion points at the *least* poor of C2SG beneficiaries.")

# %% [markdown]
# ### Across budgets
#
# The 5% budget is itself an assumption (CNAM's budget is not public). `result.curve` has
# every group's selection rate and ratio at budgets from 1% to 100%:

# %%
curve = res.curve
wc = curve[(curve["attribute"] == "gender") & (curve["group"] == "woman")].set_index("budget")
mc = curve[(curve["attribute"] == "gender") & (curve["group"] == "man")].set_index("budget")
by_budget = pd.DataFrame({
    "women_rate": wc["selection_rate"], "men_rate": mc["selection_rate"],
    "men_selected": mc["selected"], "ratio": wc["ratio"], "ratio_low": wc["ratio_low"],
    "ratio_high": wc["ratio_high"]}).loc[BUDGETS]
by_budget

# %%
first_man = float(mc.index[mc["selected"] > 0].min())
enough_men = float(mc.index[mc["selected"] >= 11].min())
finite = by_budget[np.isfinite(by_budget["ratio"])]
say(f"Below a {first_man:.0%} budget **no man's file at all is selected**: every control goes "
    f"to a woman and the ratio is infinite. At least 11 men's files are selected from a "
    f"{enough_men:.0%} budget on. The ratio does not settle as the budget grows: it goes "
    + ", ".join(f"{r:.1f} at {b:.0%}" for b, r in finite["ratio"].items())
    + ". The score takes few distinct values, so the budget moves through whole blocks of "
    "identical profiles: a small budget takes only the top blocks, where modest odds ratios "
    "compound, and whether a block of men's files falls inside depends on the exact budget. "
    "At small budgets read the selection rates and the counts, not the ratio alone.")

# %%
plots.budget_curve(res, "family_status")

# %% [markdown]
# ## 3. "No variable on sex or age": `c2sg-no-protected`
#
# The same score without its gender, age and "mother" terms: it reads only the number of
# minors, income relative to the ceiling, family status and recent household changes. Same
# population, same budget, same references.

# %%
res_np = sa.audit(pop, noprot, policy=sa.Budget(share=BUDGET, random_state=SEED),
                  reference=REFERENCE, intersections=True)
print(noprot.describe())

# %%
cols = ["ratio", "ratio_low", "ratio_high"]
both = (res.disparities.set_index(["attribute", "group"])[cols].add_suffix("_recon")
        .join(res_np.disparities.set_index(["attribute", "group"])[cols].add_suffix("_no_protected")))
both.loc[[i for i in both.index if "×" not in i[0]]]

# %%
plots.disparity_forest(res_np)

# %%
Dn = res_np.disparities.set_index(["attribute", "group"])
wn = Dn.loc[("gender", "woman")]
prof_np, table_np = profile_table(noprot)
Pn = prof_np.disparities.set_index("group")
say(f"Without any variable on sex or age, women's files are still selected **{ratio_text(wn)} "
    f"times** as often as men's (against {w['ratio']:.1f} with the gender and age terms). "
    f"Single mothers under 25 are now selected {ratio_text(Pn.loc['young single mother (<25)'])} "
    f"times as often as the rest, and single mothers aged 25 or more "
    f"{ratio_text(Pn.loc['single mother (25+)'])} times: without the 'over 25' term, young "
    "single mothers are no longer scored below older ones. The disparity by gender shrinks "
    "but does not disappear.")

# %%
table_np

# %% [markdown]
# ## 4. Which inputs carry the remaining disparity?
#
# `result.explain()` answers with four tables (see `help(sa.explain.explain)`):
#
# - **protected_neutralised**: how much of each ratio remains when the protected attribute's
#   own column is neutralised (shuffled across files). For a model that does not read it, all
#   of it remains, by construction: the disparity travels through other inputs.
# - **neutralisation**: the ratio after neutralising each *input* in turn; the input whose
#   neutralisation brings the ratio closest to 1 carries most of it.
# - **proxies**: how well each input alone predicts each protected attribute.
# - **decomposition** (scorecards only): the gap in mean score (log-odds) between two
#   groups, split term by term, exactly.

# %%
ex = res_np.explain(n_repeats=N_REPEATS, random_state=SEED,
                    inputs={"n_minors": ["n_minors"], "family_status": ["family_status"],
                            "income_to_ceiling": ["income_to_ceiling"],
                            "recent_household_change": ["recent_household_change"],
                            "household composition (n_minors + family_status)":
                                ["n_minors", "family_status"],
                            "household composition + recent change":
                                ["n_minors", "family_status", "recent_household_change"]})
ex.protected_neutralised[["attribute", "group", "reference", "model_reads_attribute",
                          "ratio_before", "ratio_after", "remaining"]]

# %%
nt = ex.neutralisation
gender_nt = nt[(nt["attribute"] == "gender") & (nt["group"] == "woman")]
gender_nt[["input", "ratio_before", "ratio_after", "ratio_after_low", "ratio_after_high",
           "ratio_after_sd", "rate_gap_share", "rank"]]

# %%
show(explain_plots.plot_neutralisation(ex, "woman", attribute="gender"))

# %%
by_input = gender_nt.set_index("input")
hh = by_input.loc["household composition (n_minors + family_status)"]
fs, nm, inc = (by_input.loc["family_status"], by_input.loc["n_minors"],
               by_input.loc["income_to_ceiling"])
hh_change = by_input.loc["household composition + recent change"]
change_rate = frame.groupby("gender", observed=True)["recent_household_change"].mean()
say(f"The woman/man ratio of {hh['ratio_before']:.2f} falls to **{hh['ratio_after']:.2f}** "
    f"(95% interval {hh['ratio_after_low']:.2f} to {hh['ratio_after_high']:.2f}) when "
    "**household composition** (family status and the number of minors together) is "
    f"neutralised: it carries most of the gender disparity. Alone, family status brings the "
    f"ratio to {fs['ratio_after']:.2f} and the number of minors to {nm['ratio_after']:.2f} "
    "(each carries the other in part: single parents have minors). Recent household changes "
    f"carry a smaller part: they are a little more frequent in women's files "
    f"({change_rate['woman']:.1%} against {change_rate['man']:.1%}), and neutralising them "
    f"together with household composition leaves a ratio of {hh_change['ratio_after']:.2f} "
    f"(95% interval {hh_change['ratio_after_low']:.2f} to {hh_change['ratio_after_high']:.2f}). "
    f"Income relative to the ceiling does not carry it (neutralised, the ratio is "
    f"{inc['ratio_after']:.2f}).")

# %% [markdown]
# Why household composition? Because it is a **proxy** for gender: most single parents are
# women (85% in the public figure the data are calibrated on). The proxy table measures it:
# `auc` is the probability that the input alone tells a woman's file from a man's (0.5 = no
# information), `association` is Cramér's V (categorical inputs) or normalised mutual
# information (continuous ones).

# %%
ex.proxies[["input", "attribute", "auc", "auc_group", "association", "association_measure",
            "rank"]].query("attribute != 'family_status'")

# %% [markdown]
# The **decomposition** splits the gap in mean log-odds between women and men into one part
# per term (the parts sum exactly to the total); `ratio_without_term` is the ratio at the
# budget when that term alone is neutralised.

# %%
dec = ex.decomposition
dec[dec["attribute"] == "gender"][["term", "mean_group", "mean_reference", "gap", "share",
                                   "ratio_without_term"]]

# %%
show(explain_plots.plot_contributions(ex, "gender"))

# %% [markdown]
# For comparison, the same decomposition on the reconstruction shows how much of the gap
# came from reading gender directly (the `gender` and `mother` terms):

# %%
ex_recon = res.explain(n_repeats=N_REPEATS, random_state=SEED,
                       protected_columns={"gender": ["gender"], "age_band": ["age"]})
dr = ex_recon.decomposition
dr = dr[dr["attribute"] == "gender"][["term", "gap", "share", "ratio_without_term"]]
dr

# %%
direct = dr.set_index("term").loc[["gender", "mother"], "share"].sum()
say(f"In the reconstruction, the terms that read gender directly (`gender` and `mother`) "
    f"account for {direct:.0%} of the women-men gap in mean log-odds; the rest comes from "
    "household composition, income and household changes, the inputs that remain in the "
    "'no variable on sex or age' version.")

# %% [markdown]
# ## 5. Paired (counterfactual) testing
#
# The Rotterdam audit's method: copy every file, change only the protected attribute,
# re-score, and compare each copy with its original against the original cut-off. On the
# reconstruction, turning women's files into men's changes their scores and their selection;
# on the model without gender, it changes nothing, although the disparity is still there.
# **A paired test of the attribute alone cannot see a disparity that travels through
# proxies.**

# %%
cf_recon = sa.counterfactual(pop, recon, sa.Budget(share=BUDGET, random_state=SEED),
                             attribute="gender", random_state=SEED)
cf_np = sa.counterfactual(pop, noprot, sa.Budget(share=BUDGET, random_state=SEED),
                          attribute="gender", random_state=SEED)
CF = ["group", "value", "n", "score_change", "selection_original", "selection_counterfactual",
      "selection_change", "selection_change_low", "selection_change_high"]
pd.concat({"c2sg-reconstruction": cf_recon[CF], "c2sg-no-protected": cf_np[CF]},
          names=["model"]).query("group != value")

# %%
c = cf_recon.set_index(["group", "value"]).loc[("woman", "man")]
cn = cf_np.set_index(["group", "value"]).loc[("woman", "man")]
say(f"Reconstruction: the same women's files, declared as men's, would be selected "
    f"{c['selection_counterfactual']:.2%} of the time instead of {c['selection_original']:.1%} "
    f"(change {c['selection_change']:+.1%}, 95% interval {c['selection_change_low']:+.1%} "
    f"to {c['selection_change_high']:+.1%}). Without gender in the model: change "
    f"{cn['selection_change']:+.1%}, yet the woman/man ratio is still {wn['ratio']:.1f}.")

# %% [markdown]
# Paired testing can also change a *proxy*. Setting every single parent's family status to
# "couple with children" (keeping the children) isolates what the single-parent term does
# to those households:

# %%
cf_fam = sa.counterfactual(pop, noprot, sa.Budget(share=BUDGET, random_state=SEED),
                           attribute="family_status", values=["couple_with_children"],
                           random_state=SEED)
cf_fam.loc[cf_fam["group"] == "single_parent", CF]

# %% [markdown]
# ## 6. A persona
#
# Archetypal files, scored and placed on the population's distribution: a single mother of
# two aged 23, on the RSA, income at 65% of the ceiling, and a man of 40 living alone with an
# income at 95% of the ceiling. Each persona is also scored with each other value of the
# protected attributes it states (gender, family status), all else equal.

# %%
personas = [
    {"name": "single mother, 23, RSA", "gender": "woman", "age": 23,
     "family_status": "single_parent", "n_minors": 2, "income_to_ceiling": 0.65,
     "recent_household_change": 0},
    {"name": "single mother, 34, working", "gender": "woman", "age": 34,
     "family_status": "single_parent", "n_minors": 2, "income_to_ceiling": 0.85,
     "recent_household_change": 1},
    {"name": "man alone, 40", "gender": "man", "age": 40, "family_status": "alone",
     "n_minors": 0, "income_to_ceiling": 0.95, "recent_household_change": 0},
]
pers = {m.name: sa.score_personas(personas, pop, m, sa.Budget(share=BUDGET, random_state=SEED))
        for m in (recon, noprot)}
pd.concat(pers, names=["model"])[["persona", "variant", "score", "percentile", "selected"]] \
    .query("variant == 'as given' or variant == 'gender = man' or variant == 'gender = woman'")

# %%
show(explain_plots.plot_personas(pers["c2sg-reconstruction"], res, label_attribute="gender"))

# %%
given = pers["c2sg-reconstruction"].query("variant == 'as given'").set_index("persona")
young_p, older_p = given.loc["single mother, 23, RSA"], given.loc["single mother, 34, working"]
say(f"With *these* assumed coefficients, the 23-year-old single mother on the RSA scores "
    f"above {young_p['percentile']:.0f}% of files and is selected: **{young_p['selected']}**; "
    f"the working single mother of 34 with a recent household change scores above "
    f"{older_p['percentile']:.0f}% and is selected: **{older_p['selected']}**. The reported "
    "criteria (over 25, income near the ceiling) point at older, less poor single mothers. "
    "With other coefficients or criteria (a young-age term, a low-income term) the picture "
    "would change: only the real model can settle it.")

# %% [markdown]
#
# ## 7. Conclusion
#
# > **⚠️ The coefficients are assumptions; the data are synthetic.** Everything below
# > describes what a score built on the *publicly reported criteria, with coefficients chosen
# > by us*, does to a *synthetic* population. It is not a measurement of CNAM's score or of
# > real controls, and it does not show that CNAM discriminates or that it does not. What it
# > shows is that the reported criteria are enough to produce the pattern the unions
# > describe, and how an audit of the real model would test it.

# %%
rows = {
    "women / men": (w, wn),
    "single parents / couples with children": (sp, Dn.loc[("family_status", "single_parent")]),
    "18-24 / 35-44": (a18, Dn.loc[("age_band", "18-24")]),
    "single mothers 25+ / everyone else": (osm, Pn.loc["single mother (25+)"]),
    "single mothers <25 / everyone else": (ysm, Pn.loc["young single mother (<25)"]),
    "RSA households / others": (rsa_row, Pn.loc["RSA"]),
}
headline = pd.DataFrame(
    {"reconstruction": [ratio_text(a, 2) for a, _ in rows.values()],
     "no variable on sex or age": [ratio_text(b, 2) for _, b in rows.values()]},
    index=list(rows))
headline.index.name = f"selection-rate ratio at {BUDGET:.0%} ({len(frame):,} files)"
headline

# %%
say(f"""**What a reader may take away** (at a {BUDGET:.0%} budget, {len(frame):,} synthetic files):

1. A score built on the reported criteria selects women's files {w['ratio']:.0f} times as often
   as men's and single parents' {sp['ratio']:.1f} times as often as couples with children. The
   mothers it singles out are single mothers aged 25 or more, not the youngest, and households
   near the income ceiling rather than those on the RSA.
2. Removing the gender and age terms ("no variable on sex or age") leaves women's files
   selected {wn['ratio']:.1f} times as often as men's. The disparity travels through household
   composition (family status and the number of minors), which predicts gender; neutralising
   it brings the ratio to {hh['ratio_after']:.2f}, and to {hh_change['ratio_after']:.2f} with
   recent household changes.
3. A paired test that changes only gender finds nothing on that model
   ({cn['selection_change']:+.1%}), so an audit of such a model must look at proxies and
   outcomes, not only at the inputs it reads.
4. At small budgets the ratios are unstable or infinite: below {first_man:.0%}, no man is
   selected at all. The budget matters as much as the coefficients.

**What a reader may not take away:** any of these numbers as a fact about CNAM's score. The
real odds ratios (not public), the real budget and the real population would all change
them.""")
