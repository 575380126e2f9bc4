"""Errors raised for bad input.

Every problem with the user's data, model, policy or files raises a subclass of
:class:`ScoreAuditError` whose message names the column, value, row or file at fault and says
what to do. The command line turns these into a one-paragraph message and exit code 2; any
other exception is an internal error (exit code 1).
"""

from __future__ import annotations


class ScoreAuditError(ValueError):
    """Base class of every bad-input error raised by scoreaudit.

    A message that tells how to fix the input can name the fix twice: ``python`` as a keyword
    argument (shown by ``str(exc)``, for notebooks) and ``cli`` as a command-line option (shown
    by :attr:`cli_message`, which the command line prints).

    Examples
    --------
    >>> exc = ScoreAuditError("Column 'age' is numeric; give bands,",
    ...                       python="e.g. bands={'age': [25, 65]}.", cli="e.g. --bands age=25,65.")
    >>> str(exc)
    "Column 'age' is numeric; give bands, e.g. bands={'age': [25, 65]}."
    >>> exc.cli_message
    "Column 'age' is numeric; give bands, e.g. --bands age=25,65."
    """

    def __init__(self, message: str = "", *, python: str | None = None, cli: str | None = None):
        self.message = message
        self.python_hint = python
        self.cli_hint = cli
        super().__init__(f"{message} {python}" if python else message)

    @property
    def cli_message(self) -> str:
        """The message with the command-line form of the fix."""
        hint = self.cli_hint or self.python_hint
        return f"{self.message} {hint}" if hint else str(self)


class DataError(ScoreAuditError):
    """The beneficiary data (population, control log, counts table) is unusable as given."""


class ModelError(ScoreAuditError):
    """A scoring model or model specification is invalid or cannot score the data."""


class PolicyError(ScoreAuditError):
    """A selection policy (budget, threshold) is invalid."""


class UnsafeFileError(ScoreAuditError):
    """A file would run code or load untrusted types if opened; refused unless opted in."""
