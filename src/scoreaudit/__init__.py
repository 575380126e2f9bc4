"""scoreaudit: audit welfare fraud-scoring models for discrimination."""

from .errors import DataError, ModelError, PolicyError, ScoreAuditError, UnsafeFileError
from .models import ScoreColumn, ScoringModel

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "ModelError",
    "PolicyError",
    "ScoreAuditError",
    "ScoreColumn",
    "ScoringModel",
    "UnsafeFileError",
    "__version__",
]
