"""Errors raised for bad input.

Every problem with the user's data, model, policy or files raises a subclass of
:class:`ScoreAuditError` whose message names the column, value, row or file at fault and says
what to do. The command line turns these into a one-paragraph message and exit code 2; any
other exception is an internal error (exit code 1).
"""

from __future__ import annotations


class ScoreAuditError(ValueError):
    """Base class of every bad-input error raised by scoreaudit."""


class DataError(ScoreAuditError):
    """The beneficiary data (population, control log, counts table) is unusable as given."""


class ModelError(ScoreAuditError):
    """A scoring model or model specification is invalid or cannot score the data."""


class PolicyError(ScoreAuditError):
    """A selection policy (budget, threshold) is invalid."""


class UnsafeFileError(ScoreAuditError):
    """A file would run code or load untrusted types if opened; refused unless opted in."""
