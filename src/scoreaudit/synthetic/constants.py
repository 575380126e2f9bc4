"""Default parameters of the synthetic C2SG population, each with its source or marked ASSUMPTION.

Every figure that comes from public statistics names its source (see ``docs/public-facts.md``
and ``data/synthetic/README.md``). Every other figure is an ASSUMPTION: a plausible value
chosen so that the synthetic population behaves like a C2SG population where public figures
exist. Assumptions are parameters: pass another value to
:func:`scoreaudit.synthetic.c2sg_population` to test how sensitive an audit is to it.

Naming: ``*_SHARES`` are probability tables (each row sums to 1); ``*_PROB`` are Bernoulli
probabilities; everything is per household file (the C2SG "foyer"), whose holder is the
person the file is registered to.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# --------------------------------------------------------------------------------------------
# Category orders (fixed, so that generated files are byte-identical and codes stable)
# --------------------------------------------------------------------------------------------
GENDERS: Final = ("woman", "man")
AGE_BANDS: Final = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_BAND_EDGES: Final = (18, 25, 35, 45, 55, 65)  # left edges of AGE_BANDS
FAMILY_STATUSES: Final = (
    "alone",
    "couple_no_child",
    "couple_with_children",
    "single_parent",
    "other",
)
ACTIVITY_STATUSES: Final = ("employed", "unemployed", "inactive", "student", "retired")
SCENARIOS: Final = ("baseline", "neutral", "planted")

# --------------------------------------------------------------------------------------------
# C2SG income ceiling (metropolitan France, from 1 April 2023 to 31 March 2024)
# --------------------------------------------------------------------------------------------
# SOURCE: 9,719 EUR/year for one person (docs/public-facts.md; ameli.fr). Household-size amounts for the
# same period, as published by Lefebvre Dalloz ("Complémentaire santé solidaire : conditions de
# ressources", plafonds 1-4-2023 au 1-4-2024): 1 person 9,719; 2 persons 14,578; 3 persons
# 17,494; 4 persons 20,409; each further person + 3,887 EUR. These are the amounts of the
# rule "+50% for the 2nd person, +30% for the 3rd and the 4th, +40% per further person",
# truncated to the euro (9,719 x 1.5 = 14,578.5; x 1.8 = 17,494.2; x 2.1 = 20,409.9;
# x 0.4 = 3,887.6). We use the published euro amounts, not the rounded-off multipliers.
CEILING_ONE_PERSON: Final = 9_719.0
CEILING_BY_SIZE: Final = (9_719.0, 14_578.0, 17_494.0, 20_409.0)  # sizes 1..4
CEILING_PER_EXTRA_PERSON: Final = 3_887.0  # each person beyond the 4th
CEILING_MULTIPLIERS: Final = (1.0, 0.5, 0.3, 0.3, 0.4)  # documentation: 1st, 2nd, 3rd, 4th, 5th+
# ASSUMPTION: every household is in metropolitan France (overseas ceilings are higher) and
# the ceiling depends only on the number of people (alternating-custody children, counted
# as half a person in the real rule, are not modelled).

# --------------------------------------------------------------------------------------------
# Household type (family_status) of C2SG files
# --------------------------------------------------------------------------------------------
# SOURCE for couple_with_children (0.28) and single_parent (0.25): DREES, CMU-C beneficiary
# households, 2003 (docs/public-facts.md): "28% couples with children, 25% single-parent families".
# No current breakdown was found; these are the only published shares.
# ASSUMPTION for the remaining 47%: split as 35% people alone, 7% couples without children,
# 5% other households (holder living with other adults: parents, siblings, flatmates).
# People alone dominate the low-income, non-family C2SG population (young adults, RSA
# recipients); couples without children are rare below this ceiling (two adults' incomes).
FAMILY_STATUS_SHARES: Final = MappingProxyType(
    {
        "alone": 0.35,
        "couple_no_child": 0.07,
        "couple_with_children": 0.28,
        "single_parent": 0.25,
        "other": 0.05,
    }
)

# --------------------------------------------------------------------------------------------
# Gender of the file holder, by household type: P(holder is a woman)
# --------------------------------------------------------------------------------------------
# SOURCE for single_parent (0.85): INSEE Première no. 1539 (March 2015): in 85% of
# single-parent families (metropolitan France, 2011) the parent is a woman. Applied to C2SG
# files as an ASSUMPTION (docs/public-facts.md: women are over-represented in C2S, "linked to
# single-parent families").
# ASSUMPTION for the others: people alone 0.50; couples 0.55 (the holder of a couple's file
# is slightly more often the woman, who more often handles health paperwork); other 0.55.
WOMAN_SHARE_BY_STATUS: Final = MappingProxyType(
    {
        "alone": 0.50,
        "couple_no_child": 0.55,
        "couple_with_children": 0.55,
        "single_parent": 0.85,
        "other": 0.55,
    }
)

# --------------------------------------------------------------------------------------------
# Age of holders without children in the household (alone, couple_no_child, other without
# children): probabilities over AGE_BANDS, then a uniform age within the band (65+: 65-79).
# --------------------------------------------------------------------------------------------
# ASSUMPTION. Constraint from docs/public-facts.md: C2SG is young (mean age of beneficiaries 28, ~41%
# under 20, ~70% under 40) and older people mostly fall into C2SP (34% of C2SP are over 60;
# the old-age minimum, ASPA, is above the C2SG ceiling), hence few holders aged 65+.
# These tables, CHILDREN_BORN_SHARES, YOUNGEST_CHILD_BETA and AGE_AT_BIRTH were tuned
# together so that the person-level figures of the whole population (``person_level_summary``:
# holders, partners, other adults and children) come out at mean age 28.1, 40.5% under 20
# and 70.8% under 40, against the public 28, ~41% and ~70% (docs/public-facts.md; Assurance Maladie
# 2025 / DREES, CMU-C 2003).
NO_CHILD_AGE_BAND_SHARES: Final = MappingProxyType(
    {
        "alone": (0.20, 0.22, 0.16, 0.18, 0.19, 0.05),
        "couple_no_child": (0.16, 0.20, 0.12, 0.18, 0.26, 0.08),
        "other": (0.40, 0.22, 0.12, 0.12, 0.10, 0.04),
    }
)
OLDEST_AGE: Final = 79  # ASSUMPTION: holders' ages are drawn up to 79 (65+ band is uniform)

# --------------------------------------------------------------------------------------------
# Children (households with children: couple_with_children, single_parent, some "other")
# --------------------------------------------------------------------------------------------
# ASSUMPTION: number of children ever born to the holder (1, 2, 3, 4, 5, 6). Low-income
# families are larger than average; single parents have fewer children than couples.
# Children aged 25 or more have left the household (the C2S "foyer" counts dependent
# children under 25), so the number of children *in the household* is lower for older
# holders: that is the children/age dependency.
CHILDREN_BORN_SHARES: Final = MappingProxyType(
    {
        "couple_with_children": (0.30, 0.35, 0.20, 0.09, 0.04, 0.02),
        "single_parent": (0.46, 0.32, 0.14, 0.05, 0.02, 0.01),
        "other": (0.55, 0.28, 0.11, 0.04, 0.01, 0.01),
    }
)
# ASSUMPTION: share of "other" households that include children of the holder.
OTHER_WITH_CHILDREN_PROB: Final = 0.20
# ASSUMPTION: number of other adults in an "other" household: 1 (p=0.75) or 2 (p=0.25).
OTHER_ADULTS_SHARES: Final = (0.75, 0.25)
# ASSUMPTION: age of the youngest child ~ YOUNGEST_CHILD_MAX * Beta(a, b) (years, skewed to
# young children), gap between successive children ~ Uniform(GAP_LOW, GAP_HIGH) years.
YOUNGEST_CHILD_MAX: Final = 24.99
YOUNGEST_CHILD_BETA: Final = (1.2, 2.0)
BIRTH_GAP_RANGE: Final = (1.5, 4.5)
CHILD_LEAVES_AT: Final = 25.0  # C2S rule: dependent children under 25 belong to the foyer
# ASSUMPTION: the holder's age when the oldest child in the household was born ~
# Normal(mean, sd), clipped to [16, 47]; fathers are older (FATHER_AGE_GAP years).
AGE_AT_BIRTH: Final = (27.5, 5.5)
AGE_AT_BIRTH_RANGE: Final = (16.0, 47.0)
FATHER_AGE_GAP: Final = 2.5

# --------------------------------------------------------------------------------------------
# Activity of the holder, by age band (rows: AGE_BANDS; columns: ACTIVITY_STATUSES)
# --------------------------------------------------------------------------------------------
# ASSUMPTION: C2SG holders are mostly out of work or in low-paid work; students are young;
# retirement starts at 60-64 and almost everyone 65+ is retired.
ACTIVITY_SHARES_BY_AGE_BAND: Final = MappingProxyType(
    {
        "18-24": (0.22, 0.28, 0.14, 0.36, 0.00),
        "25-34": (0.34, 0.36, 0.24, 0.06, 0.00),
        "35-44": (0.38, 0.34, 0.27, 0.01, 0.00),
        "45-54": (0.36, 0.36, 0.27, 0.00, 0.01),
        "55-64": (0.24, 0.30, 0.30, 0.00, 0.16),
        "65+": (0.04, 0.01, 0.05, 0.00, 0.90),
    }
)
# ASSUMPTION: odds multiplier of "inactive" (versus the other activities) for a single
# mother, who more often stays out of the labour market (DREES 2015 notes that isolated
# mothers are now less often in work than mothers in couples).
SINGLE_MOTHER_INACTIVE_ODDS: Final = 1.6

# --------------------------------------------------------------------------------------------
# RSA (revenu de solidarité active), by activity: P(receives RSA)
# --------------------------------------------------------------------------------------------
# ASSUMPTION: RSA recipients are automatically eligible to C2SG and form a large part of it;
# RSA is mostly closed to people under 25 without children (RSA_UNDER_25_FACTOR on the
# probability for childless holders under 25).
RSA_PROB_BY_ACTIVITY: Final = MappingProxyType(
    {"employed": 0.18, "unemployed": 0.62, "inactive": 0.72, "student": 0.02, "retired": 0.05}
)
RSA_UNDER_25_FACTOR: Final = 0.15

# --------------------------------------------------------------------------------------------
# Income relative to the ceiling: income_to_ceiling ~ Beta(mean * k, (1 - mean) * k)
# --------------------------------------------------------------------------------------------
# ASSUMPTION: (mean, concentration k) by activity and RSA. The RSA lump sum for one person
# (about 608 EUR/month from April 2023, before the housing deduction) is about 65-75% of the
# C2SG ceiling, hence RSA households concentrate there; employed households without RSA sit
# close to the ceiling (docs/public-facts.md: anomalies rise for incomes close to the ceiling).
INCOME_RATIO_BETA: Final = MappingProxyType(
    {
        ("employed", 0): (0.78, 7.0),
        ("employed", 1): (0.68, 9.0),
        ("unemployed", 0): (0.66, 5.0),
        ("unemployed", 1): (0.64, 12.0),
        ("inactive", 0): (0.45, 3.0),
        ("inactive", 1): (0.63, 12.0),
        ("student", 0): (0.35, 2.5),
        ("student", 1): (0.60, 8.0),
        ("retired", 0): (0.74, 6.0),
        ("retired", 1): (0.62, 10.0),
    }
)

# --------------------------------------------------------------------------------------------
# Unstable income, housing cost, household changes
# --------------------------------------------------------------------------------------------
# ASSUMPTION: P(income unstable over the last 12 months: fixed-term contracts, interim work,
# benefit stops), by activity. CNAF's older score used "unstable income" (docs/public-facts.md).
INCOME_UNSTABLE_PROB: Final = MappingProxyType(
    {"employed": 0.38, "unemployed": 0.45, "inactive": 0.10, "student": 0.30, "retired": 0.03}
)
# ASSUMPTION: share of households paying no rent (hosted free of charge, owners).
NO_RENT_PROB: Final = 0.18
# ASSUMPTION: monthly rent net of housing benefit, lognormal with median
# RENT_MEDIAN_ONE_PERSON x (1 + RENT_PER_EXTRA_PERSON x (size - 1)) and log-sd RENT_LOG_SD.
RENT_MEDIAN_ONE_PERSON: Final = 230.0
RENT_PER_EXTRA_PERSON: Final = 0.12
RENT_LOG_SD: Final = 0.45
# ASSUMPTION: rent_to_income divides the annual rent by max(income, INCOME_FLOOR) so that
# households with (almost) no income get a large but finite ratio.
INCOME_FLOOR: Final = 1_200.0
# ASSUMPTION: P(separation less than 18 months ago), by household type. Couples are
# together now (0); CNAF's older score used "separated under 18 months" (docs/public-facts.md).
SEPARATED_RECENTLY_PROB: Final = MappingProxyType(
    {
        "alone": 0.08,
        "couple_no_child": 0.0,
        "couple_with_children": 0.0,
        "single_parent": 0.15,
        "other": 0.05,
    }
)
# ASSUMPTION: other recent change of household composition (someone arrived or left,
# beyond separations and births of the last 12 months, which always count as changes).
OTHER_HOUSEHOLD_CHANGE_PROB: Final = 0.06

# --------------------------------------------------------------------------------------------
# Ground truth: the "true anomaly" model for ``irregular``
# --------------------------------------------------------------------------------------------
# ASSUMPTION: share of files in which a control would find an error (overpayment or
# undeclared change), "a few percent". docs/public-facts.md gives fraud at about 1% of C2S cost; errors
# found in controls (fraud and honest mistakes) are more frequent than fraud.
ANOMALY_BASE_RATE: Final = 0.03
# ASSUMPTION: log-odds coefficients of the true anomaly model. Keys are numeric columns, or
# "column=value" for the indicator of a category. The intercept is solved so that the mean
# probability over the generated population equals the base rate. By default the model does
# NOT depend on gender (nor age) given the other factors: gender disparities an audit finds
# then come from the score, not from the truth. docs/public-facts.md: anomalies rise for incomes close
# to the ceiling; changes of household composition and unstable income are the classic
# sources of undeclared changes.
ANOMALY_COEFFICIENTS: Final = MappingProxyType(
    {
        "income_to_ceiling": 2.0,
        "income_unstable": 0.7,
        "recent_household_change": 0.6,
        "separated_recently": 0.3,
        "activity_status=employed": 0.3,
        "rent_to_income": 0.15,
    }
)

# --------------------------------------------------------------------------------------------
# Planted-bias scenarios
# --------------------------------------------------------------------------------------------
# Not a fact about C2SG: a test device. In scenario "planted" the population gets a column
# ``score`` = Z + effect(gender) + effect(family_status), Z ~ Normal(0, 1) independent of
# everything; per-group score distributions are therefore known exactly, and so is the true
# selection-rate ratio at any budget or threshold (see ``planted.true_selection_rates``).
# Scenario "neutral" is the same with every effect 0 (true ratio 1).
# Z = PLANTED_SIGNAL * N_truth + sqrt(1 - PLANTED_SIGNAL^2) * E, where N_truth is the normal
# quantile of the uniform draw that decides ``irregular`` (high N_truth = irregular) and E
# independent noise: Z is exactly N(0, 1) and independent of every covariate, but informative
# about the truth (ASSUMPTION: 0.6 gives a precision of about 6-7 times the base rate at a
# 5% budget, a useful but imperfect score).
PLANTED_EFFECTS: Final = MappingProxyType({"gender": MappingProxyType({"woman": 0.4})})
PLANTED_SIGNAL: Final = 0.6
PLANTED_ATTRIBUTES: Final = ("gender", "family_status")
