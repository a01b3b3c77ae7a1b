"""Shipping a Shopee order, in the hub's words: the ways it can ship, the ship_order body for the
seller's choice, and the airway bills.

- ``get_shipping_parameter``'s ``info_needed`` names the ways (a key present, even with an empty
  list, is a way) and what each needs: ``pickup`` → :attr:`ShipMethod.PICKUP` with the time
  slots of the pickup address (a slot's id is Shopee's ``pickup_time_id``; the address is found
  again when shipping), ``dropoff`` → DROP_OFF (a tracking number where it names one),
  ``non_integrated`` → SELF_SHIP (the seller's courier and tracking number).
- An airway bill is four calls per package: create_shipping_document (with the package's
  tracking number) → get_shipping_document_result until READY (a bounded wait: Shopee renders
  in the background; FAILED or a refused row is the seller's problem, in Shopee's words) →
  download_shipping_document, whose body is the PDF itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from satustok.channels.http.errors import ActionRejected, ServerError
from satustok.channels.protocol import Label, PickupSlot, Shipment, ShipMethod, ShipOption
from satustok.channels.shopee.schemas import (
    DocumentRow,
    OrderDetail,
    PickupAddress,
    ShippingParameter,
)

if TYPE_CHECKING:
    from satustok.channels.shopee.tokens import ShopSession

SHIP_METHODS = (ShipMethod.PICKUP.value, ShipMethod.DROP_OFF.value, ShipMethod.SELF_SHIP.value)
TRACKING_KEYS = ("tracking_number", "tracking_no")  # the older spelling still in SDK docs
PDF = "application/pdf"


@dataclass(frozen=True)
class DocumentWait:
    """How long to wait for Shopee to render a document: ``attempts`` reads of its result,
    ``pause`` seconds apart at first, growing by half each time."""

    attempts: int
    pause: float


DOCUMENT_WAIT = DocumentWait(attempts=10, pause=0.5)  # about 2 minutes at most
INTERACTIVE_DOCUMENT_WAIT = DocumentWait(attempts=6, pause=0.3)  # a seller is waiting


def package_numbers(order: OrderDetail) -> tuple[str, ...]:
    """The order's packages (one label each); before Shopee made one, the order itself."""
    numbers = (p.package_number for p in order.package_list if p.package_number)
    return tuple(dict.fromkeys(numbers)) or (order.order_sn,)


# --- ways to ship ---------------------------------------------------------------------------


def ship_options(params: ShippingParameter) -> tuple[ShipOption, ...]:
    needed = params.info_needed
    options: list[ShipOption] = []
    if needed.pickup is not None:
        slots = tuple(_slot(slot) for slot in _pickup_slots(params))
        options.append(ShipOption(ShipMethod.PICKUP.value, slots=slots))
    if needed.dropoff is not None:
        asks = any(key in needed.dropoff for key in TRACKING_KEYS)
        options.append(ShipOption(ShipMethod.DROP_OFF.value, needs_tracking_number=asks))
    if needed.non_integrated is not None:
        options.append(ShipOption(ShipMethod.SELF_SHIP.value, needs_tracking_number=True))
    return tuple(options)


def _pickup_address(params: ShippingParameter) -> PickupAddress | None:
    addresses = params.pickup.address_list if params.pickup else []
    preferred = [address for address in addresses if address.is_pickup_address]
    found = preferred or addresses
    return found[0] if found else None


def _pickup_slots(params: ShippingParameter) -> list[Any]:
    address = _pickup_address(params)
    return list(address.time_slot_list) if address else []


def _slot(slot: Any) -> PickupSlot:
    starts = datetime.fromtimestamp(slot.date, UTC) if slot.date else None
    label = slot.time_text or (starts.strftime("%Y-%m-%d %H:%M UTC") if starts else "")
    return PickupSlot(id=slot.pickup_time_id, label=label or slot.pickup_time_id, starts_at=starts)


