"""Bahasa Indonesia is complete: every message has a translation, none is a machine guess
(fuzzy), and the compiled catalogue the hub loads matches the source."""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
import pytest

import satustok

pytestmark = pytest.mark.dbless

LOCALE = Path(satustok.__file__).parent / "locale" / "id" / "LC_MESSAGES"


def entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(LOCALE / "django.po")) if not entry.obsolete]


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    untranslated = [e.msgid for e in entries() if not e.translated()]
    fuzzy = [e.msgid for e in entries() if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    with open(LOCALE / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in entries():
        if not entry.msgid_plural:
            assert catalogue.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_placeholders_survive_translation() -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)s")
    for entry in entries():
        if not entry.msgid_plural:
            assert sorted(placeholder.findall(entry.msgid)) == sorted(
                placeholder.findall(entry.msgstr)
            ), entry.msgid
