"""Receiving webhooks: verify, store, acknowledge; then process in the queue.

The receiving view refuses, before anything is stored and before any JSON is read: a channel
the registry does not know (404, not even counted), an integration or event it does not serve
(404), a body over ``SATUSTOK_WEBHOOK_MAX_BYTES`` (413, never read past the cap), a missing or
bad signature on the raw body (401), and a signed body that is not UTF-8 text or holds a NUL
character (400: no marketplace sends one, and PostgreSQL cannot store it). A refused POST is
only counted (``orders.refusals``), never stored. A good delivery is stored, a task to process
it is queued, and the channel gets its 200 at once. Processing (:func:`process_delivery`)
parses the body, routes it to the integration of the shop it names, and hands it to
ingestion; it is safe to run twice (a processed delivery is left alone, and ingestion is
idempotent). Deliveries are purged after the retention (``orders.retention``).

One app (Tokopedia's FS ID) registers one set of URLs for all its shops, so the URL names an
integration but the payload's ``shop_id`` decides which integration an event is for.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from satustok.channels import registry as channel_registry
from satustok.channels.http.errors import ChannelError, RetryableError
from satustok.channels.models import ChannelAccount
from satustok.channels.protocol import (
    ChannelOrder,
    OrderSource,
    StatusChange,
    UnknownOrderStatus,
    WebhookMessage,
)
from satustok.channels.tokens import apply_authorization_notice
from satustok.core.bulk import update_rows
from satustok.core.crypto import Secret
from satustok.core.debounce import Debounce
from satustok.core.threads import at_once
from satustok.orders.ingest import Ingested, ingest, ingest_many, ingest_status
from satustok.orders.models import (
    DeliveryStatus,
    EventSource,
    Order,
    RefusalReason,
    WebhookDelivery,
)
from satustok.orders.refusals import NO_INTEGRATION, count_refusal
from satustok.orders.source import order_source
from satustok.orders.status import OrderStatus
from satustok.sync import drift

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, channel: str, account_id: int, event: str) -> HttpResponse:
    if channel not in channel_registry.codes():
        return JsonResponse({"error": "no such channel"}, status=404)
    receiver = _receiver(channel, account_id)
    checked = _checked_body(receiver, event, request)
    if isinstance(checked, Refusal):
        return _refuse(channel, receiver, event, checked)
    assert receiver is not None  # a delivery without a receiver is refused
    delivery = WebhookDelivery.objects.create(
        account_id=receiver.account_id,
        channel=channel,
        event=event,
        body=checked.decode("utf-8"),  # checked: UTF-8 without NUL
        signature_ok=True,
    )
    transaction.on_commit(lambda: nudge_processing(delivery.pk))
    return JsonResponse({"status": "received", "id": delivery.pk})


@csrf_exempt
def no_such_address(request: HttpRequest) -> HttpResponse:
    """Any other address under ``/webhooks/``: nothing is read, stored or counted."""
    return JsonResponse({"error": "no such webhook address"}, status=404)


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: RefusalReason
    message: str


def _refuse(channel: str, receiver: _Receiver | None, event: str, refusal: Refusal) -> JsonResponse:
    """Count the refusal (never store the POST) and answer it."""
    integration = receiver.account_id if receiver is not None else NO_INTEGRATION
    count_refusal(channel, integration, refusal.reason)
    log.warning(
        "webhook %s/%s refused: %s",
        channel,
        event[:40],
        refusal.message,
        extra={"integration": integration or None},
    )
    return JsonResponse({"error": refusal.message}, status=refusal.status)


def webhook_url_of(channel: str, account_id: int, event: str) -> str:
    """The address the hub registers for an integration's ``event`` (from ``PUBLIC_URL``)."""
    path = reverse("orders:webhook", args=[channel, account_id, event])
    return str(settings.PUBLIC_URL).rstrip("/") + path


@dataclass(frozen=True)
class _Receiver:
    """What checking a delivery for one integration needs, kept between requests: building
    it decrypts secrets, and a busy channel posts hundreds of deliveries a second."""

    account_id: int
    channel: str
    source: OrderSource
    secret: str = field(repr=False)


RECEIVER_TTL = 2.0  # seconds a receiver is used without asking the database again


_receivers: dict[int, tuple[float, tuple[str, str], _Receiver]] = {}


