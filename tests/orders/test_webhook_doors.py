"""The webhook door as the open internet tries it: a refused POST stores nothing (only a
count), a body over the cap is refused unread, an unknown channel is refused before any query,
a signed body holding NUL or not UTF-8 is refused as malformed, and deliveries are purged after
the retention, in batches, never while waiting."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from orders_helpers import Catalog, sign
from test_webhooks import notification

from roles_support import user_with_role
from satustok.core.access import Role
from satustok.orders import tasks
from satustok.orders.models import DeliveryStatus, RefusedDeliveries, WebhookDelivery
from satustok.orders.refusals import NO_INTEGRATION, refused_counts
from satustok.orders.retention import purge_deliveries

pytestmark = pytest.mark.django_db

Post = Callable[..., Any]

CAP = 4096  # the body cap in these tests (the default is 512 kB)


@pytest.fixture(autouse=True)
def small_cap(settings: Any) -> None:
    settings.SATUSTOK_WEBHOOK_MAX_BYTES = CAP


def order_status(order_id: int = 1, **extra: Any) -> bytes:
    payload = {"fs_id": 15001, "order_id": order_id, "order_status": 400, "shop_id": 480001}
    return json.dumps({**payload, **extra}).encode()


def new_order(**extra: Any) -> bytes:
    """A whole order (processed without asking the channel anything)."""
    return json.dumps({**notification(), **extra}).encode()


def webhook_path(catalog: Catalog, event: str = "order_status") -> str:
    return f"/webhooks/tokopedia/{catalog.account.pk}/{event}/"


# --- refused: nothing stored, one count ------------------------------------------------------


def test_forty_unsigned_posts_store_no_body_and_count_forty(
    catalog: Catalog, settings: Any, client: Client
) -> None:
    """The issue's flood: 40 unsigned posts of a large body each. Before, each was stored."""
    settings.SATUSTOK_WEBHOOK_MAX_BYTES = 512 * 1024
    body = b'{"order_id": 1, "pad": "' + b"x" * 400_000 + b'"}'
    for _ in range(40):
        answer = client.post(webhook_path(catalog), body, content_type="application/json")
        assert answer.status_code == 401
    assert not WebhookDelivery.objects.exists()
    assert RefusedDeliveries.objects.count() == 1  # one small row, however many posts
    assert refused_counts(integration=catalog.account.pk) == {"bad_signature": 40}


def test_unknown_integrations_are_counted_together_without_their_ids(
    catalog: Catalog, client: Client
) -> None:
    for unknown in (999, 12345, 2**40, 2**70):  # 2**70: past PostgreSQL's bigint
        answer = client.post(
            f"/webhooks/tokopedia/{unknown}/order_status/", b"{}", content_type="application/json"
        )
        assert answer.status_code == 404 and answer.json() == {"error": "no such integration"}
    other_channel = f"/webhooks/shopee/{catalog.account.pk}/order_status/"  # id of another channel
    assert client.post(other_channel, b"{}", content_type="application/json").status_code == 404
    assert not WebhookDelivery.objects.exists()
    assert refused_counts(channel="tokopedia", integration=NO_INTEGRATION) == {
        "unknown_integration": 4
    }
    assert refused_counts(channel="shopee") == {"unknown_integration": 1}
    assert RefusedDeliveries.objects.count() == 2


def test_an_unsigned_body_with_nul_is_a_401_not_a_500(catalog: Catalog, client: Client) -> None:
    """On PostgreSQL the body used to be stored before its signature was checked: a 500."""
    body = b'{"order_id": 1, "x": "\x00"}'
    answer = client.post(webhook_path(catalog), body, content_type="application/json")
    assert answer.status_code == 401 and not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("channel", ["nosuchchannel", "x" * 300, "tokopedia-"])
def test_an_unknown_or_overlong_channel_is_404_before_any_query(
    catalog: Catalog, client: Client, channel: str
) -> None:
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            f"/webhooks/{channel}/{catalog.account.pk}/order_status/",
            b"\x00" * 100,
            content_type="application/json",
        )
    assert answer.status_code == 404 and answer.json() == {"error": "no such channel"}
    assert len(queries) == 0
    assert not WebhookDelivery.objects.exists() and not RefusedDeliveries.objects.exists()


