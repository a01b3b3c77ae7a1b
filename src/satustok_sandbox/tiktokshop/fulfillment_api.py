"""Fulfilment (fact sheet §6.1): packages, handover time slots, shipping a package, shipping
documents, seller-shipped orders and package search.

Every sandbox order has ONE package (``packages[0].id``). Its steps:

- ``GET /fulfillment/202309/packages/{package_id}``: the package (status, handover method,
  pickup slot, tracking number, courier, orders).
- ``GET …/packages/{package_id}/handover_time_slots``: ``{can_pickup, can_drop_off,
  can_van_collection, drop_off_point_url, pickup_slots[{start_time, end_time, avaliable}]}`` (the
  SDK's spelling ``avaliable``). Slots: 09:00–12:00 and 13:00–17:00 Jakarta time on the next three
  days of the sandbox clock, those not started yet. A SELLER package offers no handover (both
  ``can_`` false, no slots). Only while the package can be shipped (else the ship refusals).
- ``POST …/packages/{package_id}/ship {handover_method: PICKUP|DROP_OFF, pickup_slot{start_time,
  end_time}?, self_shipment{tracking_number, shipping_provider_id}?}`` → ``data {}``; the order
  moves AWAITING_SHIPMENT → AWAITING_COLLECTION (webhook 1) and gets its tracking number.
  Refusals: an unknown package 21001001; a package already shipped 21001012; an order not
  AWAITING_SHIPMENT (unpaid, on hold, cancelled) 21001013; PICKUP without a slot, or with one
  not offered or already started (expired) 21001014; ``self_shipment`` on a TIKTOK package, or a
  SELLER package without one, 21001015; a tracking number that is not 8..32 letters, digits or
  dashes, or an unknown provider 21001016; a wrong shape or type 40001.
- ``POST /fulfillment/202309/orders/{order_id}/packages {tracking_number, shipping_provider_id,
  order_line_item_ids[]}`` (seller-shipped orders, EP ``markPackageAsShipped``): the same as
  shipping a SELLER package with ``self_shipment``; answers ``data{package_id}``.
- ``GET …/packages/{package_id}/shipping_documents?document_type=SHIPPING_LABEL&document_size=
  A6|A5&document_format=PDF`` → ``data{doc_url, tracking_number}``; before the package is shipped
  (or once cancelled) 21001017. ``doc_url`` is on the sandbox's own host
  (``/tiktokshop/documents/{token}``, valid 24 h) and serves a PDF made with reportlab: one page
  per package, with the order id, tracking number, courier and recipient.
- ``POST /fulfillment/202309/packages/search`` (query ``page_size`` 1..50, ``page_token``; body
  ``package_status``, ``create_time_ge/_lt``, ``update_time_ge/_lt``) → ``packages[{id,
  package_status, order_line_item_ids, orders[{id}], tracking_number, shipping_provider_id,
  shipping_provider_name, create_time, update_time}], next_page_token, total_count``.
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from reportlab.lib.pagesizes import A5, A6
from reportlab.pdfgen import canvas
from starlette.requests import Request
from starlette.responses import Response

from satustok_sandbox.tiktokshop import paging
from satustok_sandbox.tiktokshop.envelope import (
    DOCUMENT_NOT_READY,
    INVALID_PICKUP_SLOT,
    INVALID_TRACKING_NUMBER,
    ORDER_NOT_FOUND,
    PACKAGE_ALREADY_SHIPPED,
    PACKAGE_NOT_FOUND,
    PACKAGE_STATUS_NOT_ALLOWED,
    SELF_SHIPMENT_NOT_ALLOWED,
    TikTokError,
    error_response,
    invalid_request,
    ok,
)
from satustok_sandbox.tiktokshop.fields import is_int, optional_int, optional_text, text_list
from satustok_sandbox.tiktokshop.order_json import (
    PACKAGE_STATUS,
    SELLER_PROVIDERS,
    provider_of,
    recipient_address,
)
from satustok_sandbox.tiktokshop.order_ops import move_order
from satustok_sandbox.tiktokshop.pipeline import Call
from satustok_sandbox.tiktokshop.state import Order, ShippingDocument, TikTokShopState

JAKARTA = timezone(timedelta(hours=7))
SLOT_HOURS = ((9, 12), (13, 17))
SLOT_DAYS = 3
SHIPPABLE = frozenset({"AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"})
SHIPPED = frozenset({"AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"})
HANDOVER_METHODS = ("PICKUP", "DROP_OFF")
DOCUMENT_TYPES = ("SHIPPING_LABEL", "PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP")
DOCUMENT_SIZES = {"A6": A6, "A5": A5}
DOCUMENT_TTL = 86_400
DOCUMENT_PATH = "/tiktokshop/documents"
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9-]{8,32}")
PACKAGE_STATUSES = ("PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED", "TO_FULFILL")


# --- look-ups ---------------------------------------------------------------------------------


def package_order(call: Call, package_id: str) -> Order:
    """The order of the shop's package ``package_id`` (the caller holds the lock)."""
    for order in call.state.orders.values():
        if order.package_id == package_id and order.shop_id == call.shop.id:
            return order
    raise TikTokError(PACKAGE_NOT_FOUND, f"Package {package_id} not found.")


