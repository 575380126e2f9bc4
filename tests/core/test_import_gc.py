"""Importing the package pauses the cyclic garbage collector and gives it back as it was,
with nothing young left for it to walk."""

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


def test_the_objects_made_by_the_import_are_not_left_young():
    # left in the youngest generations, they would all be walked by the next collections
    code = (
        "import gc\n"
        "import scoreaudit\n"
        "print(len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) < 5_000