def test_other_addresses_under_webhooks_get_a_json_404_and_no_query(client: Client) -> None:
    for path in ("/webhooks/", "/webhooks/tokopedia/", "/webhooks/tokopedia/1/é/", "/webhooks/a/b"):
        with CaptureQueriesContext(connection) as queries:
            answer = client.post(path, b"{}", content_type="application/json")
        assert answer.status_code == 404 and answer.json() == {"error": "no such webhook address"}
        assert len(queries) == 0


# --- the body cap ---------------------------------------------------------------------------


class CountingInput(io.RawIOBase):
    """A request body of ``size`` bytes that counts what the hub reads of it."""

    def __init__(self, size: int) -> None:
        self.size, self.taken = size, 0

    def readable(self) -> bool:
        return True

    def read(self, wanted: int = -1) -> bytes:
        left = self.size - self.taken
        count = left if wanted is None or wanted < 0 else min(wanted, left)
        self.taken += count
        return b"a" * count


def test_a_body_declared_over_the_cap_is_413_and_never_read(
    catalog: Catalog, client: Client
) -> None:
    huge = CountingInput(10 * 1024 * 1024)
    answer = client.post(
        webhook_path(catalog),
        b"",
        content_type="application/json",
        **{"wsgi.input": huge, "CONTENT_LENGTH": str(huge.size)},
    )
    assert answer.status_code == 413
    assert answer.json() == {"error": f"the body is over {CAP} bytes"}
    assert huge.taken == 0
    assert not WebhookDelivery.objects.exists()
    assert refused_counts() == {"too_large": 1}


def test_the_cap_is_what_is_read_whatever_the_signature(
    catalog: Catalog, post_webhook: Post
) -> None:
    at_cap = new_order(pad="x" * (CAP - len(new_order(pad=""))))
    assert len(at_cap) == CAP
    assert post_webhook(catalog.account, "order_notification", at_cap).status_code == 200
    over = new_order(pad="x" * (CAP - len(new_order(pad="")) + 1))
    assert post_webhook(catalog.account, "order_notification", over).status_code == 413
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PROCESSED


# --- signatures and bodies the database could not store --------------------------------------


@pytest.mark.parametrize(
    "signature",
    ["é" * 64, "签名", "\u00ff" * 200, "a" * 100_000, "", "   ", sign(b"x") + ", " + sign(b"x")],
    ids=["latin1", "cjk", "0xff", "huge", "empty", "blank", "twice"],
)
def test_any_signature_header_is_refused_with_401_not_a_500(
    catalog: Catalog, post_webhook: Post, signature: str
) -> None:
    """A non-ASCII header used to raise TypeError in compare_digest: a 500."""
    answer = post_webhook(catalog.account, "order_status", order_status(), signature=signature)
    assert answer.status_code == 401
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"order_id": 1, "buyer": "a\x00b"}',
        b'{"order_id": 1, "buyer": "a\\u0000b"}',
        b'{"order_id": 1, "buyer": "a\\\\\\u0000b"}',
        b'{"order_id": 1, "buyer": "\xff\xfe"}',
        b'{"order_id": 1, "buyer": "\xc3"}',
    ],
    ids=["raw-nul", "escaped-nul", "escaped-nul-after-backslash", "not-utf8", "cut-utf8"],
)
def test_a_signed_body_with_nul_or_not_utf8_is_refused_as_malformed(
    catalog: Catalog, post_webhook: Post, body: bytes
) -> None:
    """PostgreSQL cannot store NUL in text (a raw NUL used to 500 before the signature was
    even checked); no marketplace sends one, so it is refused clearly, never stored."""
    answer = post_webhook(catalog.account, "order_status", body)
    assert answer.status_code == 400
    assert answer.json() == {"error": "the body is not UTF-8 text without NUL"}
    assert not WebhookDelivery.objects.exists()
    assert refused_counts() == {"malformed": 1}


def test_an_escaped_backslash_before_u0000_is_text_not_nul(
    catalog: Catalog, post_webhook: Post
) -> None:
    """``\\\\u0000`` in JSON is a backslash then "u0000": stored like any body."""
    body = new_order(note="\\u0000")
    assert b'"\\\\u0000"' in body
    assert post_webhook(catalog.account, "order_notification", body).status_code == 200
    assert WebhookDelivery.objects.get().body == body.decode()