def _receiver(channel: str, account_id: int) -> _Receiver | None:
    """The integration's receiver. A busy channel posts hundreds of deliveries a second, so it
    is kept for :data:`RECEIVER_TTL` seconds without a query, then kept as long as the stored
    secrets (their ciphertext) have not changed: a new webhook secret is used within seconds."""
    now = time.monotonic()
    cached = _receivers.get(account_id)
    if cached is not None and now - cached[0] < RECEIVER_TTL and cached[2].channel == channel:
        return cached[2]
    stored = ChannelAccount.objects.filter(pk=account_id, channel=channel).values_list(
        "client_secret", "webhook_secret"
    )
    found = next(iter(stored[:1]), None)  # not .first(): no ORDER BY for a primary key
    if found is None:
        _receivers.pop(account_id, None)
        return None
    ciphertexts = tuple(_ciphertext(secret) for secret in found)
    if cached is not None and cached[1] == ciphertexts and cached[2].channel == channel:
        receiver = cached[2]
    else:
        account = ChannelAccount.objects.get(pk=account_id)
        secret = account.webhook_secret.reveal() if account.webhook_secret else ""
        receiver = _Receiver(account_id, channel, order_source(account), secret)
    _receivers[account_id] = (now, ciphertexts, receiver)  # type: ignore[assignment]
    return receiver


def _ciphertext(secret: object) -> str:
    """How a secret is stored (values_list hands out the field's Secret, or None)."""
    return secret.stored_ciphertext() if isinstance(secret, Secret) else ""


def forget_receivers() -> None:
    """Drop every kept receiver (this process): a secret was changed here just now."""
    _receivers.clear()


def _checked_body(receiver: _Receiver | None, event: str, request: HttpRequest) -> bytes | Refusal:
    """The body once every check has passed, else why the POST is refused. Cheapest first:
    the body is read only for a known integration and event, and never past the cap; the
    signature is checked on the raw bytes; no JSON is read."""
    if receiver is None:
        return Refusal(404, RefusalReason.UNKNOWN_INTEGRATION, "no such integration")
    if event not in receiver.source.webhook_events:
        return Refusal(404, RefusalReason.UNKNOWN_EVENT, "unknown event")
    if _declared_length(request) > settings.SATUSTOK_WEBHOOK_MAX_BYTES:
        return _too_large()
    body = _capped_body(request)
    if body is None:
        return _too_large()
    url = webhook_url_of(receiver.channel, receiver.account_id, event)
    if not receiver.source.verify_webhook(body, request.headers, secret=receiver.secret, url=url):
        return Refusal(401, RefusalReason.BAD_SIGNATURE, "missing or invalid signature")
    if not _storable_text(body):
        return Refusal(400, RefusalReason.MALFORMED, "the body is not UTF-8 text without NUL")
    return body


def _too_large() -> Refusal:
    cap = settings.SATUSTOK_WEBHOOK_MAX_BYTES
    return Refusal(413, RefusalReason.TOO_LARGE, f"the body is over {cap} bytes")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body for an unreadable length either


def _capped_body(request: HttpRequest) -> bytes | None:
    """The body, read from the stream one byte past the cap at most (``request.body`` would
    read whatever the length claims); None when it is larger than the cap."""
    cap = settings.SATUSTOK_WEBHOOK_MAX_BYTES
    body = request.read(cap + 1)
    return None if len(body) > cap else body


