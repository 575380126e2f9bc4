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

import gc as _gc

# Importing the package and what it rests on (pandas, scipy) makes some 200,000 objects that
# all live on; the cyclic collector would walk them again and again on the way, a tenth of the
# import (0.1 s of the command line's start, measured). It is paused while the package
# imports, then left as the caller had it. Before that, every object is moved to the oldest
# generation (freeze, then unfreeze: no object is walked): resumed with 200,000 young objects,
# the collector would walk them all at the first allocation and again one generation up
# (0.07 s each, the command line's whole run spending 0.14 s in the collector instead of
# 0.01 s). The caller's objects move too; they are collected as before, by full collections.
_collecting = _gc.isenabled()
_gc.disable()
try:
    from scoreaudit._version import __version__
    from scoreaudit.core.messages import render_error
    from scoreaudit.core.vocab import REST
    from scoreaudit.data.population import Population
    from scoreaudit.engines.controls import ControlLog, audit_controls
    from scoreaudit.engines.counts import audit_counts
    from scoreaudit.engines.funnel import FunnelResult, audit_funnel, funnel_long
    from scoreaudit.engines.memory import audit
    from scoreaudit.engines.outofcore import audit_file
    from scoreaudit.errors import (
        DataError,
        ModelError,
        PolicyError,
        ScoreAuditError,
        UnsafeFileError,
        set_message_renderer,
    )
    from scoreaudit.explain import counterfactual, score_personas
    from scoreaudit.models import (
        OnnxModel,
        Scorecard,
        ScoreColumn,
        ScoringModel,
        SklearnModel,
        load_model,
    )
    from scoreaudit.results import AuditResult
    from scoreaudit.selection.policies import Budget, Selection, Threshold
finally:
    _gc.freeze()
    _gc.unfreeze()
    if _collecting:
        _gc.enable()

# Error messages built from a catalogue key (errors.py, the lowest layer, cannot import the
# catalogue): English for ``str(exc)``, any language for the command line and the web page.
set_message_renderer(render_error)

# Submodules loaded on first use (``sa.plots`` imports matplotlib, ``sa.synthetic`` numpy only).
_SUBMODULES = {
    "examples": "models.shipped",
    "explain": "explain",
    "explain_plots": "plots.explain",
    "io": "data.io",
    "metrics": "stats.metrics",
    "plots": "plots",
    "power": "stats.power",
    "report": "report",
    "result": "results",
    "synthetic": "synthetic",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{_SUBMODULES[name]}")
    raise AttributeError(f"module 'scoreaudit' has no attribute {name!r}")


__all__ = [
    "FunnelResult",
    "audit_funnel",
    "funnel_long",
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