# --- retention -------------------------------------------------------------------------------


def _delivery(catalog: Catalog, status: str, age: timedelta) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        account=catalog.account,
        channel="tokopedia",
        event="order_status",
        body="{}",
        signature_ok=status != DeliveryStatus.REJECTED,
        status=status,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(received_at=timezone.now() - age)
    return delivery


def test_the_purge_deletes_only_old_deliveries_done_with_in_batches(
    catalog: Catalog, settings: Any
) -> None:
    settings.SATUSTOK_WEBHOOK_RETENTION_DAYS = 14
    old, new = timedelta(days=15), timedelta(days=13)
    gone = [
        _delivery(catalog, status, old)
        for status in (DeliveryStatus.PROCESSED,) * 5 + (DeliveryStatus.FAILED, "rejected")
    ]
    kept = [
        _delivery(catalog, DeliveryStatus.RECEIVED, old),  # still waiting: never purged
        _delivery(catalog, DeliveryStatus.PROCESSING, old),
        _delivery(catalog, DeliveryStatus.PROCESSED, new),
    ]
    with CaptureQueriesContext(connection) as queries:
        purged = purge_deliveries(batch=2)
    assert purged.deliveries == len(gone)
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {d.pk for d in kept}
    deletes = [q for q in queries if q["sql"].startswith('DELETE FROM "orders_webhookdelivery"')]
    assert len(deletes) == 4  # 7 rows, 2 a batch: each a short transaction of its own
    assert purge_deliveries(batch=2).deliveries == 0


def test_the_hourly_task_purges_with_the_setting_and_old_refusal_counts_go_too(
    catalog: Catalog, settings: Any, client: Client
) -> None:
    settings.SATUSTOK_WEBHOOK_RETENTION_DAYS = 3
    _delivery(catalog, DeliveryStatus.PROCESSED, timedelta(days=4))
    recent = _delivery(catalog, DeliveryStatus.PROCESSED, timedelta(days=2))
    client.post(webhook_path(catalog), b"{}", content_type="application/json")  # counted today
    RefusedDeliveries.objects.create(
        day=timezone.localdate() - timedelta(days=5),
        channel="tokopedia",
        reason="bad_signature",
        count=7,
        last_at=timezone.now() - timedelta(days=5),
    )
    assert refused_counts(days=10) == {"bad_signature": 8}
    assert tasks.purge_old_deliveries.call_local() == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent.pk]
    assert refused_counts(days=10) == {"bad_signature": 1}


def test_the_cli_purges_now_with_the_days_given(
    catalog: Catalog, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.SATUSTOK_WEBHOOK_RETENTION_DAYS = 30
    _delivery(catalog, DeliveryStatus.PROCESSED, timedelta(days=4))
    recent = _delivery(catalog, DeliveryStatus.PROCESSED, timedelta(days=2))
    call_command("orders", "purge-webhooks", "--days", "3", "--json")
    assert json.loads(capsys.readouterr().out) == {"deliveries": 1, "refusal_counts": 0}
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent.pk]
    with pytest.raises(CommandError, match="negative"):
        call_command("orders", "purge-webhooks", "--days", "-1")
    capsys.readouterr()
    call_command("orders", "purge-webhooks", "--days", str(10**12), "--json")  # keeps all
    assert json.loads(capsys.readouterr().out) == {"deliveries": 0, "refusal_counts": 0}
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_integration_page_shows_the_refused_count_by_reason(
    catalog: Catalog, client: Client
) -> None:
    for _ in range(3):
        client.post(webhook_path(catalog), b"{}", content_type="application/json")
    client.post(webhook_path(catalog, "no_such_event"), b"{}", content_type="application/json")
    client.force_login(user_with_role(Role.OWNER))
    page = client.get(reverse("web:integration", args=[catalog.account.pk])).content.decode()
    shown = page.split('data-testid="refused-webhooks">', 1)[1].split("</dd>", 1)[0]
    assert "3 × " in shown and "1 × " in shown
