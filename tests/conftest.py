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
