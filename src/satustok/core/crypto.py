"""Secrets at rest: a model field that stores Fernet ciphertext and never prints its value.

Client secrets, tokens and webhook keys go through :class:`EncryptedTextField`. The database
holds only ciphertext; Python code sees a :class:`Secret`, whose ``repr``/``str`` are masked so
that a stray log line or template cannot leak it. Call ``.reveal()`` where the plain value is
really needed (the HTTP call to the channel).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute


class Secret:
    """A plain-text secret that refuses to show itself by accident.

    One read from the database keeps its ciphertext and decrypts on first use: loading an
    integration (every webhook, every push) must not pay for secrets nobody reads."""

    __slots__ = ("_ciphertext", "_value")

    def __init__(self, value: str) -> None:
        self._value: str | None = value
        self._ciphertext = ""

    @classmethod
    def encrypted(cls, ciphertext: str) -> Secret:
        secret = cls("")
        secret._value, secret._ciphertext = None, ciphertext
        return secret

    @property
    def _plain(self) -> str:
        if self._value is None:
            self._value = decrypt(self._ciphertext)
        return self._value

    def reveal(self) -> str:
        return self._plain

    def stored_ciphertext(self) -> str:
        """The ciphertext this secret was read as ("" for one made from plain text)."""
        return self._ciphertext

    def masked(self) -> str:
        return mask(self._plain)

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r})"

    def __str__(self) -> str:
        return self.masked()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._plain == other._plain
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._plain)

    def __bool__(self) -> bool:
        return bool(self._plain)


def mask(value: str) -> str:
    """Show only the last four characters, and only of a secret long enough to stay secret."""
    if len(value) < 12:
        return "•" * 8
    return "•" * 8 + value[-4:]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("SATUSTOK encryption key is not a valid Fernet key") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.SATUSTOK_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Never include the token or key in the message.
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with the configured encryption key. "
            "Was SATUSTOK_ENCRYPTION_KEYS or the data directory's encryption_key changed?"
        ) from exc


class _SecretAttribute(DeferredAttribute):
    """Wraps whatever is assigned in a :class:`Secret`, so a freshly created object masks its
    secret exactly like one loaded from the database."""

    def __set__(self, instance: Any, value: Any) -> None:
        if value is not None and not isinstance(value, Secret):
            value = Secret(str(value))
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A text column holding Fernet ciphertext; reads back as :class:`Secret`."""

    descriptor_class = _SecretAttribute

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret | None:
        if value is None:
            return None
        return Secret.encrypted(value)

    def to_python(self, value: Any) -> Secret | None:
        if value is None or isinstance(value, Secret):
            return value
        return Secret(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Secret):
            # A secret read from the database and saved back keeps its ciphertext.
            return value.stored_ciphertext() or encrypt(value.reveal())
        return encrypt(str(value))

    def formfield(self, **kwargs: Any) -> None:  # type: ignore[override]
        """No form field, so no ModelForm anywhere (the Django admin's included) edits a
        secret: a form shows a secret masked, and saving the form wrote the mask back as the
        secret (a refresh token of ``••••…``). Secrets are set by the flows that encrypt them."""
        return None

    def value_to_string(self, obj: Any) -> str:
        # Serialisation (dumpdata) keeps ciphertext, never the plain value.
        return self.get_prep_value(self.value_from_object(obj)) or ""
