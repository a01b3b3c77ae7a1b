"""API fixtures: a user with a token, a client that sends it, and the hub pointed at the
session's Tokopedia sandbox (the same small pattern as tests/hub/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient
from django.contrib.auth import get_user_model
from django.test import Client

from satustok.api import tokens
from satustok.core.access import Role
from satustok.core.models import Membership

OUR_FS_ID = 15001


@pytest.fixture
def user(db: None) -> Any:
    operator = get_user_model().objects.create_user("operator")  # no password: hashing costs 0.3 s
    Membership.objects.create(user=operator, role=Role.OWNER)  # may call every route
    return operator


@pytest.fixture
def issued(user: Any) -> tokens.IssuedToken:
    return tokens.issue(user, "tests")


@pytest.fixture
def api(client: Client, issued: tokens.IssuedToken) -> ApiClient:
    return ApiClient(client, issued.key)


@pytest.fixture
def anonymous(client: Client, db: None) -> ApiClient:
    return ApiClient(client, None)
