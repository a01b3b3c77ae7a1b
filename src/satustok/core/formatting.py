"""Numbers written the Indonesian way, for messages and notes built in Python: thousands
grouped with dots (``1.234.567``) and money as ``Rp 1.234.567``. One place, so a report's note,
an export's refusal and an upload's message all write a number alike (the templates' filters
in ``web/templatetags`` write the same)."""

from __future__ import annotations

__all__ = ["grouped", "rupiah"]


def grouped(value: int) -> str:
    """``1234567`` → ``1.234.567`` (a minus sign kept: ``-1.500``)."""
    return f"{value:,}".replace(",", ".")


def rupiah(value: int) -> str:
    """Whole rupiah as shown to a seller: ``Rp 1.234.567``, ``-Rp 1.500``."""
    return f"{'-' if value < 0 else ''}Rp {grouped(abs(value))}"
