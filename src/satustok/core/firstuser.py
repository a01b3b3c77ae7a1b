"""The first login: created by ``satustok run`` when the hub has no user yet."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils import translation

from satustok.core.access import Role
from satustok.core.models import Membership


@dataclass(frozen=True)
class FirstUser:
    username: str
    password: str | None  # None when the user already existed: we never know a stored password
    created: bool
    # The operator chose the password (SATUSTOK_ADMIN_PASSWORD): it is not printed, since the
    # banner ends up in the service's logs; a generated one must be shown once.
    chosen: bool = False


class WeakAdminPassword(ValueError):
    """SATUSTOK_ADMIN_PASSWORD fails the password validators (settings.AUTH_PASSWORD_VALIDATORS)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(
            "SATUSTOK_ADMIN_PASSWORD is not accepted as the first user's password: "
            + " ".join(reasons)
            + " Choose at least 10 characters, not only digits, not a common password and not "
            "like the user name — or leave SATUSTOK_ADMIN_PASSWORD unset and satustok "
            "generates one and prints it."
        )


def ensure_first_user() -> FirstUser:
    """Create a superuser from SATUSTOK_ADMIN_USER/PASSWORD (or generated) if none exists.

    A chosen password must pass the same validators as any other (a weak one raises
    :class:`WeakAdminPassword`, saying why); a generated one always does."""
    users = get_user_model()
    username = os.environ.get("SATUSTOK_ADMIN_USER", "admin")
    if users.objects.exists():
        existing = users.objects.filter(is_superuser=True).order_by("id").first()
        return FirstUser(existing.get_username() if existing else username, None, created=False)
    chosen = os.environ.get("SATUSTOK_ADMIN_PASSWORD", "")
    password = _checked(chosen, users(username=username)) if chosen else _generated(username)
    first = users.objects.create_superuser(username=username, password=password, email="")
    Membership.objects.create(user=first, role=Role.OWNER)  # the hub's first Owner
    return FirstUser(username, password, created=True, chosen=bool(chosen))


def _checked(password: str, user: Any) -> str:
    # In English, like the rest of the operator's start-up messages around it.
    with translation.override("en"):
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as refused:
            raise WeakAdminPassword([str(message) for message in refused.messages]) from None
    return password


def _generated(username: str) -> str:
    users = get_user_model()
    while True:  # 16 random characters pass at once but for a one-in-billions draw
        password = secrets.token_urlsafe(12)
        try:
            return _checked(password, users(username=username))
        except WeakAdminPassword:
            continue