def ship_body(params: ShippingParameter, shipment: Shipment) -> tuple[str, dict[str, Any]]:
    """``(ship_order's key, its object)`` for the seller's choice, with every key
    ``info_needed`` names for that way. A way Shopee does not offer is refused here."""
    needed = params.info_needed
    if shipment.method == ShipMethod.PICKUP:
        if needed.pickup is None:
            raise _not_offered("pickup")
        return "pickup", _pickup_body(params, needed.pickup, shipment.slot_id)
    if shipment.method == ShipMethod.DROP_OFF:
        if needed.dropoff is None:
            raise _not_offered("drop-off")
        return "dropoff", _dropoff_body(params, needed.dropoff, shipment.tracking_number)
    if shipment.method == ShipMethod.SELF_SHIP:
        if needed.non_integrated is None:
            raise _not_offered("own courier")
        key = next((k for k in TRACKING_KEYS if k in needed.non_integrated), TRACKING_KEYS[0])
        return "non_integrated", {key: shipment.tracking_number.strip()}
    raise ActionRejected(f"unknown shipping method {shipment.method!r}", endpoint="ship_order")


def _not_offered(way: str) -> ActionRejected:
    return ActionRejected(f"Shopee offers no {way} for this order", endpoint="ship_order")


def _pickup_body(params: ShippingParameter, needed: list[str], slot_id: str) -> dict[str, Any]:
    """The address offering the slot (else the pickup address: Shopee then says why the
    slot is refused, in its own words)."""
    addresses = params.pickup.address_list if params.pickup else []
    offering = [
        address
        for address in addresses
        if any(slot.pickup_time_id == slot_id for slot in address.time_slot_list)
    ]
    address = offering[0] if offering else _pickup_address(params)
    body: dict[str, Any] = {}
    if "address_id" in needed and address is not None:
        body["address_id"] = address.address_id
    if "pickup_time_id" in needed:
        body["pickup_time_id"] = slot_id
    return body


def _dropoff_body(params: ShippingParameter, needed: list[str], tracking: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    branches = params.dropoff.branch_list if params.dropoff else []
    if "branch_id" in needed and branches:
        body["branch_id"] = branches[0].branch_id
    for key in TRACKING_KEYS:
        if key in needed:
            body[key] = tracking.strip()
    return body


# --- airway bills ----------------------------------------------------------------------------


def airway_bills(session: ShopSession, detail: OrderDetail, wait: DocumentWait) -> list[Label]:
    """Every package's airway bill as Shopee renders it (a PDF each)."""
    order_sn = detail.order_sn
    packages = [p for p in package_numbers(detail) if p != order_sn] or [""]
    tracked = [(order_sn, package, _tracking(session, order_sn, package)) for package in packages]
    created = session.call(lambda client: client.create_shipping_document(tracked))
    _refused(created)
    _await_ready(session, [(order_sn, package) for package in packages], wait)
    return [
        Label(
            order_external_id=order_sn,
            package_id=package or order_sn,
            media_type=PDF,
            content=session.call(
                lambda client: client.download_shipping_document([(order_sn, package)])  # noqa: B023
            ),
        )
        for package in packages
    ]


def _tracking(session: ShopSession, order_sn: str, package: str) -> str:
    return session.call(
        lambda client: client.get_tracking_number(order_sn, package)
    ).tracking_number


def _refused(rows: list[DocumentRow]) -> None:
    for row in rows:
        if row.fail_error:
            raise ActionRejected(
                row.fail_message or row.fail_error,
                error_code=row.fail_error,
                endpoint="shipping_document",
            )


def _await_ready(
    session: ShopSession,
    packages: list[tuple[str, str]],
    wait: DocumentWait,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    pause = wait.pause
    for attempt in range(wait.attempts):
        rows = session.call(lambda client: client.get_shipping_document_result(packages))
        _refused(rows)
        failed = [row for row in rows if row.status.upper() == "FAILED"]
        if failed:
            raise ActionRejected(
                f"Shopee could not render the airway bill of {failed[0].package_number}",
                endpoint="shipping_document",
            )
        if rows and all(row.status.upper() == "READY" for row in rows):
            return
        if attempt + 1 < wait.attempts:
            sleep(pause)
            pause *= 1.5
    raise ServerError(
        "Shopee is still rendering the airway bill: try printing again shortly",
        endpoint="shipping_document",
    )
