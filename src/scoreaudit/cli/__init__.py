"""Command line: ``scoreaudit audit``, ``synth``, ``model check``, ``power``, ``controls``, ...

A thin shell over the public API (top layer: nothing in the package imports it). Bad input exits
with code 2 and a one-paragraph message (no traceback unless ``--debug``); an internal error exits
with code 1. The entry point is :func:`scoreaudit.cli.main`.
"""

from scoreaudit.cli.app import app, main
from scoreaudit.cli.terminal import fmt_p_cli, fmt_ratio_cli, print_result
from scoreaudit.options import parse_bands, parse_budget, parse_mapping, resolve_model

__all__ = [
    "app",
    "fmt_p_cli",
    "fmt_ratio_cli",
    "main",
    "parse_bands",
    "parse_budget",
    "parse_mapping",
    "print_result",
    "resolve_model",
]
