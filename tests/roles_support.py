"""Users with a role, for the tests of who may do what (tests/web, tests/api, tests/core)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from satustok.core.access import Role
from satustok.core.models import Membership

ROLES = [Role.OWNER, Role.ADMIN, Role.STAFF, Role.VIEWER]


def user_with_role(role: str, username: str = "") -> Any:
    """No password: hashing one costs a third of a second, and force_login needs none."""
    is_owner = role == Role.OWNER  # as the Users page makes them: Owners reach /admin
    user = get_user_model().objects.create(
        username=username or f"{role}-user", is_superuser=is_owner, is_staff=is_owner
    )
    Membership.objects.create(user=user, role=role)
    return user
