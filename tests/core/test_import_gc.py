"""Importing the package pauses the cyclic garbage collector and gives it back as it was."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_the_caller_had_it(enabled):
    code = (
        "import gc\n"
        f"(gc.enable if {enabled} else gc.disable)()\n"
        "import scoreaudit\n"
        "print(gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(enabled)
