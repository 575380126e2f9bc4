# %% [markdown]
# # Where does a disparity enter? Auditing a control process stage by stage
#
# Discrimination in fraud control is rarely decided by the score alone. The C2S control
# process runs from the score to an agent's choice of files, a control, an anomaly found, a
# suspension of the cover (the unions denounce "suspensions abusives") and an appeal. This
# notebook asks, for each link of that chain: **is one group more often moved on to the next
# stage than another?** And, when a stratum such as the score band is known: **how much of
# the gap does the score explain, and how much is added within the same score band?**
#
# What advocacy groups usually obtain is not a row-level log but a statistical office's table
# of counts per group and stage, **rounded** (to multiples of 10 here) with **small cells
# hidden**. `sa.audit_funnel` reads both and says what each can support.
#
# > **⚠️ Read this first.** The tables are **synthetic** (`data/synthetic/README.md`): the
# > process after the score was simulated with *planted* disparities of known size
# > (`scoreaudit.synthetic.process`), so that we can check the audit recovers them. Its
# > probabilities are illustrative assumptions, not CNAM figures.

# %% [markdown]
# ## Parameters

# %% tags=["parameters"]
N_ROWS = 100_000  # households of the simulated population (section 4)
SEED = 0  # seed of the simulated population and process
OUTPUT_DIR = "output"  # where the report is written (git-ignored)

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import scoreaudit as sa
from scoreaudit.synthetic import process

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 3)
plt.rcParams["figure.dpi"] = 80

DATA = next(
    p / "data" / "synthetic"
    for p in [Path.cwd(), *Path.cwd().parents]
    if (p / "data" / "synthetic" / "c2sg_funnel.csv").exists()
)


def say(text):
    """Show a sentence computed from the data as Markdown."""
    display(Markdown(text))


# %% [markdown]
# ## 1. The published table
#
# One row per gender, score band and stage, with the number of files; the office rounded every
# count to a multiple of 10, hid the counts below 11 (`x`) and added `Total` rows over the two
# genders. The steps of the funnel are `(name, stage, base stage)`: each step's rate is
# `count(stage) / count(base)`.

# %%
published = pd.read_csv(DATA / "c2sg_funnel_rounded10.csv", dtype={"n": str}, keep_default_na=False)
print(published.query("score_band == 'high'").to_string(index=False))
STEPS = list(process.STEPS)
STEPS

# %% [markdown]
# ## 2. Stage by stage, from the rounded table
#
# `rounding=10` tells the audit that each published count `c` stands for any whole number in
# `[c - 5, c + 5)`. Every interval is widened to cover **all** the tables of true counts
# consistent with the rounding, and a step whose counts are below 10 is flagged **unusable**
# rather than read as a rate of 0 or 1. The hidden cells are recovered (or bounded) from the
# `Total` rows.

# %%
res = sa.audit_funnel(
    published,
    group="gender",
    stage="stage",
    count="n",
    steps=STEPS,
    stratum="score_band",
    reference={"gender": "man"},
    rounding=10,
)
res

# %% [markdown]
# `res.combined` puts, for each step, the ratio **ignoring** the score band, the
# **Mantel-Haenszel** ratio within the same band, and a test of whether the per-band ratios
# agree (Cochran's Q):

# %%
cols = ["step", "group", "unstratified_ratio", "unstratified_low", "unstratified_high",
        "mh_ratio", "mh_low", "mh_high", "homogeneity_p"]
comb = res.combined.query("group == 'woman'")[cols]
comb

# %%
truth = process.true_stage_ratios("planted").set_index("step")
c = comb.set_index("step")
for step in ["score: high-risk band", "agent pick", "suspension", "appeal upheld"]:
    r, w = c.loc[step], truth.loc[step, "true_within_ratio"]
    within = "1 (the band decides this step)" if pd.isna(w) else f"{w:.2f}"
    say(
        f"**{step}**: women move on {r['unstratified_ratio']:.2f} times as often as men "
        f"(95% interval {r['unstratified_low']:.2f} to {r['unstratified_high']:.2f}); within the "
        f"same score band, {r['mh_ratio']:.2f} times ({r['mh_low']:.2f} to {r['mh_high']:.2f}). "
        f"Planted truth: {truth.loc[step, 'true_ratio']:.2f} overall, {within} within a band."
    )

# %% [markdown]
# Read it as a decomposition. The **score** puts women in the high bands 1.5 times as often;
# within a band, the score step adds nothing (ratio 1, by construction). The **agent's pick**
# favours women 1.5 times overall, but only 1.3 times within the same band: the rest is the
# score's doing (women are more often in the band where agents pick most). The **control**
# and **anomaly found** steps add nothing. The **suspension** adds a gap of its own (1.5),
# the same with or without the band. The last step (**appeal upheld**) rests on counts too
# small to publish once rounded: the interval says so by its width.

