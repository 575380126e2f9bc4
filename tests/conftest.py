import pandas as pd
import pytest


@pytest.fixture
def toy_frame() -> pd.DataFrame:
    """Ten files with distinct scores; hand-checked expectations live in the tests."""
    return pd.DataFrame(
        {
            "gender": ["woman"] * 6 + ["man"] * 4,
            "family": [
                "alone",
                "single",
                "single",
                "alone",
                "single",
                "alone",
                "alone",
                "alone",
                "single",
                "alone",
            ],
            #          w     w     w     w     w     w     m     m     m     m
            "score": [0.95, 0.90, 0.10, 0.20, 0.30, 0.40, 0.85, 0.15, 0.25, 0.35],
        }
    )


@pytest.fixture
def wide_terminal(monkeypatch):
    """Wide consoles whatever the tests before did: table cells and messages are not wrapped
    over lines (modules use it with ``pytestmark = pytest.mark.usefixtures("wide_terminal")``)."""
    from scoreaudit.cli import terminal

    for con in (terminal.console, terminal.err_console):
        monkeypatch.setattr(con, "_width", 250)
