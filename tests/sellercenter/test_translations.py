"""Every string an app's code marks for translation has a Vietnamese translation in that app's own
catalogue (`<app>/locale/vi/LC_MESSAGES/django.po`).

`makemessages` runs on a copy of each app (Python files and templates, so `{% translate %}` counts),
in a fresh locale folder, so nothing in the worktree is rewritten; the app's real .po file is
compiled with msgfmt (which refuses duplicate entries and leaves out empty and fuzzy ones) and the
two are compared by context, msgid and plural. Skipped with the reason when GNU gettext is missing
locally; a failure in CI (SELLERCENTER_REQUIRE_SERVICES=1)."""

import ast
import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
APPS = ["sellercenter", "customers", "loyalty", "promotions", "orders", "finance"]
EXTENSIONS = "html,txt,py"

# Strings the code marks but that read the same in Vietnamese, by app, as (msgctxt, msgid). Keep this
# tiny: a brand or a code reads the same, so translate it to itself in the .po file rather than
# listing it here; only a string that must not be in the catalogue at all belongs here.
NOT_TRANSLATED: dict[str, set[tuple[str | None, str]]] = {}


def _gettext_tools() -> None:
    missing = [tool for tool in ("xgettext", "msgfmt", "msgmerge") if not shutil.which(tool)]
    if missing:
        reason = f"needs GNU gettext ({', '.join(missing)} missing; apt-get install gettext)"
        if REQUIRE_SERVICES:
            pytest.fail(f"gettext is required here (SELLERCENTER_REQUIRE_SERVICES=1): {reason}")
        pytest.skip(reason)


def _po_entries(path: Path) -> set[tuple[str | None, str, bool]]:
    """(msgctxt, msgid, has a plural) of each entry of a .po file, the header left out."""
    entries, current, field = set(), {}, None

    def flush():
        if current.get("msgid"):
            entries.add((current.get("msgctxt"), current["msgid"], "msgid_plural" in current))

    for line in path.read_text(encoding="utf-8").splitlines():
        keyword, _space, rest = line.partition(" ")
        # An entry starts at its msgctxt, or at its msgid when it has none.
        if keyword == "msgctxt" or (keyword == "msgid" and ("msgid" in current or "msgctxt" not in current)):
            flush()
            current = {}
        if keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
            field = keyword
            current[field] = ast.literal_eval(rest)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
    flush()
    return entries


def _used_msgids(app: str, tmp_path: Path) -> set[tuple[str | None, str, bool]]:
    copy = tmp_path / app
    shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("locale", "migrations", "__pycache__", "*.pyc"))
    (copy / "locale").mkdir()
    # Without the project's settings, so that the project's LOCALE_PATHS (a real folder) is not written.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # -P: the copy's own modules (selectors.py, ...) must not shadow the standard library's.
    command = [sys.executable, "-P", "-m", "django", "makemessages", "-l", "vi", "-e", EXTENSIONS, "--no-location"]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return _po_entries(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po")


def _translated(app: str, tmp_path: Path) -> dict:
    compiled = tmp_path / f"{app}.mo"
    po = ROOT / app / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(po)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"{po.relative_to(ROOT)} does not compile:\n{result.stderr}"
    with compiled.open("rb") as catalogue:
        return gettext.GNUTranslations(catalogue)._catalog


@pytest.mark.parametrize("app", APPS)
def test_every_marked_string_has_a_vietnamese_translation(app, tmp_path):
    _gettext_tools()
    catalogue = _translated(app, tmp_path)
    missing = []
    for context, msgid, plural in sorted(_used_msgids(app, tmp_path), key=lambda e: (e[1], e[0] or "")):
        if (context, msgid) in NOT_TRANSLATED.get(app, set()):
            continue
        key = msgid if context is None else f"{context}\x04{msgid}"
        translation = catalogue.get((key, 0) if plural else key)
        if not translation:
            missing.append(f"{context}|{msgid}" if context else msgid)

    assert not missing, (
        f"{len(missing)} string(s) of {app} have no Vietnamese in {app}/locale/vi/LC_MESSAGES/django.po "
        "(append them to its end):\n" + "\n".join(missing)
    )