def _package_id(call: Call) -> str:
    return str(call.request.path_params["package_id"])


def check_shippable(order: Order) -> None:
    """The ship refusals that do not depend on the body: already shipped, or not shippable."""
    if order.status in SHIPPED or order.handover_method:
        raise TikTokError(
            PACKAGE_ALREADY_SHIPPED, f"Package {order.package_id} has already been shipped."
        )
    if order.status not in SHIPPABLE:
        raise TikTokError(
            PACKAGE_STATUS_NOT_ALLOWED,
            f"The order is {order.status}: the package cannot be shipped now.",
        )


# --- slots ------------------------------------------------------------------------------------


def pickup_slots(now: float) -> list[tuple[int, int]]:
    """The pickup slots on the next days, in Jakarta time, that have not started yet."""
    today = datetime.fromtimestamp(now, JAKARTA).date()
    slots: list[tuple[int, int]] = []
    for offset in range(SLOT_DAYS):
        day = today + timedelta(days=offset)
        for start_hour, end_hour in SLOT_HOURS:
            start = datetime(day.year, day.month, day.day, start_hour, tzinfo=JAKARTA)
            end = datetime(day.year, day.month, day.day, end_hour, tzinfo=JAKARTA)
            if start.timestamp() > now:
                slots.append((int(start.timestamp()), int(end.timestamp())))
    return slots


async def handover_time_slots(call: Call) -> Response:
    with call.state.lock:
        order = package_order(call, _package_id(call))
        check_shippable(order)
        platform = order.shipping_type == "TIKTOK"
        slots = pickup_slots(call.state.now()) if platform else []
    return ok(
        {
            "can_pickup": platform,
            "can_drop_off": platform,
            "can_van_collection": False,
            "drop_off_point_url": "https://seller-id.tiktok.com/dropoff-points" if platform else "",
            "pickup_slots": [
                {"start_time": start, "end_time": end, "avaliable": True} for start, end in slots
            ],
        }
    )


# --- shipping ---------------------------------------------------------------------------------


def _slot(body: dict[str, Any]) -> tuple[int, int] | None:
    raw = body.get("pickup_slot")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_request("pickup_slot must be an object {start_time, end_time}.")
    start, end = raw.get("start_time"), raw.get("end_time")
    if (
        not (is_int(start) and is_int(end))
        or not isinstance(start, int)
        or not isinstance(end, int)
    ):
        raise invalid_request("pickup_slot.start_time and end_time must be Unix times (integers).")
    return start, end


def _self_shipment(body: dict[str, Any]) -> tuple[str, str] | None:
    raw = body.get("self_shipment")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_request("self_shipment must be an object {tracking_number, ...}.")
    tracking, provider = raw.get("tracking_number"), raw.get("shipping_provider_id")
    if not isinstance(tracking, str) or not isinstance(provider, str):
        raise invalid_request(
            "self_shipment.tracking_number and shipping_provider_id must be strings."
        )
    return tracking.strip(), provider.strip()


def check_slot(state: TikTokShopState, slot: tuple[int, int] | None) -> None:
    if slot is None:
        raise TikTokError(INVALID_PICKUP_SLOT, "pickup_slot is required for PICKUP.")
    if slot[0] <= state.now():
        raise TikTokError(INVALID_PICKUP_SLOT, "The pickup slot has expired: choose a later one.")
    if slot not in pickup_slots(state.now()):
        raise TikTokError(INVALID_PICKUP_SLOT, "The pickup slot is not available.")