# A JSON escape of NUL (``\u0000`` after an even run of backslashes): it parses to a NUL
# character, which PostgreSQL's text columns refuse wherever the order's text is stored.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _storable_text(body: bytes) -> bool:
    """UTF-8 (as JSON is sent) with no NUL, raw or escaped: what every database stores."""
    if b"\x00" in body or _ESCAPED_NUL.search(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_nudges = Debounce()

# Set once a delivery stored in this process is committed: a processing task here in its
# trailing look (``process_waiting``) claims it at once instead of at the end of the window.
_stored = threading.Event()


def nudge_processing(delivery_id: int) -> None:
    """Queue processing, at most once per ``SATUSTOK_WEBHOOK_BATCH_MS`` in this process: the
    task takes every delivery waiting and keeps looking until a window has passed with none
    new, so a delivery that skips its own task is taken by the one queued just before it. A
    quiet spell's first delivery is queued at once. Called once the delivery is committed,
    it first tells a task of this process in its trailing look to claim again now."""
    from satustok.orders.tasks import process_webhook

    _stored.set()  # after the commit: the claim it brings on sees the delivery
    if _nudges.allow("process", settings.SATUSTOK_WEBHOOK_BATCH_MS / 1000):
        process_webhook(delivery_id)


# --- processing -----------------------------------------------------------------------------

BATCH_SIZE = 200  # deliveries one task takes at most: a burst becomes a few transactions
CLAIM_EXPIRY = timedelta(minutes=5)  # a claim this old is a dead worker's: the sweep frees it
LOST_TASK_AFTER = timedelta(minutes=1)  # received this long ago and untouched: its task is lost


def process_delivery(delivery_id: int) -> WebhookDelivery:
    """Process one stored delivery, and with it up to :data:`BATCH_SIZE` others waiting (their
    own tasks then find nothing to do). Retryable channel failures of this delivery are raised
    (the task retries); anything else ends a delivery as *failed* with the reason."""
    process_waiting(delivery_id)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if _retryable(delivery):
        raise RetryLater(delivery.error)
    return delivery


def process_waiting(delivery_id: int | None = None) -> None:
    """Take batches (the first with ``delivery_id`` in it) until a look one window
    (``SATUSTOK_WEBHOOK_BATCH_MS``) after the last batch finds none: the trailing look that
    takes the deliveries whose nudge was debounced (see ``nudge_processing``). A delivery
    stored in this process meanwhile ends the wait at once, so a lone delivery, or one just
    after a batch, is claimed without waiting, and those that arrive while a batch is
    processed go together in the next. After a full batch the rest goes to a new task at the
    back of the queue instead of this loop, so that a stock push queued meanwhile runs
    between batches: a backlog held every worker thread until it was drained, and the other
    shops saw its sales only after."""
    window = settings.SATUSTOK_WEBHOOK_BATCH_MS / 1000
    own = delivery_id
    quiet_until = None  # no batch yet: a first look that finds none ends the task
    while True:
        # Cleared before the claim: a delivery committed after this sets it again (and is
        # claimed by the next look), one committed before is seen by this claim.
        _stored.clear()
        batch = _claim(own)
        own = None
        if batch:
            _process_batch(batch)
            _retry_later([d.pk for d in batch if d.pk != delivery_id and _retryable(d)])
            if len(batch) == BATCH_SIZE:
                _hand_over()
                return
            quiet_until = time.monotonic() + window
        elif quiet_until is None or time.monotonic() >= quiet_until:
            return
        # The trailing look: at the end of the window, or at once for a delivery stored here.
        # A look woken early that finds none (another task took it) waits out the window: a
        # debounced delivery of another web process is only seen by a look after it.
        _stored.wait(max(quiet_until - time.monotonic(), 0))


def _hand_over() -> None:
    from satustok.orders.tasks import process_webhooks_waiting

    process_webhooks_waiting()


RETRYABLE = "retryable: "
RETRY_DELAY = 10  # seconds; the poller is the backstop after the task's retries


def _retryable(delivery: WebhookDelivery) -> bool:
    return delivery.status == DeliveryStatus.FAILED and delivery.error.startswith(RETRYABLE)


def _retry_later(delivery_ids: list[int]) -> None:
    """Others' deliveries that failed for now get a task of their own (theirs may have run)."""
    from satustok.orders.tasks import process_webhook

    for delivery_id in delivery_ids:
        process_webhook.schedule((delivery_id,), delay=RETRY_DELAY)


class RetryLater(Exception):
    """The channel could not answer while processing this delivery; the task tries again."""


def _claim(delivery_id: int | None) -> list[WebhookDelivery]:
    """Take this delivery (unless processed or taken; a failed one is taken again: this is
    its retry) and the oldest others waiting, marking them *processing* so that no other
    worker takes them too (PostgreSQL skips rows another transaction holds; SQLite's
    immediate transaction has the write lock)."""
    now = timezone.now()
    rows = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(signature_ok=True)
    with transaction.atomic():
        ids: list[int] = []
        if delivery_id is not None:
            own = rows.filter(
                pk=delivery_id, status__in=(DeliveryStatus.RECEIVED, DeliveryStatus.FAILED)
            )
            ids += own.values_list("pk", flat=True)
        waiting = rows.filter(status=DeliveryStatus.RECEIVED).exclude(pk__in=ids).order_by("id")
        ids += waiting.values_list("pk", flat=True)[: BATCH_SIZE - len(ids)]
        if not ids:
            return []
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PROCESSING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    return list(WebhookDelivery.objects.filter(pk__in=ids).select_related("account").order_by("id"))


def waiting_too_long() -> list[int]:
    """Deliveries whose task was lost (or whose worker died holding them), freed for a new
    task: the minute sweep queues one for each."""
    now = timezone.now()
    WebhookDelivery.objects.filter(
        status=DeliveryStatus.PROCESSING, claimed_at__lt=now - CLAIM_EXPIRY
    ).update(status=DeliveryStatus.RECEIVED)
    waiting = WebhookDelivery.objects.filter(
        signature_ok=True, status=DeliveryStatus.RECEIVED, received_at__lt=now - LOST_TASK_AFTER
    )
    return list(waiting.order_by("id").values_list("pk", flat=True)[:BATCH_SIZE])


@dataclass
class _Parsed:
    delivery: WebhookDelivery
    message: WebhookMessage
    account: ChannelAccount | None  # the shop's integration; None if it is not connected


def _process_batch(batch: list[WebhookDelivery]) -> None:
    """New whole orders of one integration are ingested together (:func:`ingest_many`), and so
    are orders the hub must read first (a notice without the goods, an event for an order not
    seen yet: read together, in as few calls as the channel allows); events that are only
    recorded (a product changed) are marked together; every other delivery, and any group that
    fails as a whole, goes one by one."""
    parsed, single = _parse_all(batch)
    by_account: dict[int, list[_Parsed]] = {}
    to_read: dict[int, list[_Parsed]] = {}
    recorded: list[_Parsed] = []
    for item in parsed:
        if item.message.authorization is not None:
            single.append(item.delivery)  # applied to its integration one by one
        elif item.message.record_only:
            recorded.append(item)
        elif item.account is not None and _whole_order(item.message):
            by_account.setdefault(item.account.pk, []).append(item)
        elif item.account is not None:
            to_read.setdefault(item.account.pk, []).append(item)
        else:
            single.append(item.delivery)
    _record_together(recorded)
    for items in by_account.values():
        try:
            _ingest_together(items)
        except Exception:
            log.warning(
                "batch of %d deliveries failed; processing one by one", len(items), exc_info=True
            )
            single += [item.delivery for item in items]
    single += _read_together(list(to_read.values()))
    for delivery in single:
        _process_one(delivery)


@dataclass
class _Reads:
    """One integration's deliveries naming orders the hub has not seen: read in one go."""

    account: ChannelAccount
    items: list[_Parsed]
    unseen: set[str]
    read: list[ChannelOrder] | Exception = field(default_factory=list)

    @classmethod
    def of(cls, items: list[_Parsed]) -> _Reads:
        account = items[0].account
        assert account is not None
        return cls(account, items, _unseen_orders(account, items))

    def fetch(self) -> None:
        """Read the unseen orders (on a thread of its own beside the other integrations')."""
        if not self.unseen:
            return
        source = order_source(self.account)
        try:
            self.read = source.orders(sorted(self.unseen))
        except Exception as error:  # judged in ingest(): processed one by one then
            self.read = error
        finally:
            source.close()

    def ingest(self) -> list[WebhookDelivery]:
        """Ingest what was read; returns the deliveries left for one-by-one processing
        (events of known orders, and any whose read or ingestion failed)."""
        reads = [item for item in self.items if item.message.external_id in self.unseen]
        rest = [item.delivery for item in self.items if item not in reads]
        if not reads:
            return rest
        if isinstance(self.read, Exception):
            log.warning(
                "reading %d orders together failed; one by one",
                len(self.unseen),
                exc_info=self.read,
            )
            return [item.delivery for item in self.items]
        try:
            with transaction.atomic():
                return rest + _ingest_read(self.account, reads, self.read)
        except Exception:
            log.warning(
                "ingesting %d orders read together failed; one by one", len(reads), exc_info=True
            )
            return [item.delivery for item in self.items]


READS_AT_ONCE = 4  # integrations whose orders are read at the same moment (one app, many shops)


def _read_together(groups: list[list[_Parsed]]) -> list[WebhookDelivery]:
    """Each integration's unseen orders read in one go, the integrations' reads at once (each
    is a round trip to its marketplace), then ingested one integration after the other;
    returns the deliveries left for one-by-one processing."""
    try:
        plans = [_Reads.of(items) for items in groups]
    except Exception:  # the look-up of known orders: every delivery goes one by one
        log.warning("reading orders together could not be planned; one by one", exc_info=True)
        return [item.delivery for items in groups for item in items]
    at_once([plan.fetch for plan in plans if plan.unseen], READS_AT_ONCE)
    return [delivery for plan in plans for delivery in plan.ingest()]


def _unseen_orders(account: ChannelAccount, items: list[_Parsed]) -> set[str]:
    """The orders these deliveries name that the hub has not stored yet."""
    named = {item.message.external_id for item in items if item.message.external_id}
    known = Order.objects.filter(account=account, external_id__in=named)
    return named - set(known.values_list("external_id", flat=True))


def _ingest_read(
    account: ChannelAccount, items: list[_Parsed], read: list[ChannelOrder]
) -> list[WebhookDelivery]:
    """Ingest the orders read, then each delivery's own event where it is further on than the
    order as read (the read is at least as new as the event, unless the event overtook it); a
    delivery whose order the channel did not return is left for one-by-one processing."""
    done = dict(
        zip(
            [o.external_id for o in read],
            ingest_many(account, read, EventSource.WEBHOOK),
            strict=True,
        )
    )
    left, marked = [], []
    for item in items:
        ingested = done.get(item.message.external_id)
        if ingested is None:
            left.append(item.delivery)
            continue
        change = item.message.change
        newer = change is not None and change.status_rank > ingested.order.status_rank
        later = ingest_status(account, change, EventSource.WEBHOOK) if newer and change else None
        outcome = (later if later is not None and later.moved else ingested).describe()
        item.delivery.account = account
        _mark(item.delivery, DeliveryStatus.PROCESSED, outcome=outcome)
        marked.append(item.delivery)
    _save_marks(marked)
    return left


def _parse_all(batch: list[WebhookDelivery]) -> tuple[list[_Parsed], list[WebhookDelivery]]:
    parsed, unparsed = [], []
    for delivery in batch:
        assert delivery.account is not None
        try:
            message = order_source(delivery.account).parse_webhook(
                delivery.event, delivery.body.encode()
            )
        except (ChannelError, UnknownOrderStatus, ValueError):
            unparsed.append(delivery)  # processed alone, to record why
            continue
        delivery.order_external_id = message.external_id[:64]
        parsed.append(_Parsed(delivery, message, _routed(delivery.account, message)))
    return parsed, unparsed


def _ingest_together(items: list[_Parsed]) -> None:
    account = items[0].account
    assert account is not None
    orders = [item.message.order for item in items if item.message.order is not None]
    with transaction.atomic():
        done = ingest_many(account, orders, EventSource.WEBHOOK)
        for item, ingested in zip(items, done, strict=True):
            item.delivery.account = account
            _mark(item.delivery, DeliveryStatus.PROCESSED, outcome=ingested.describe())
        _save_marks([item.delivery for item in items])


def _whole_order(message: WebhookMessage) -> bool:
    return message.order is not None and bool(message.order.lines)


def _record_together(items: list[_Parsed]) -> None:
    """Events with nothing to apply, marked in one statement (a sale on a shop is followed by
    the marketplace's ``product_changes`` for its stock: one by one, they took a third of the
    time a backlog of orders took to process). What they say of the seller's approval is put
    on the integration first."""
    for item in items:
        item.delivery.account = item.account or item.delivery.account
        outcome = _recorded(item.account, item.message)
        _mark(item.delivery, DeliveryStatus.PROCESSED, outcome=outcome)
    with transaction.atomic():
        _save_marks([item.delivery for item in items])


def _process_one(delivery: WebhookDelivery) -> None:
    try:
        outcome = _process(delivery)
    except RetryableError as error:
        _mark(delivery, DeliveryStatus.FAILED, error=RETRYABLE + str(error))
    except (ChannelError, UnknownOrderStatus, ValueError) as error:
        _mark(delivery, DeliveryStatus.FAILED, error=str(error))
    else:
        _mark(delivery, DeliveryStatus.PROCESSED, outcome=outcome)
    _save_marks([delivery])


def _process(delivery: WebhookDelivery) -> str:
    assert delivery.account is not None
    message = order_source(delivery.account).parse_webhook(delivery.event, delivery.body.encode())
    delivery.order_external_id = message.external_id[:64]
    account = _routed(delivery.account, message)
    if message.authorization is not None:
        delivery.account = account or delivery.account
        return _authorization(account, message)
    if account is None or message.record_only:
        return _recorded(account, message)
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


def _authorization(account: ChannelAccount | None, message: WebhookMessage) -> str:
    """A notice about one shop's approval is applied to that shop's integration; one that
    names no shop (an app-level notice) is only recorded: it must not pause another shop."""
    assert message.authorization is not None
    if account is None or not message.shop_ids:
        return _recorded(account, message)
    return apply_authorization_notice(account, message.authorization)


def _recorded(account: ChannelAccount | None, message: WebhookMessage) -> str:
    """The outcome of an event the hub only records (or of one for a shop not connected). A
    product change's stock reports are compared with what the hub pushed first: a listing the
    marketplace changed by itself gets the master value again (sync/drift.py)."""
    if account is None:
        return f"ignored: shop {', '.join(message.shop_ids)} is not connected"
    outcome = message.summary or "recorded"
    if message.stock_reports:
        drifted = drift.note_reports(account, message.stock_reports)
        outcome += f"; {drifted} listing(s) drifted, master value pushed again" if drifted else ""
    return outcome


def _apply(account: ChannelAccount, message: WebhookMessage, source: OrderSource) -> str:
    if message.order is not None:
        # An order is created with its lines; a notification without them is read whole.
        whole = message.order if message.order.lines else source.order(message.external_id)
        return ingest(account, whole, EventSource.WEBHOOK).describe()
    assert message.change is not None  # a record-only event is not applied
    done = ingest_status(account, message.change, EventSource.WEBHOOK)
    if done is None:
        done = _fetch_and_ingest(account, message, source)
    elif _news_in_the_detail(done, message.change):
        _read_details(account, message.change.external_id, source)
    return done.describe()


def _news_in_the_detail(done: Ingested, change: StatusChange) -> bool:
    """The event moved the order to a step whose details are new, or names another code of the
    step it is at (a cancellation request asked or answered): the whole order says what."""
    if done.moved:
        return done.order.status in NEWS_IN_THE_DETAIL
    order = done.order
    return order.status_rank == change.status_rank and order.channel_status != change.channel_status


# Moves after which the whole order says something new the seller works with: paid (the ship-by
# deadline starts), a cancellation request, shipment arranged (courier, tracking number),
# shipped, returned (which lines).
NEWS_IN_THE_DETAIL = frozenset(
    {
        OrderStatus.OPEN,
        OrderStatus.ACCEPTED,
        OrderStatus.READY_TO_SHIP,
        OrderStatus.SHIPPED,
        OrderStatus.RETURNED,
    }
)


def _read_details(account: ChannelAccount, external_id: str, source: OrderSource) -> None:
    """Read the whole order after a status event; the status is applied already, so a read
    that fails only leaves the details to the next poll."""
    try:
        ingest(account, source.order(external_id), EventSource.WEBHOOK)
    except (ChannelError, UnknownOrderStatus) as error:
        log.info("order %s details not read after its status event: %s", external_id, error)


def _fetch_and_ingest(
    account: ChannelAccount, message: WebhookMessage, source: OrderSource
) -> Ingested:
    """A status event for an order never seen (its notification was lost): read it whole."""
    assert message.change is not None
    created = ingest(account, source.order(message.change.external_id), EventSource.WEBHOOK)
    # The order as read is at least as new as the event, unless the event overtook the read.
    later = ingest_status(account, message.change, EventSource.WEBHOOK)
    return later if later is not None and later.moved else created


WORKER = f"{socket.gethostname()}:{os.getpid()}"[:64]


def _mark(delivery: WebhookDelivery, status: str, *, outcome: str = "", error: str = "") -> None:
    delivery.status, delivery.outcome, delivery.error = status, outcome[:255], error
    delivery.processed_at, delivery.processed_by = timezone.now(), WORKER


def _save_marks(deliveries: list[WebhookDelivery]) -> None:
    update_rows(
        WebhookDelivery,
        deliveries,
        [
            "status",
            "outcome",
            "error",
            "account",
            "order_external_id",
            "processed_at",
            "processed_by",
        ],
    )
