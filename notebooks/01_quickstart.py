# %% [markdown]
# # Quickstart: audit a fraud-scoring model in ten cells
#
# This notebook runs one complete audit with **scoreaudit**: it loads the bundled synthetic
# population of C2SG households, scores it with a shipped model, controls the 5% of files with
# the highest scores, and measures who gets controlled by gender, age band and family status.
# It ends by writing the full report (HTML, Markdown, JSON, CSV tables and figures).
#
# > **⚠️ Read this first.**
# > The population is **synthetic** (it describes no real person; see
# > `data/synthetic/README.md`). The model, `c2sg-reconstruction`, is an **illustrative
# > reconstruction** of the CNAM score built from publicly reported criteria: **its
# > coefficients are assumptions**, not CNAM's numbers. This notebook shows how to use the
# > library; it is not evidence about the real score. Notebook `02_c2sg_allegation` walks
# > through what such an audit may and may not conclude.

# %% [markdown]
# ## Parameters
#
# `N_ROWS` rows are sampled from the bundled 100,000-household file so that the notebook runs
# in seconds. Set `N_ROWS = None` to audit the full file (the numbers below then change a
# little; the text is computed from them).

# %% tags=["parameters"]
N_ROWS = 20_000        # None = all 100,000 bundled households
SEED = 0               # sampling seed (the audit's tie lottery has its own, fixed, seed)
BUDGET = 0.05          # share of files controlled
OUTPUT_DIR = "output"  # where the report is written (git-ignored)

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import scoreaudit as sa
from scoreaudit import plots

np.random.seed(SEED)  # nothing below draws from the global generator; set for safety
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
pd.set_option("display.precision", 3)
plt.rcParams["figure.dpi"] = 80

# The bundled data live in data/synthetic/ at the repository root (run from the root or
# from notebooks/).
DATA = next(p / "data" / "synthetic" for p in [Path.cwd(), *Path.cwd().parents]
            if (p / "data" / "synthetic" / "c2sg_100k.parquet").exists())
print("scoreaudit", sa.__version__)

# %% [markdown]
# ## 1. Load the population
#
# One row per household file: the protected attributes (`gender`, `age_band`,
# `family_status`), the inputs a model may read (children, income relative to the C2SG
# ceiling, household changes, ...) and, because the data are synthetic, the ground truth
# `irregular` (an auditor never sees it in real life).

# %%
frame = sa.io.read_data(DATA / "c2sg_100k.parquet")
if N_ROWS is not None:
    frame = frame.sample(n=N_ROWS, random_state=SEED).sort_index().reset_index(drop=True)
frame[["gender", "age", "age_band", "family_status", "n_minors", "income_to_ceiling",
       "recent_household_change"]].head()

# %% [markdown]
# `sa.Population` validates the protected attributes and keeps every other column as it is.

# %%
pop = sa.Population(frame, protected=["gender", "age_band", "family_status"])
pop

# %% [markdown]
# ## 2. The model
#
# A shipped scorecard: a logistic score whose terms are odds ratios on reported criteria.
# `describe()` prints every term with its source and says which numbers are assumed.

# %%
model = sa.examples.model("c2sg-reconstruction")
print(model.describe())

# %% [markdown]
# ## 3. Audit at a 5% control budget
#
# The policy controls the files with the highest scores until the budget is spent; files tied
# at the cut-off are drawn by a seeded lottery. References: men for gender, people in a
# couple with children for family status (the largest group, people living alone, has *no*
# selected file with this model, so every ratio to it would be infinite; notebook 2 discusses
# this), by default the largest group for age band, and women in a couple with children for
# the gender × family status intersection (its default, men in a couple with children, has
# no selected file either).

# %%
result = sa.audit(pop, model, policy=sa.Budget(share=BUDGET),
                  reference={"gender": "man", "family_status": "couple_with_children",
                             "gender × family_status": "woman × couple_with_children"},
                  intersections=True, confidence=0.95)
result

# %%
s = result.selection
print(f"{s.n_selected:,} of {len(pop):,} files selected ({s.share:.1%}); cut-off score "
      f"{s.cutoff:.4f}; {s.tied_at_cutoff:,} files tied at the cut-off, of which "
      f"{s.tied_selected:,} drawn by the lottery.")

