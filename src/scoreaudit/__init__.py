"""scoreaudit: audit welfare fraud-scoring models for discrimination.

The flow runs one way: data -> :class:`Population` -> scoring model -> selection policy
(:class:`Budget`, :class:`Threshold`) -> per-group statistics -> disparities ->
:class:`AuditResult` -> plots and report.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import scoreaudit as sa
>>> rng = np.random.default_rng(1)
>>> frame = pd.DataFrame({"gender": rng.choice(["woman", "man"], 500), "score": rng.random(500)})
>>> result = sa.audit(sa.Population(frame, protected=["gender"]), sa.ScoreColumn("score"),
...                   policy=sa.Budget(share=0.2), reference={"gender": "man"})
>>> list(result.groups["group"])
['man', 'woman']
"""

from .audit import REST, audit
from .controls import ControlLog, audit_controls
from .counts import audit_counts
from .errors import DataError, ModelError, PolicyError, ScoreAuditError, UnsafeFileError
from .explain import counterfactual, score_personas
from .funnel import FunnelResult, audit_funnel, funnel_long
from .models import OnnxModel, Scorecard, ScoreColumn, ScoringModel, SklearnModel, load_model
from .outofcore import audit_file
from .population import Population
from .result import AuditResult
from .selection import Budget, Selection, Threshold

__version__ = "0.1.0"

# Submodules loaded on first use (``sa.plots`` imports matplotlib, ``sa.synthetic`` numpy only).
_SUBMODULES = {"examples", "explain", "explain_plots", "io", "metrics", "plots", "power", "report", "synthetic"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'scoreaudit' has no attribute {name!r}")

__all__ = [
    "REST",
    "AuditResult",
    "Budget",
    "ControlLog",
    "DataError",
    "FunnelResult",
    "ModelError",
    "OnnxModel",
    "PolicyError",
    "Population",
    "ScoreAuditError",
    "ScoreColumn",
    "Scorecard",
    "ScoringModel",
    "Selection",
    "SklearnModel",
    "Threshold",
    "UnsafeFileError",
    "__version__",
    "audit",
    "audit_controls",
    "audit_counts",
    "audit_file",
    "audit_funnel",
    "counterfactual",
    "funnel_long",
    "load_model",
    "score_personas",
]
