"""Receiving webhooks: verify, store, acknowledge; then process in the queue.

The receiving view checks the signature on the raw body before any JSON is read; every POST
is stored as a :class:`WebhookDelivery` whatever its fate (bad signatures get 401 and are kept
as *rejected*). A good delivery is stored first, a task to process it is queued, and the
channel gets its 200 at once. Processing (:func:`process_delivery`) parses the body, routes it
to the integration of the shop it names, and hands it to ingestion; it is safe to run twice
(a processed delivery is left alone, and ingestion is idempotent).

One app (Tokopedia's FS ID) registers one set of URLs for all its shops, so the URL names an
integration but the payload's ``shop_id`` decides which integration an event is for.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from satustok.channels.http.errors import ChannelError, RetryableError
from satustok.channels.models import ChannelAccount
from satustok.orders.ingest import Ingested, ingest, ingest_status
from satustok.orders.models import DeliveryStatus, EventSource, WebhookDelivery
from satustok.orders.source import OrderSource, UnknownOrderStatus, WebhookMessage, order_source

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, channel: str, account_id: int, event: str) -> HttpResponse:
    body = request.body
    account = ChannelAccount.objects.filter(pk=account_id, channel=channel).first()
    delivery = WebhookDelivery(
        account=account, channel=channel, event=event[:40], body=body.decode("utf-8", "replace")
    )
    refusal = _refusal(account, event, body, request)
    if refusal is not None:
        status, message = refusal
        delivery.status, delivery.error = DeliveryStatus.REJECTED, message
        delivery.save()
        log.warning(
            "webhook %s/%s refused: %s",
            channel,
            event,
            message,
            extra={"integration": account_id, "delivery": delivery.pk},
        )
        return JsonResponse({"error": message}, status=status)
    delivery.signature_ok = True
    delivery.save()
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    return JsonResponse({"status": "received", "id": delivery.pk})


def _refusal(
    account: ChannelAccount | None, event: str, body: bytes, request: HttpRequest
) -> tuple[int, str] | None:
    """Why this POST is refused (HTTP status, message), or None. Nothing here reads JSON."""
    if account is None:
        return 404, "no such integration"
    source = order_source(account)
    if event not in source.webhook_events:
        return 404, f"unknown event {event!r}"
    secret = account.webhook_secret.reveal() if account.webhook_secret else ""
    if not source.verify_webhook(body, request.headers, secret):
        return 401, "missing or invalid signature"
    return None


def _enqueue(delivery_id: int) -> None:
    from satustok.orders.tasks import process_webhook

    process_webhook(delivery_id)


# --- processing -----------------------------------------------------------------------------


def process_delivery(delivery_id: int) -> WebhookDelivery:
    """Process one stored delivery. Retryable channel failures are raised (the task retries);
    anything else ends the delivery as *failed* with the reason."""
    delivery = WebhookDelivery.objects.select_related("account").get(pk=delivery_id)
    if not delivery.signature_ok or delivery.status == DeliveryStatus.PROCESSED:
        return delivery
    assert delivery.account is not None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    try:
        outcome = _process(delivery)
    except RetryableError as error:
        _finish(delivery, DeliveryStatus.FAILED, error=str(error))
        raise
    except (ChannelError, UnknownOrderStatus) as error:
        _finish(delivery, DeliveryStatus.FAILED, error=str(error))
    else:
        _finish(delivery, DeliveryStatus.PROCESSED, outcome=outcome)
    return delivery


def _process(delivery: WebhookDelivery) -> str:
    assert delivery.account is not None
    message = order_source(delivery.account).parse_webhook(delivery.event, delivery.body.encode())
    delivery.order_external_id = message.external_id[:64]
    account = _routed(delivery.account, message)
    if account is None:
        return f"ignored: shop {', '.join(message.shop_ids)} is not connected"
    delivery.account = account
    source = order_source(account)
    try:
        return _apply(account, message, source)
    finally:
        source.close()


def _routed(account: ChannelAccount, message: WebhookMessage) -> ChannelAccount | None:
    """The integration of the shop the event is about (an app's URLs serve all its shops)."""
    if not message.shop_ids or account.shop_id in message.shop_ids:
        return account
    return ChannelAccount.objects.filter(
        channel=account.channel, app_id=account.app_id, shop_id__in=message.shop_ids
    ).first()


def _apply(account: ChannelAccount, message: WebhookMessage, source: OrderSource) -> str:
    if message.order is not None:
        # An order is created with its lines; a notification without them is read whole.
        whole = message.order if message.order.lines else source.order(message.external_id)
        return ingest(account, whole, EventSource.WEBHOOK).describe()
    if message.change is None:
        return message.summary or "recorded"
    done = ingest_status(account, message.change, EventSource.WEBHOOK)
    if done is None:
        done = _fetch_and_ingest(account, message, source)
    return done.describe()


def _fetch_and_ingest(
    account: ChannelAccount, message: WebhookMessage, source: OrderSource
) -> Ingested:
    """A status event for an order never seen (its notification was lost): read it whole."""
    assert message.change is not None
    created = ingest(account, source.order(message.change.external_id), EventSource.WEBHOOK)
    # The order as read is at least as new as the event, unless the event overtook the read.
    later = ingest_status(account, message.change, EventSource.WEBHOOK)
    return later if later is not None and later.moved else created


def _finish(delivery: WebhookDelivery, status: str, *, outcome: str = "", error: str = "") -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        outcome=outcome[:255],
        error=error,
        account=delivery.account,
        order_external_id=delivery.order_external_id,
        processed_at=timezone.now(),
    )
    delivery.status, delivery.outcome, delivery.error = status, outcome[:255], error
