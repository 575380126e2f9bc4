"""CLI output piped into a command that stops reading early (``| head``): the report is still
written and the command exits 0, with no traceback."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_counts_piped_into_head_writes_the_report(tmp_path):
    out = tmp_path / "rep"
    cmd = (
        f"set -o pipefail; {sys.executable} -m scoreaudit counts "
        f"{ROOT / 'data/synthetic/c2sg_confusion_counts.csv'} --group gender,age_band "
        f"--tp tp --fp fp --tn tn --fn fn --out {out} | head -n 1"
    )
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr
    assert (out / "results.json").is_file()
