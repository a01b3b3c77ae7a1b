"""Every route of the hub asked by someone not logged in, with junk: no 5xx, and nothing stored
(the only rows an anonymous request may add are counts: refused webhook deliveries, and the
failed-login records login throttling keeps). Routes that serve an anonymous visitor (an answer
below 400 that is not a redirect to the login) must be on the reviewed list below: a new public
route fails here until someone has looked at what it stores."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

pytestmark = pytest.mark.django_db

# Rows an anonymous request may add: counts, not what was sent (see each model).
MAY_GROW = {
    "orders.RefusedDeliveries",
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "axes.AccessLog",
}

# What answers someone not logged in, reviewed: each stores nothing it has not verified.
REVIEWED_PUBLIC = {
    "i18n/setlang/",  # a language cookie, nothing stored
    "webhooks/<slug:channel>/<int:account_id>/<slug:event>/",  # signature first; refusals counted
    "api/openapi.json",  # the schema, read only
    "api/docs",
    "api/docs/assets/<name>",
    "api/<path:rest>",  # the API's JSON 404
    "api/",
    "healthz",
    "readyz",  # {"status": …} only; detail for staff
    "login/",  # throttled (failed attempts recorded by django-axes)
    "logout/",
    "invitation/<str:key>/",  # a one-time key, checked before anything is saved
    "admin/login/",  # the Django admin's login, throttled like the UI's
    "admin/logout/",
    "admin/",  # redirects to its login
}

SAMPLE = {"int": "1", "slug": "tokopedia", "str": "1", "path": "x"}
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the URL conf, as written (regex routes are left out: the admin's, which
    need a login, and the webhooks' catch-all, which reads nothing)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if isinstance(entry.pattern, RoutePattern) or str(entry.pattern) == "":
                yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern):
            yield prefix + str(entry.pattern)


def concrete(route: str) -> str:
    return "/" + CONVERTER.sub(lambda m: SAMPLE.get(m["kind"] or "str", "1"), route)


def row_counts() -> dict[str, int]:
    """Rows of every table the hub's models have, in one query."""
    models: list[type[Model]] = [
        m for m in apps.get_models() if m._meta.managed and not m._meta.proxy
    ]
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    return {m._meta.label: int(n) for m, n in zip(models, row, strict=True)}


def asks(path: str) -> Iterator[tuple[str, Any]]:
    """What an anonymous visitor may send: a read, a form (also a login try), JSON junk."""
    yield "GET", lambda client: client.get(path, {"next": "https://evil.example/", "q": "é"})
    form = {"username": "intruder", "password": "wrong", "language": "id", "next": "/x"}
    yield "POST form", lambda client: client.post(path, form)
    yield "POST json", lambda client: client.post(path, b'{"a":\x00"\xff', "application/json")


def test_no_anonymous_request_stores_anything_or_gets_a_5xx() -> None:
    answered_anonymously: set[str] = set()
    client = Client()  # one handler (building one scans the static files)
    for route in sorted(set(routes())):
        for how, ask in asks(concrete(route)):
            client.cookies = SimpleCookie()  # a new visitor each time: no session, no login
            before = row_counts()
            answer = ask(client)
            assert answer.status_code < 500, (route, how, answer.status_code)
            after = row_counts()
            grew = {label for label in after if after[label] != before[label]}
            assert grew <= MAY_GROW, (route, how, grew)
            if _served(answer):
                answered_anonymously.add(route)
    assert answered_anonymously <= REVIEWED_PUBLIC, answered_anonymously - REVIEWED_PUBLIC


def _served(answer: Any) -> bool:
    """Answered as the route's own (not refused, not sent to the login)."""
    if answer.status_code in (301, 302, 303, 307, 308):
        return "login" not in answer.get("Location", "")
    return answer.status_code < 400
