"""Behind TLS (an https SATUSTOK_PUBLIC_URL): secure cookies, HSTS, the proxy's
X-Forwarded-Proto trusted, CSRF origins and allowed hosts from the public URL; always:
HttpOnly/Lax cookies, no framing, no sniffing, a same-origin referrer, and a CSP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from running_hub import hub_environment
from satustok.core.deploy import ONE_YEAR, transport_security

SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "CSRF_TRUSTED_ORIGINS",
    "ALLOWED_HOSTS",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
]


def settings_under(tmp_path: Path, **env: str) -> dict[str, Any]:
    """The settings module imported fresh in a process of its own with ``env``."""
    program = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'satustok.settings';"
        "from django.conf import settings;"
        f"print(json.dumps({{n: getattr(settings, n) for n in {SETTINGS!r}}}))"
    )
    environment = hub_environment(tmp_path, **env)
    for name in ("SATUSTOK_PUBLIC_URL", "SATUSTOK_SSL_REDIRECT", "SATUSTOK_ALLOWED_HOSTS"):
        if name not in env:
            environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.dbless
def test_an_https_public_url_turns_on_everything_tls_needs(tmp_path: Path) -> None:
    got = settings_under(tmp_path, SATUSTOK_PUBLIC_URL="https://hub.example.com")
    assert got["SESSION_COOKIE_SECURE"] is True and got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert got["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False  # the domain owner's choice
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["SECURE_SSL_REDIRECT"] is False  # only when asked
    assert got["CSRF_TRUSTED_ORIGINS"] == ["https://hub.example.com"]
    assert "hub.example.com" in got["ALLOWED_HOSTS"]
    redirecting = settings_under(
        tmp_path, SATUSTOK_PUBLIC_URL="https://hub.example.com", SATUSTOK_SSL_REDIRECT="1"
    )
    assert redirecting["SECURE_SSL_REDIRECT"] is True


@pytest.mark.dbless
def test_plain_http_trusts_no_proxy_header_and_keeps_the_usual_cookies(tmp_path: Path) -> None:
    got = settings_under(tmp_path)
    assert got["SESSION_COOKIE_SECURE"] is False and got["SECURE_HSTS_SECONDS"] == 0
    # A client could send X-Forwarded-Proto itself: never believed without an https set-up.
    assert got["SECURE_PROXY_SSL_HEADER"] is None
    assert got["SESSION_COOKIE_HTTPONLY"] is True and got["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert got["X_FRAME_OPTIONS"] == "DENY" and got["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert got["SECURE_REFERRER_POLICY"] == "same-origin"


@pytest.fixture
def behind_tls(settings: Any) -> Any:
    """This process's settings as an https public URL with SATUSTOK_SSL_REDIRECT=1 makes them."""
    for name, value in transport_security(
        "https://hub.example.com", ssl_redirect=True, hsts_subdomains=False
    ).items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "hub.example.com"]
    return settings


@pytest.mark.django_db
def test_a_request_through_the_tls_proxy_is_secure(behind_tls: Any) -> None:
    client = Client(HTTP_HOST="hub.example.com")
    page = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == f"max-age={ONE_YEAR}"
    assert "Secure" in str(page.cookies["csrftoken"]) or page.cookies["csrftoken"]["secure"]
    # Plain HTTP (no proxy saying https) is sent to https; the health checks are not.
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://hub.example.com/login/"
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_every_response_carries_the_protective_headers(client: Client) -> None:
    page = client.get("/login/")
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
