"""A fuzzer over every channel's webhook receiver, through the real URL routing: random paths
(channel, integration id, event: huge, non-ASCII), signature headers (random text, bytes as a
server decodes them, huge, several values), bodies (random bytes, NUL, invalid UTF-8, over
the cap, JSON bombs), some signed as the marketplace would. Whatever comes: no 5xx, nothing
stored for a refused delivery (only a bounded count), a stored one processed without an
error escaping, on SQLite and on PostgreSQL (where NUL and out-of-range values used to 500).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from webhook_doors import Door

from satustok.channels import registry
from satustok.orders.models import Order, RefusedDeliveries, WebhookDelivery

CAP = 64 * 1024  # the body cap in this suite: a JSON bomb fits under it, a huge body does not
EXAMPLES = 150  # per channel: bounded for CI

pytestmark = pytest.mark.django_db(transaction=False)


def _bomb(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _nested_objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
).map(lambda value: json.dumps(value, allow_nan=True).encode())

BODIES = st.one_of(
    st.binary(max_size=512),
    JSONISH,
    JSONISH.map(lambda body: body.replace(b'"', b'"\x00', 1)),  # a raw NUL inside
    st.just(b'{"shop_id": "\\u0000", "order_id": "1\\u0000"}'),  # an escaped NUL
    st.binary(min_size=1, max_size=64).map(lambda raw: b'{"x": "' + raw + b'\xff\xfe"}'),
    st.integers(1, 20_000).map(_bomb),
    st.integers(1, 5_000).map(_nested_objects),
    st.integers(CAP + 1, CAP + 4096).map(lambda size: b"a" * size),
)

HEADER_TEXT = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda raw: raw.decode("latin-1")),  # how WSGI hands bytes over
    st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64),
    st.integers(1_000, 100_000).map(lambda size: "é" * size),
    st.just(""),
)


def _slug_or_any(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=300),
        st.text(min_size=1, max_size=40),
    )


@st.composite
def posts(draw: Any, door: Door, others: list[str]) -> dict[str, Any]:
    event = draw(st.sampled_from(door.events))
    channel, integration = door.channel, str(door.account.pk)
    if draw(st.integers(0, 9)) >= 6:  # four times in ten, somewhere else than the real door
        event = draw(_slug_or_any([*door.events, "x"]))
        channel = draw(st.one_of(st.just(channel), _slug_or_any(others)))
        integration = draw(
            st.one_of(
                st.just(integration),
                st.integers(0, 2**80).map(str),
                st.text(min_size=1, max_size=12),
            )
        )
    body = draw(BODIES)
    how = draw(st.sampled_from(["signed", "signed", "random", "several", "none"]))
    headers: dict[str, str] = {}
    if how == "signed":
        headers[door.header] = door.signature(body, event)
    elif how == "random":
        headers[door.header] = draw(HEADER_TEXT)
    elif how == "several":  # a header sent twice reaches WSGI joined by a comma
        headers[door.header] = door.signature(body, event) + ", " + draw(HEADER_TEXT)
    path = "/webhooks/" + "/".join(quote(part, safe="") for part in (channel, integration, event))
    return {"path": path + "/", "body": body, "headers": headers}


def signed(door: Door, body: bytes) -> dict[str, Any]:
    """A post of ``body`` to the door's first event, signed as the channel signs."""
    event = door.events[0]
    channel, integration = door.channel, str(door.account.pk)
    path = "/webhooks/" + "/".join((channel, integration, event)) + "/"
    return {"path": path, "body": body, "headers": {door.header: door.signature(body, event)}}


@pytest.mark.parametrize("code", registry.codes())
def test_no_webhook_post_gets_a_5xx_or_stores_a_refused_delivery(
    code: str, doors: dict[str, Door], settings_cap: None, django_capture_on_commit_callbacks: Any
) -> None:
    door = doors[code]
    others = [other for other in registry.codes() if other != code]
    client = Client()
    seen: set[int] = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(post=posts(door, others))
    # One post at each door besides the random ones: whether a random draw happened to reach
    # every door must not decide whether the suite passes.
    @example(post=signed(door, b'{"x": 1}'))  # accepted
    @example(post=signed(door, b'{"x": "\x00"}'))  # a signed body with a raw NUL: malformed
    @example(post={**signed(door, b"{}"), "headers": {}})  # unsigned
    @example(
        post={
            **signed(door, b"{}"),
            "path": signed(door, b"{}")["path"].replace(f"/{door.account.pk}/", "/0/"),
        }
    )  # no such integration
    @example(post=signed(door, b"a" * (CAP + 1)))  # over the cap
    def one(post: dict[str, Any]) -> None:
        stored_before = WebhookDelivery.objects.count()
        with django_capture_on_commit_callbacks(execute=True):  # processing, as after a commit
            answer = client.post(
                post["path"],
                post["body"],
                content_type="application/json",
                headers=post["headers"],
            )
        assert answer.status_code < 500, (answer.status_code, answer.content[:300])
        seen.add(answer.status_code)
        stored = WebhookDelivery.objects.count() - stored_before
        if answer.status_code == 200:
            assert stored == 1
            delivery = WebhookDelivery.objects.latest("id")
            assert delivery.signature_ok and delivery.status in ("processed", "failed")
        else:
            assert stored == 0, (answer.status_code, post["path"])
            assert answer["Content-Type"].startswith("application/json")

    one()
    # Every door was reached: accepted, malformed, unsigned, unknown, too large.
    assert {200, 400, 401, 404, 413} <= seen, seen
    # Refusals are counted on a bounded set of rows: per (channel, known integration or 0,
    # reason) and day, whatever ids, events and bodies were sent.
    assert RefusedDeliveries.objects.count() <= len(registry.codes()) * 2 * 5
    assert not Order.objects.exclude(account__channel=code).exists()


@pytest.fixture
def settings_cap(settings: Any) -> None:
    settings.SATUSTOK_WEBHOOK_MAX_BYTES = CAP


@pytest.mark.parametrize("code", registry.codes())
@pytest.mark.parametrize(
    "bomb", [_bomb(100_000), _nested_objects(50_000)], ids=["arrays", "objects"]
)
def test_a_signed_json_bomb_fails_its_delivery_and_nothing_else(
    code: str, bomb: bytes, doors: dict[str, Door], django_capture_on_commit_callbacks: Any
) -> None:
    """Deep nesting under the cap, signed: stored, then failed by the parser (no recursion
    error escapes the worker, nothing is ingested)."""
    door = doors[code]
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(
            door.path(door.events[0]),
            bomb,
            content_type="application/json",
            headers=door.signed(bomb, door.events[0]),
        )
    assert answer.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.error
    assert not Order.objects.exists()
