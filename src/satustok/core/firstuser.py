"""The first login: created by ``satustok run`` when the hub has no user yet."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model


@dataclass(frozen=True)
class FirstUser:
    username: str
    password: str | None  # None when the user already existed: we never know a stored password
    created: bool


def ensure_first_user() -> FirstUser:
    """Create a superuser from SATUSTOK_ADMIN_USER/PASSWORD (or generated) if none exists."""
    users = get_user_model()
    username = os.environ.get("SATUSTOK_ADMIN_USER", "admin")
    if users.objects.exists():
        existing = users.objects.filter(is_superuser=True).order_by("id").first()
        return FirstUser(existing.get_username() if existing else username, None, created=False)
    password = os.environ.get("SATUSTOK_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    users.objects.create_superuser(username=username, password=password, email="")
    return FirstUser(username, password, created=True)
