"""Token authentication: every endpoint needs a live token; keys are stored only as digests and
shown once; the CLI creates, lists and revokes them."""

from __future__ import annotations

import hashlib
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
from api_helpers import ApiClient
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from satustok.api import tokens
from satustok.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_no_token_is_401_with_a_message(anonymous: ApiClient) -> None:
    response = anonymous.get("/integrations")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sst_not-a-real-token",
        "Bearer something-else-entirely",
        "Basic b3BlcmF0b3I6cGFzc3dvcmQ=",
        "Bearer",
    ],
)
def test_a_wrong_token_is_401(client: Client, issued: tokens.IssuedToken, header: str) -> None:
    response = client.get("/api/integrations", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_good_token_is_200_and_marks_its_use(api: ApiClient, issued: tokens.IssuedToken) -> None:
    assert issued.token.last_used_at is None
    assert api.get("/integrations").status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_a_revoked_token_is_401(api: ApiClient, issued: tokens.IssuedToken) -> None:
    assert api.get("/integrations").status_code == 200
    assert tokens.revoke(issued.token) is True
    assert tokens.revoke(issued.token) is False  # twice changes nothing
    response = api.get("/integrations")
    assert (response.status_code, response.json()["code"]) == (401, "invalid_token")


def test_a_deactivated_users_token_is_401(api: ApiClient, user: Any) -> None:
    user.is_active = False
    user.save()
    assert api.get("/integrations").status_code == 401


def test_the_key_is_stored_only_as_its_sha256(issued: tokens.IssuedToken) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken WHERE id = %s", [issued.token.pk])
        row = cursor.fetchone()
    assert all(issued.key not in str(value) for value in row)
    assert issued.token.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key.startswith(issued.token.prefix) and len(issued.token.prefix) < 16


def test_the_key_never_reaches_the_log(
    user: Any, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.DEBUG = True  # where ninja's own bearer parser would log a wrong-scheme header
    with caplog.at_level("DEBUG"):
        issued = tokens.issue(user, "logged?")
        for header in (f"Bearer {issued.key}x", f"Token {issued.key}"):
            Client().get("/api/integrations", headers={"Authorization": header})
    assert issued.key not in caplog.text and issued.token.prefix in caplog.text


def test_cli_creates_a_token_that_works_and_prints_it_once(client: Client, user: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stderr(err):
        call_command("api", "token", "create", "operator", "--name", "ci", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("sst_") and key not in err.getvalue()
    token = ApiToken.objects.get()
    assert (token.name, token.user, token.prefix) == ("ci", user, key[:12])
    response = client.get("/api/integrations", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_cli_lists_without_keys_and_revokes_by_prefix(
    api: ApiClient, issued: tokens.IssuedToken
) -> None:
    listed = _json_of("api", "token", "list", "--json")
    assert [t["prefix"] for t in listed] == [issued.token.prefix]
    assert issued.key not in json.dumps(listed)
    call_command("api", "token", "revoke", issued.token.prefix, stdout=io.StringIO())
    assert _json_of("api", "token", "list", "--json")[0]["revoked_at"]
    assert api.get("/integrations").status_code == 401


def test_cli_refuses_an_unknown_user_or_token(user: Any) -> None:
    with pytest.raises(CommandError) as unknown_user:
        call_command("api", "token", "create", "nobody")
    assert unknown_user.value.returncode == 2
    with pytest.raises(CommandError) as unknown_token:
        call_command("api", "token", "revoke", "sst_unknown")
    assert unknown_token.value.returncode == 2


def test_the_admin_shows_a_new_key_once_and_stores_its_digest(client: Client) -> None:
    admin = get_user_model().objects.create_superuser("boss", password=None)
    client.force_login(admin)
    page = client.post("/admin/api/apitoken/add/", {"user": admin.pk, "name": "from admin"})
    token = ApiToken.objects.get(name="from admin")
    found = re.search(r'id="api-key"[^>]*>([^<]+)<', page.content.decode())
    assert found, "the new key is shown on the page after saving"
    key = found.group(1)
    assert token.key_hash == tokens.digest(key)
    assert key not in client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()


def test_last_used_is_written_at_most_once_a_minute(
    api: ApiClient, issued: tokens.IssuedToken
) -> None:
    api.get("/integrations")
    issued.token.refresh_from_db()
    first = issued.token.last_used_at
    api.get("/integrations")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == first
    ApiToken.objects.filter(pk=issued.token.pk).update(
        last_used_at=timezone.now() - tokens.LAST_USED_RESOLUTION
    )
    api.get("/integrations")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at > first  # type: ignore[operator]


def _json_of(*args: str) -> Any:
    out = io.StringIO()
    with redirect_stdout(out):
        call_command(*args)
    return json.loads(out.getvalue())
