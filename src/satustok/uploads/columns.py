"""A template's column, named in the seller's language and found in either.

A seller downloads a template in Bahasa Indonesia, a colleague fills it in with the UI in
English, and uploads it: the headers must be found whatever language wrote them. A
:class:`Heading` knows its English name (the gettext msgid, shown in the active language), its
Indonesian name written here as well (so reading does not depend on the translation catalogue
being compiled), the catalogue's translation, and any other spellings a seller may type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise

from satustok.core.sheet_reading import Table


@dataclass(frozen=True)
class Heading:
    english: Promise  # gettext_lazy: the header in the active language
    indonesian: str
    others: Sequence[str] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        """The header as the template writes it, in the active language."""
        return str(self.english)

    def aliases(self) -> list[str]:
        with translation.override("id"):
            translated = str(self.english)
        with translation.override("en"):
            english = str(self.english)
        return [english, self.indonesian, translated, *self.others]

    def find(self, table: Table) -> int | None:
        """The column of ``table`` with this header, in any of its names; None if absent."""
        return table.find(*self.aliases())


def header_at(table: Table, index: int | None, heading: Heading) -> str:
    """The column's header as the uploaded file names it (what the seller sees), or the
    template's name for a column the file lacks."""
    if index is None:
        return heading.label
    return table.headers[index] or heading.label