def check_self_shipment(tracking: str, provider: str) -> None:
    if not TRACKING_NUMBER.fullmatch(tracking):
        raise TikTokError(INVALID_TRACKING_NUMBER, f"Invalid tracking number {tracking!r}.")
    if provider not in SELLER_PROVIDERS:
        raise TikTokError(INVALID_TRACKING_NUMBER, f"Unknown shipping provider {provider!r}.")


def _check_ship_body(
    state: TikTokShopState, order: Order, body: dict[str, Any]
) -> tuple[str, tuple[int, int] | None, tuple[str, str] | None]:
    method = body.get("handover_method")
    if method not in HANDOVER_METHODS:
        raise invalid_request("handover_method must be PICKUP or DROP_OFF.")
    slot, own = _slot(body), _self_shipment(body)
    if method == "DROP_OFF" and slot is not None:
        raise invalid_request("pickup_slot goes with handover_method PICKUP only.")
    check_shippable(order)
    if order.shipping_type == "TIKTOK" and own is not None:
        raise TikTokError(
            SELF_SHIPMENT_NOT_ALLOWED,
            "self_shipment is only for packages shipped by the seller (SELLER).",
        )
    if order.shipping_type == "SELLER":
        if own is None:
            raise TikTokError(
                SELF_SHIPMENT_NOT_ALLOWED, "A SELLER package needs self_shipment to be shipped."
            )
        check_self_shipment(*own)
    elif method == "PICKUP":
        check_slot(state, slot)
    return str(method), slot, own


def ship(call: Call, order: Order, method: str, slot: Any, own: tuple[str, str] | None) -> None:
    """Mark the package shipped (arranged) and move the order on (lock held)."""
    order.handover_method = method
    order.pickup_slot = slot
    if own is not None:
        order.tracking_number, order.shipping_provider_id = own
    move_order(call.sim, order, "AWAITING_COLLECTION")


async def ship_package(call: Call) -> Response:
    body = call.json_body()
    with call.state.lock:
        order = package_order(call, _package_id(call))
        method, slot, own = _check_ship_body(call.state, order, body)
        ship(call, order, method, slot, own)
    return ok({})


async def mark_shipped(call: Call) -> Response:
    """``POST /fulfillment/202309/orders/{order_id}/packages``: a seller-shipped order."""
    body = call.json_body()
    tracking = optional_text(body, "tracking_number")
    provider = optional_text(body, "shipping_provider_id")
    items = text_list(body, "order_line_item_ids", maximum=1000)
    if not tracking or not provider:
        raise invalid_request("tracking_number and shipping_provider_id are required.")
    order_id = str(call.request.path_params["order_id"])
    with call.state.lock:
        order = call.state.orders.get(order_id)
        if order is None or order.shop_id != call.shop.id:
            raise TikTokError(ORDER_NOT_FOUND, f"Order {order_id} not found.")
        if items is not None and not set(items) <= {i.id for i in order.line_items}:
            raise invalid_request("order_line_item_ids: not line items of the order.")
        check_shippable(order)
        if order.shipping_type != "SELLER":
            raise TikTokError(
                SELF_SHIPMENT_NOT_ALLOWED, "The order is shipped with TikTok Shop's logistics."
            )
        check_self_shipment(tracking.strip(), provider.strip())
        ship(call, order, "DROP_OFF", None, (tracking.strip(), provider.strip()))
        package_id = order.package_id
    return ok({"package_id": package_id})


# --- the package ------------------------------------------------------------------------------


def package_json(order: Order) -> dict[str, Any]:
    name, provider_id = provider_of(order)
    slot = order.pickup_slot
    return {
        "package_id": order.package_id,
        "package_status": PACKAGE_STATUS.get(order.status, "TO_FULFILL"),
        "shipping_type": order.shipping_type,
        "handover_method": order.handover_method,
        "pickup_slot": {"start_time": slot[0], "end_time": slot[1]} if slot else None,
        "tracking_number": order.tracking_number,
        "shipping_provider_id": provider_id,
        "shipping_provider_name": name,
        "order_line_item_ids": [item.id for item in order.line_items],
        "orders": [{"id": order.id, "skus": []}],
        "recipient_address": recipient_address(order),
        "create_time": order.create_time,
        "update_time": order.update_time,
    }


