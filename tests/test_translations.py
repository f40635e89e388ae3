"""Every string a user reads is Russian: the catalogue is complete and up to date with the code."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale/ru/LC_MESSAGES/django.po"
SOURCES = ["config", "mcok", "directions", "indicators", "monitoring", "roadmaps", "reports", "templates"]


def msgids(po: Path) -> set[str]:
    text = po.read_text(encoding="utf-8")
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', text, flags=re.M):
        ids.add("".join(re.findall(r'^"(.*)"$', block, flags=re.M)))
    return ids - {""}


def test_catalogue_has_no_untranslated_or_fuzzy_messages():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        env={"LANG": "C", "LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_catalogue_holds_every_message_of_the_code(tmp_path):
    """makemessages on a copy of the sources finds no message that the catalogue lacks."""
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        if (root / name).exists():
            shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "locale", tmp_path / "locale")
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    missing = msgids(tmp_path / "locale/ru/LC_MESSAGES/django.po") - msgids(PO)
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"
    assert len(msgids(PO)) > 100
