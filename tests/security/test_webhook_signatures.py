"""Every channel's webhook verifier, given signature headers made by whoever posts: non-ASCII
text, bytes as the server decodes them, empty, blank, huge, sent twice, a prefix. Each is a
401 (never a 500) and nothing is stored; the marketplace's own signature still passes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from webhook_doors import Door

from satustok.channels import registry
from satustok.orders.models import WebhookDelivery
from satustok.orders.refusals import refused_counts

pytestmark = pytest.mark.django_db

BODY = b'{"probe": "signatures"}'

HOSTILE = {
    "latin1": "é" * 64,
    "cjk": "签名签名",
    "bytes-0xff": bytes(range(128, 256)).decode("latin-1"),
    "surrogate": "\udcff" * 64,
    "empty": "",
    "blank": "   ",
    "huge": "f" * 200_000,
    "nul": "\x00" * 64,
}


@pytest.mark.parametrize("code", registry.codes())
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_signature_header_is_401_and_stores_nothing(
    code: str, name: str, doors: dict[str, Door], client: Client
) -> None:
    door = doors[code]
    answer = client.post(
        door.path(door.events[0]),
        BODY,
        content_type="application/json",
        headers={door.header: HOSTILE[name]},
    )
    assert answer.status_code == 401, answer.content
    assert not WebhookDelivery.objects.exists()
    assert refused_counts(integration=door.account.pk) == {"bad_signature": 1}


@pytest.mark.parametrize("code", registry.codes())
def test_the_signature_sent_twice_or_with_a_prefix_is_refused(
    code: str, doors: dict[str, Door], client: Client
) -> None:
    door = doors[code]
    good = door.signature(BODY, door.events[0])
    for variant in (f"{good}, {good}", f"{good},{good}", f"Bearer {good}", good + "0"):
        answer = client.post(
            door.path(door.events[0]),
            BODY,
            content_type="application/json",
            headers={door.header: variant},
        )
        assert answer.status_code == 401, variant
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("code", registry.codes())
def test_the_marketplaces_own_signature_is_accepted(
    code: str, doors: dict[str, Door], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    door = doors[code]
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            door.path(door.events[0]),
            BODY,
            content_type="application/json",
            headers=door.signed(BODY, door.events[0]),
        )
    assert answer.status_code == 200
    assert WebhookDelivery.objects.get().signature_ok