# %% [markdown]
# The score takes few distinct values (it is a sum of a handful of categorical terms), so
# many files share the cut-off score: the lottery, not the model, decides between them.
#
# ## 4. Who is selected: `result.groups`
#
# One row per group: its size, how many of its files were selected, the selection rate with
# its Wilson 95% interval, and `small_cell` when a count is under 11 (the usual French
# publication threshold).

# %%
single = result.groups[~result.groups["attribute"].str.contains("×")]
single[["attribute", "group", "n", "selected", "selection_rate", "selection_rate_low",
        "selection_rate_high", "small_cell"]]

# %% [markdown]
# ## 5. How different: `result.disparities`
#
# One row per compared group: the ratio of its selection rate to the reference's (Katz
# interval), the difference (Newcombe interval), the p-value adjusted over every comparison of
# the audit (Holm), the four-fifths flag, and the smallest ratio the test could have detected.

# %%
cols = ["attribute", "group", "reference", "selection_rate", "reference_rate", "ratio",
        "ratio_low", "ratio_high", "p_adjusted", "below_four_fifths", "small_cell"]
result.disparities.loc[~result.disparities["attribute"].str.contains("×"), cols]

# %%
w = result.disparities.set_index(["attribute", "group"]).loc[("gender", "woman")]
men = result.groups.set_index(["attribute", "group"]).loc[("gender", "man")]
print(f"Women's files are selected {w['ratio']:.1f} times as often as men's "
      f"(95% interval {w['ratio_low']:.1f} to {w['ratio_high']:.1f}): "
      f"{w['selection_rate']:.1%} against {w['reference_rate']:.2%}, "
      f"{int(men['selected'])} of {int(men['n']):,} men's files.")
if w["small_cell"]:
    print("Small cell: fewer than 11 men's files are selected, so the ratio is imprecise and "
          "its value would be suppressed in a published report. Use N_ROWS = None for more files.")

# %% [markdown]
# The intersections are in the same table (`gender × family_status`, ...). `summary()` picks
# the largest significant ratios:

# %%
result.summary(top=5)[cols]

# %% [markdown]
# ## 6. The main figures
#
# Every figure function takes the result and returns a matplotlib `Figure` (nothing global is
# touched); `lang="fr"` gives French texts and numbers.

# %%
plots.selection_rates(result)

# %%
plots.disparity_forest(result)

# %% [markdown]
# The budget curve shows the ratios at every budget from 1% to 100% (`result.curve`): a
# disparity at 5% need not hold at 20%.

# %%
plots.budget_curve(result, "gender")

# %% [markdown]
# The score distributions by group, with the cut-off: a threshold-free view.

# %%
plots.score_ecdf(result, "gender")

# %%
plots.intersection_heatmap(result, "family_status", "gender")

# %% [markdown]
# ## 7. Write the report
#
# `scoreaudit.report.write_report` writes everything at once; values of small cells are
# suppressed in the published files. The command line does the same:
# `scoreaudit audit --data data/synthetic/c2sg_100k.parquet --model c2sg-reconstruction
# --budget 5% --reference gender=man --out report-c2sg`.

# %%
from scoreaudit.report import write_report

Path(OUTPUT_DIR).mkdir(parents=True, exist_ok=True)
out = write_report(result, Path(OUTPUT_DIR) / "01_quickstart_report", lang="en", force=True,
                   manifest_extra={"synthetic": True})
for path in sorted(out.rglob("*")):
    if path.is_file():
        print(path.relative_to(out))

# %% [markdown]
# The key findings of the report, as it words them (the full report is `report.html`; use
# `lang="fr"` for French):

# %%
md = (out / "report.md").read_text(encoding="utf-8")
start = md.index("## Key findings")
print(md[start:md.find("\n## ", start + 1)].strip())

# %% [markdown]
# In a notebook, `result.report(lang="fr")` displays the same report inline, and
# `result.to_html(path, lang=...)` writes the self-contained HTML page alone (here in French,
# without figures, which are already in the report above):

# %%
page = result.to_html(Path(OUTPUT_DIR) / "01_quickstart_rapport.html", lang="fr",
                      figures=False)
print(page.name, "written; French key findings:",
      "Principaux constats" in page.read_text(encoding="utf-8"))

# %% [markdown]
# ## Where next
#
# - `02_c2sg_allegation`: the unions' question, step by step, with the "no variable on sex or
#   age" model and the explanation tools.
# - `03_control_logs`: audits from a log of controls or a published table, without the model.
# - `04_bring_your_own_model`: a scorecard from a table of odds ratios, and a scikit-learn model.
