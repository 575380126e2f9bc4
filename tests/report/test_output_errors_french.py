"""Output-directory and report errors from the catalogue: French text, English unchanged,
nothing written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoreaudit as sa
from scoreaudit.errors import ScoreAuditError
from scoreaudit.report import write_report
from scoreaudit.report.output import NotAReportError, check_output_dir


def test_force_refuses_a_folder_that_is_not_a_report(tmp_path):
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(NotAReportError) as info:
        check_output_dir(tmp_path / "rep", force=True)
    exc = info.value
    shown = str(tmp_path / "rep")
    assert str(exc).startswith(
        f"The output directory {shown!r} is not a scoreaudit report (it has no results.json "
        "written by scoreaudit and no .scoreaudit-report file): --force replaces only"
    )
    assert exc.render("fr").startswith(
        f"Le dossier de sortie « {shown} » n’est pas un rapport scoreaudit (il n’a ni "
        "results.json écrit par scoreaudit ni fichier .scoreaudit-report) : --force ne "
        "remplace qu’un rapport écrit par scoreaudit, donc rien n’a été modifié."
    )
    assert [p.name for p in (tmp_path / "rep").iterdir()] == ["x.txt"]


def test_unknown_report_format_writes_nothing(tmp_path):
    frame = pd.DataFrame({"g": ["a", "b"] * 50, "score": np.linspace(0, 1, 100)})
    result = sa.audit(sa.Population(frame, protected=["g"]), sa.ScoreColumn("score"))
    with pytest.raises(ScoreAuditError) as info:
        write_report(result, tmp_path / "out", formats=("json", "pdf"))
    exc = info.value
    assert isinstance(exc, ValueError)  # as before the message came from the catalogue
    assert str(exc) == (
        "Unknown report format(s) ['pdf']; choose from html, md, json, csv, figures, png."
    )
    assert exc.render("fr") == (
        "Format(s) de rapport inconnu(s) ['pdf'] ; choisissez parmi html, md, json, csv, "
        "figures, png."
    )
    assert not (tmp_path / "out").exists()


def test_full_disk_names_the_file_and_each_front_ends_fix():
    import errno
    from pathlib import Path

    from scoreaudit.report.output import _write_error

    full = OSError(errno.ENOSPC, "No space left on device", "/x/out/tables/groups.csv")
    exc = _write_error(Path("/x/out"), full, existed=True)
    assert str(exc) == (
        "Could not write the output directory '/x/out': the disk is full while writing "
        "'groups.csv'. Nothing was written and the previous report is unchanged. Free some "
        "disk space or choose a directory you can write to (out_dir=...), then run again."
    )
    assert exc.cli_message.endswith("choose a directory you can write to (--out), then run again.")
    assert exc.render("fr", cli=True) == (
        "Impossible d’écrire le dossier de sortie « /x/out » : le disque est plein en écrivant "
        "« groups.csv ». Rien n’a été écrit et le rapport précédent est inchangé. Libérez de "
        "l’espace disque ou choisissez un dossier où vous pouvez écrire (--out), puis relancez."
    )