# %% [markdown]
# ## 3. The funnel figure and the representation table
#
# `res.representation` gives each group's share of the files at each stage against its share
# of the start population:

# %%
rep = res.representation
shares = rep.pivot(index="stage", columns="group", values="share").loc[
    list(dict.fromkeys(rep["stage"]))
]
say(f"Women hold {shares.loc['population', 'woman']:.0%} of the files, "
    f"{shares.loc['picked', 'woman']:.0%} of the agents' picks and "
    f"{shares.loc['suspended', 'woman']:.0%} of the suspensions.")
shares

# %%
from scoreaudit.gate.funnel import publish_funnel  # noqa: E402

pub, info = publish_funnel(res)
fig, ax = plt.subplots(figsize=(7.5, 4.2))
for group, sub in pub.representation.groupby("group", sort=False):
    line = ax.plot(sub["stage"], sub["share"], marker="o", label=group)[0]
    ax.fill_between(sub["stage"], sub["share_low"], sub["share_high"], alpha=0.15,
                    color=line.get_color())
    ax.axhline(sub["start_share"].iloc[0], linestyle=":", color=line.get_color())
ax.set_ylim(0, 1)
ax.set_ylabel("Share of the files at the stage")
ax.tick_params(axis="x", rotation=30)
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# ## 4. The same process from a row-level log, and what rounding costs
#
# With the agency's row-level log (one row per file and stage reached), the counts are exact.
# We simulate a fresh population and compare the interval widths: exact counts against the
# same counts rounded to 10.

# %%
files = process.process_files(N_ROWS, scenario="planted", random_state=SEED)
log = process.process_log(files, ("gender", "score_band"))
exact = sa.audit_funnel(log, "gender", "stage", None, STEPS, stratum="score_band",
                        reference="man")
counts = process.process_counts(files)
counts["n"] = (10 * (counts["n"] / 10 + 0.5).astype(int)).astype(int)
rounded = sa.audit_funnel(counts, "gender", "stage", "n", STEPS, stratum="score_band",
                          reference="man", rounding=10)
side = pd.DataFrame({
    "step": exact.combined["step"],
    "group": exact.combined["group"],
    "exact": exact.combined["mh_ratio"],
    "exact_low": exact.combined["mh_low"],
    "exact_high": exact.combined["mh_high"],
    "rounded_low": rounded.combined["mh_low"],
    "rounded_high": rounded.combined["mh_high"],
}).query("group == 'woman'")
side

# %% [markdown]
# Every rounded interval contains the exact one; the cost of rounding is small where counts
# are in the thousands and large where they are in the tens (appeals).

# %% [markdown]
# ## 5. A published table in the statistical office's layout
#
# Offices publish one row per stage and one column per group. `sa.funnel_long` turns that
# into the long format:

# %%
wide = published.query("score_band == 'high'").pivot(index="stage", columns="gender",
                                                      values="n").reset_index()
wide

# %%
long = sa.funnel_long(wide, "stage", group="gender")
high_band = sa.audit_funnel(long, "gender", "stage", "n", STEPS[1:], reference="man",
                            rounding=10)
high_band.steps.query("group == 'woman'")[["step", "rate", "reference_rate", "ratio",
                                           "ratio_low", "ratio_high", "note"]]

# %% [markdown]
# ## 6. The report
#
# `scoreaudit funnel` (or `write_report`, the same call as for an audit) writes the published
# report: small counts (1 to 10) and every number derived from them hidden, complementary
# cells hidden along every published total, one section per step with a plain sentence, the funnel figure and the
# stratified decomposition, in French or English.

# %%
from scoreaudit.report import write_report  # noqa: E402

Path(OUTPUT_DIR).mkdir(parents=True, exist_ok=True)
out = write_report(res, Path(OUTPUT_DIR) / "05_funnel_rapport", lang="fr", force=True,
                   data_path=DATA / "c2sg_funnel_rounded10.csv")
print(sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()))
print(f"suppressed: {info.to_dict()['rows_by_table']}")

# %% [markdown]
# The command line does the same:
#
# ```bash
# scoreaudit funnel data/synthetic/c2sg_funnel_rounded10.csv --group gender \
#   --stratum score_band --rounding 10 --reference gender=man \
#   --step 'agent pick=picked/high_risk' --step 'suspension=suspended/anomaly' \
#   --lang fr --out report-funnel
# ```
