"""Synthetic C2SG beneficiary populations, calibrated on public figures, with known truth.

Real beneficiary data is not public: audits anyone can rerun start from a synthetic
population. :func:`c2sg_population` draws one (every default parameter names its public
source or is marked ASSUMPTION in :mod:`scoreaudit.synthetic.constants`);
:func:`control_log` simulates a year of score-driven and random controls with outcomes
drawn from the ground truth; the planted-bias scenarios come with their exact true
selection-rate ratio (:func:`true_selection_ratio`).

Examples
--------
>>> import scoreaudit as sa
>>> pop = sa.synthetic.c2sg_population(1_000, random_state=0, scenario="planted")
>>> round(sa.synthetic.true_selection_ratio(budget=0.05), 3)
2.341
"""

from scoreaudit.synthetic import constants
from scoreaudit.synthetic._params import C2SGParameters
from scoreaudit.synthetic.c2sg import (
    anomaly_probability,
    c2sg_population,
    ceiling_for_size,
    person_level_summary,
)
from scoreaudit.synthetic.cli import synth, synth_controls, write_frame
from scoreaudit.synthetic.controls import control_log, control_split
from scoreaudit.synthetic.planted import (
    planted_cells,
    population_cutoff,
    true_selection_rates,
    true_selection_ratio,
)

__all__ = [
    "C2SGParameters",
    "anomaly_probability",
    "c2sg_population",
    "ceiling_for_size",
    "constants",
    "control_log",
    "control_split",
    "person_level_summary",
    "planted_cells",
    "population_cutoff",
    "synth",
    "synth_controls",
    "true_selection_rates",
    "true_selection_ratio",
    "write_frame",
]