async def get_package(call: Call) -> Response:
    with call.state.lock:
        return ok(package_json(package_order(call, _package_id(call))))


async def search_packages(call: Call) -> Response:
    size = call.int_param("page_size", default=20, minimum=1, maximum=50)
    after = paging.decode("packages", call.param("page_token"))
    body = call.json_body()
    status = optional_text(body, "package_status", PACKAGE_STATUSES)
    windows = [
        (field, optional_int(body, f"{field}_ge"), optional_int(body, f"{field}_lt"))
        for field in ("create_time", "update_time")
    ]
    start = int(after[0]) if after else 0
    with call.state.lock:
        found = sorted(
            (
                o
                for o in call.state.orders.values()
                if o.shop_id == call.shop.id
                and (status is None or PACKAGE_STATUS.get(o.status, "TO_FULFILL") == status)
                and all(
                    (low is None or getattr(o, f) >= low) and (high is None or getattr(o, f) < high)
                    for f, low, high in windows
                )
            ),
            key=lambda o: (o.create_time, o.id),
        )
        rows = [_package_row(o) for o in found[start : start + size]]
    more = start + size < len(found)
    token = paging.encode("packages", [start + size]) if more else ""
    return ok({"packages": rows, "next_page_token": token, "total_count": len(found)})


def _package_row(order: Order) -> dict[str, Any]:
    row = package_json(order)
    return {"id": row.pop("package_id"), **row}


# --- shipping documents -----------------------------------------------------------------------


async def shipping_documents(call: Call) -> Response:
    kind = call.param("document_type")
    if kind not in DOCUMENT_TYPES:
        raise invalid_request(f"document_type must be one of {', '.join(DOCUMENT_TYPES)}.")
    size = call.param("document_size") or "A6"
    if size not in DOCUMENT_SIZES:
        raise invalid_request("document_size must be A6 or A5.")
    if (call.param("document_format") or "PDF") != "PDF":
        raise invalid_request("document_format must be PDF.")
    state = call.state
    with state.lock:
        order = package_order(call, _package_id(call))
        if order.status not in SHIPPED or not order.tracking_number:
            raise TikTokError(
                DOCUMENT_NOT_READY,
                "The shipping document is not ready: ship the package first.",
            )
        token = secrets.token_urlsafe(18)
        state.documents[token] = ShippingDocument(
            order.id, order.package_id, kind, size, state.now() + DOCUMENT_TTL
        )
        tracking = order.tracking_number
    origin = f"{call.request.url.scheme}://{call.request.url.netloc}"
    return ok({"doc_url": f"{origin}{DOCUMENT_PATH}/{token}", "tracking_number": tracking})


def document_endpoint(state_of: Any) -> Any:
    """The ``doc_url`` download (no signature: the token in the URL is the key)."""

    async def download(request: Request) -> Response:
        state: TikTokShopState = state_of()
        with state.lock:
            document = state.documents.get(str(request.path_params["token"]))
            if document is None or document.expires_at <= state.now():
                return error_response(TikTokError(PACKAGE_NOT_FOUND, "The document has expired."))
            order = state.orders[document.order_id]
            order.labels_printed += 1
            pdf = label_pdf(order, document.document_size)
        return Response(pdf, media_type="application/pdf")

    return download


def label_pdf(order: Order, size: str) -> bytes:
    """One page for the order's one package: order id, tracking number, courier, recipient."""
    buffer = io.BytesIO()
    width, height = DOCUMENT_SIZES[size]
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"TikTok Shop label {order.package_id}")
    address = recipient_address(order)
    lines = [
        ("Helvetica-Bold", 14, provider_of(order)[0] or "Seller courier"),
        ("Helvetica-Bold", 12, order.tracking_number),
        ("Helvetica", 9, f"Order {order.id}"),
        ("Helvetica", 9, f"Package {order.package_id}"),
        ("Helvetica-Bold", 10, f"To: {address['name']}"),
        ("Helvetica", 8, address["phone_number"]),
        ("Helvetica", 8, address["full_address"][:60]),
        ("Helvetica", 8, f"Items: {len(order.line_items)}"),
        ("Helvetica", 7, datetime.now(UTC).strftime("Printed %Y-%m-%d %H:%M UTC")),
    ]
    y = height - 30
    for font, points, text in lines:
        pdf.setFont(font, points)
        pdf.drawString(18, y, text)
        y -= points + 8
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
