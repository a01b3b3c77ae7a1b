"""What every channel's connect form shares; each channel's own form lives in its package
(``channels/<name>/forms.py``) and is named in its registry description.

The field builders below are the kinds of field every connect form is made of — an id typed as
digits (or another pattern), a plain id, and a secret — so that each channel's form only says
what its fields are called and how the seller recognises them. The words (labels, help texts,
error messages) stay in the channel's form: they are the channel's, and translated there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.protocol import Credentials

if TYPE_CHECKING:
    # A text or a lazily translated one (``gettext_lazy``): the channel's words, in its form.
    from django.utils.functional import _StrOrPromise as Words

DIGITS = r"^\s*\d{1,20}\s*$"
TEXT_MAX_LENGTH = 255  # the longest free-form id or secret a seller may type in


class ConnectForm(Protocol):
    """A bound Django form a seller fills in to connect a shop (web UI, REST API and CLI)."""

    def is_valid(self) -> bool: ...

    def credentials(self) -> Credentials: ...

    def shop_id_value(self) -> str:
        """The shop the seller names, or ``""`` where the channel's approval page chooses it."""
        ...


def pattern_field(
    label: str,
    *,
    help_text: Words,
    invalid: Words,
    required: Words,
    regex: str = DIGITS,
    max_length: int = 22,
) -> forms.RegexField:
    """An id the seller copies from the channel's console (digits unless ``regex`` says
    otherwise, spaces around it forgiven), with the channel's words for a wrong or missing one."""
    return forms.RegexField(
        label=label,
        regex=regex,
        max_length=max_length,
        help_text=help_text,
        error_messages={"invalid": invalid, "required": required},
    )


def text_field(label: str, *, required: Words) -> forms.CharField:
    """An id of no fixed shape (trimmed), with the channel's words for a missing one."""
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        error_messages={"required": required},
    )


def secret_field(label: str, *, required: Words) -> forms.CharField:
    """A secret (client secret, partner key, app secret): typed into a password box that is
    never filled back in, stored encrypted, never shown again."""
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again."),
        error_messages={"required": required},
    )
