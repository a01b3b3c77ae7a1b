"""Logistics (fact sheet §6.1, and Shopee's order-management guide §8): shipping parameters,
ship_order, the tracking number, and the airway bill's four calls.

The sandbox never splits an order: each order has one package (``package_number``), and a
``package_number`` given must be that one. An order's logistics channel (chosen when it is
placed) decides what ``get_shipping_parameter`` offers in ``info_needed``:

- integrated (SPX): ``pickup: ["address_id", "pickup_time_id"]`` with the shop's addresses and
  three daily slots (09:00 WIB of each of the next three days; ``pickup_time_id`` is the slot's
  Unix time as a string), and ``dropoff: []``;
- non-integrated: ``non_integrated: ["tracking_number"]``.

``ship_order`` takes exactly one of ``pickup``, ``dropoff``, ``non_integrated`` (an object,
even empty), named in ``info_needed``, with every key listed there. Pickup and drop-off move the
order to PROCESSED and give it a tracking number (push 4); non-integrated moves it straight to
SHIPPED (Shopee: LOGISTICS_PICKUP_DONE at once). Refusals: ``logistics.package_already_shipped``
(a second ship_order), ``logistics.error_status`` "logistic status not ready to ship" (any other
status), ``logistics.error_param`` naming ``pickup_time_id`` (unknown or past slot),
``tracking_number`` (missing or not 8-30 letters and digits) or the missing key.

Airway bill: ``create_shipping_document`` (per row: only PROCESSED orders with a
tracking number, else ``fail_error`` "logistics.error_status" "Order status does not support
awb printing") → ``get_shipping_document_result`` (PROCESSING on the first read after creation,
then READY, with push 15) → ``download_shipping_document`` (the PDF bytes, one page per
package; ``logistics.error_status`` while a document is not READY).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from satustok_sandbox.common.clock import WIB
from satustok_sandbox.shopee.envelope import ShopeeError, ok, param_error
from satustok_sandbox.shopee.labels import airway_bills
from satustok_sandbox.shopee.order_ops import (
    assign_tracking_number,
    courier_tracking_number,
    document_ready,
    move_order,
)
from satustok_sandbox.shopee.pipeline import Call
from satustok_sandbox.shopee.state import Order, Shop, package_number

MODULE = "logistics"
MAX_DOCUMENT_ROWS = 50
SLOT_DAYS = 3
SLOT_HOUR = 9
DOCUMENT_TYPES = (
    "NORMAL_AIR_WAYBILL",
    "THERMAL_AIR_WAYBILL",
    "NORMAL_JOB_AIR_WAYBILL",
    "THERMAL_JOB_AIR_WAYBILL",
)
SHIPPABLE = frozenset({"READY_TO_SHIP", "RETRY_SHIP"})
ARRANGED = frozenset({"PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})
PRINTABLE = frozenset({"PROCESSED"})  # Shopee's FAQ: awb printing only at PROCESSED
TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9]{8,30}$")
NOT_PRINTABLE = "Order status does not support awb printing"
MASKED_PHONE = "***********90"


def _error(code: str, message: str) -> ShopeeError:
    return ShopeeError(f"{MODULE}.{code}", message)


def _order(call: Call, order_sn: object) -> Order:
    if not isinstance(order_sn, str) or not order_sn.strip():
        raise param_error("order_sn is required.", MODULE)
    order = call.state.orders.get(order_sn.strip())
    if order is None or order.shop_id != call.shop_id:
        raise ShopeeError("error_not_found", f"Order {order_sn} not found.", 200)
    return order


def _check_package(order: Order, given: object) -> str:
    package = package_number(order)
    if given in (None, ""):
        return package
    if not isinstance(given, str) or given != package:
        raise param_error(f"package_number {given!r} is not a package of the order.", MODULE)
    return package


# --- shipping parameters ----------------------------------------------------------------


def pickup_slots(call: Call) -> list[dict[str, Any]]:
    """The next days' pickup slots, from the sandbox clock."""
    now = call.state.now()
    today = datetime.fromtimestamp(now, WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    slots = []
    for day in range(1, SLOT_DAYS + 1):
        start = today + timedelta(days=day, hours=SLOT_HOUR)
        slots.append(
            {
                "date": int(start.timestamp()),
                "time_text": start.strftime("%d/%m/%Y 09:00 - 12:00"),
                "pickup_time_id": str(int(start.timestamp())),
            }
        )
    return slots


def _address(shop: Shop, index: int) -> dict[str, Any]:
    location = shop.locations[index]
    flags = ["default_address", "pickup_address", "return_address"] if index == 0 else []
    return {
        "address_id": location.warehouse_id,
        "region": shop.region,
        "state": location.state,
        "city": location.city,
        "district": "",
        "town": "",
        "address": f"{location.name}, {location.city}",
        "zipcode": location.zipcode,
        "address_flag": flags,
    }


def info_needed(order: Order) -> dict[str, list[str]]:
    if order.logistics == "non_integrated":
        return {"non_integrated": ["tracking_number"]}
    return {"pickup": ["address_id", "pickup_time_id"], "dropoff": []}


def _check_shippable(order: Order) -> None:
    if order.status in ARRANGED or (order.status == "IN_CANCEL" and order.shipment):
        raise _error("package_already_shipped", "The package has already been shipped.")
    if order.status not in SHIPPABLE:
        raise _error("error_status", f"logistic status not ready to ship ({order.status}).")


async def get_shipping_parameter(call: Call) -> Response:
    with call.state.lock:
        order = _order(call, call.param("order_sn"))
        _check_package(order, call.param("package_number"))
        _check_shippable(order)
        needed = info_needed(order)
        assert call.shop is not None
        answer: dict[str, Any] = {"info_needed": needed, "dropoff": {"branch_list": None}}
        if "pickup" in needed:
            slots = pickup_slots(call)
            addresses = [
                {**_address(call.shop, index), "time_slot_list": slots}
                for index in range(len(call.shop.locations))
            ]
            answer["pickup"] = {"address_list": addresses}
    return ok(answer)


# --- ship_order -------------------------------------------------------------------------------

METHODS = ("pickup", "dropoff", "non_integrated")


def _method(body: dict[str, Any], order: Order) -> tuple[str, dict[str, Any]]:
    given = [name for name in METHODS if name in body]
    if len(given) != 1:
        raise param_error("Give exactly one of pickup, dropoff or non_integrated.", MODULE)
    name = given[0]
    value = body[name]
    if not isinstance(value, dict):
        raise param_error(f"{name} must be an object.", MODULE)
    if name not in info_needed(order):
        raise param_error(f"{name} is not a shipping method of this order's channel.", MODULE)
    return name, value


def _check_pickup(call: Call, value: dict[str, Any]) -> dict[str, Any]:
    address_id = value.get("address_id")
    if address_id is None:
        raise param_error("pickup.address_id is required.", MODULE)
    if not isinstance(address_id, int) or isinstance(address_id, bool):
        raise param_error("pickup.address_id must be an integer.", MODULE)
    assert call.shop is not None
    if address_id not in {loc.warehouse_id for loc in call.shop.locations}:
        raise param_error(f"pickup.address_id {address_id} is not an address of the shop.", MODULE)
    slot = value.get("pickup_time_id")
    if slot is None or slot == "":
        raise param_error("pickup.pickup_time_id is required.", MODULE)
    if not isinstance(slot, str):
        raise param_error("pickup.pickup_time_id must be a string.", MODULE)
    offered = {row["pickup_time_id"] for row in pickup_slots(call)}
    if slot not in offered:
        raise param_error(
            f"pickup_time_id {slot} is invalid or has expired: get the shipping parameter "
            "again and choose an offered time slot.",
            MODULE,
        )
    return {"method": "pickup", "address_id": address_id, "pickup_time_id": slot}


def _check_tracking_number(value: dict[str, Any]) -> str:
    number = value.get("tracking_number")
    if number is None or number == "":
        raise param_error("non_integrated.tracking_number is required.", MODULE)
    if not isinstance(number, str):
        raise param_error("non_integrated.tracking_number must be a string.", MODULE)
    if not TRACKING_NUMBER.match(number):
        raise param_error(
            f"tracking_number {number!r} is invalid: 8 to 30 letters and digits.", MODULE
        )
    return number


async def ship_order(call: Call) -> Response:
    body = await call.json_body(MODULE)
    with call.state.lock:
        order = _order(call, body.get("order_sn"))
        _check_package(order, body.get("package_number"))
        name, value = _method(body, order)
        _check_shippable(order)
        if name == "pickup":
            order.shipment = _check_pickup(call, value)
        elif name == "dropoff":
            order.shipment = {"method": "dropoff", **{k: v for k, v in value.items() if v}}
        else:
            number = _check_tracking_number(value)
            order.shipment = {"method": "non_integrated", "tracking_number": number}
        if name == "non_integrated":
            assign_tracking_number(call.sim, order, order.shipment["tracking_number"])
            move_order(call.sim, order, "SHIPPED")
        else:
            move_order(call.sim, order, "PROCESSED")
            assign_tracking_number(call.sim, order, courier_tracking_number(order))
    return ok({})


async def get_tracking_number(call: Call) -> Response:
    with call.state.lock:
        order = _order(call, call.param("order_sn"))
        _check_package(order, call.param("package_number"))
        number = order.tracking_number
    answer = {
        "tracking_number": number,
        "pickup_code": "",
        "hint": "" if number else "The tracking number is not available yet.",
    }
    if "first_mile_tracking_number" in call.list_param("response_optional_fields"):
        answer["first_mile_tracking_number"] = ""
    return ok(answer)


# --- shipping documents -------------------------------------------------------------------------


def _rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    rows = body.get("order_list")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise param_error("order_list is required: a list of {order_sn, package_number}.", MODULE)
    if len(rows) > MAX_DOCUMENT_ROWS:
        raise param_error(f"order_list: at most {MAX_DOCUMENT_ROWS} orders.", MODULE)
    for row in rows:
        if not isinstance(row.get("order_sn"), str) or not row["order_sn"]:
            raise param_error("order_list[].order_sn is required.", MODULE)
        if "package_number" in row and not isinstance(row["package_number"], str):
            raise param_error("order_list[].package_number must be a string.", MODULE)
    return rows


def _document_type(value: object, where: str) -> None:
    if value is not None and value not in DOCUMENT_TYPES:
        raise param_error(f"{where} must be one of {', '.join(DOCUMENT_TYPES)}.", MODULE)


def _row_failure(call: Call, row: dict[str, Any]) -> tuple[Order | None, str, str, str]:
    """``(order, package, fail_error, fail_message)`` of one order_list row."""
    order = call.state.orders.get(row["order_sn"])
    package = str(row.get("package_number") or "")
    if order is None or order.shop_id != call.shop_id:
        return None, package, "logistics.error_not_found", "The order is not found."
    package = package or package_number(order)
    if package != package_number(order):
        return order, package, "logistics.error_param", "The package is not the order's."
    return order, package, "", ""


def _result(order_sn: str, package: str, fail: str = "", message: str = "") -> dict[str, Any]:
    return {
        "order_sn": order_sn,
        "package_number": package,
        "fail_error": fail,
        "fail_message": message,
    }


async def get_shipping_document_parameter(call: Call) -> Response:
    rows = _rows(await call.json_body(MODULE))
    results = []
    with call.state.lock:
        for row in rows:
            _, package, fail, message = _row_failure(call, row)
            result = _result(row["order_sn"], package, fail, message)
            if not fail:
                result["suggest_shipping_document_type"] = "NORMAL_AIR_WAYBILL"
                result["selectable_shipping_document_type"] = list(DOCUMENT_TYPES[:2])
            results.append(result)
    return ok({"result_list": results})


async def create_shipping_document(call: Call) -> Response:
    rows = _rows(await call.json_body(MODULE))
    for row in rows:
        _document_type(row.get("shipping_document_type"), "shipping_document_type")
        if "tracking_number" in row and not isinstance(row["tracking_number"], str):
            raise param_error("order_list[].tracking_number must be a string.", MODULE)
    results = []
    with call.state.lock:
        for row in rows:
            order, package, fail, message = _row_failure(call, row)
            if order is not None and not fail:
                fail, message = _printable(order, row)
            if order is not None and not fail:
                order.documents[package] = "PROCESSING"
                order.document_reads[package] = 0
            results.append(_result(row["order_sn"], package, fail, message))
    return ok({"result_list": results})


def _printable(order: Order, row: dict[str, Any]) -> tuple[str, str]:
    if order.status not in PRINTABLE:
        return "logistics.error_status", NOT_PRINTABLE
    if not order.tracking_number:
        return "logistics.error_status", "The tracking number is not ready yet."
    given = row.get("tracking_number")
    if given and given != order.tracking_number:
        return "logistics.error_param", "The tracking_number does not match the package."
    return "", ""


async def get_shipping_document_result(call: Call) -> Response:
    body = await call.json_body(MODULE)
    rows = _rows(body)
    _document_type(body.get("shipping_document_type"), "shipping_document_type")
    results = []
    with call.state.lock:
        for row in rows:
            order, package, fail, message = _row_failure(call, row)
            status = ""
            if order is not None and not fail:
                status = _read_document(call, order, package)
                if not status:
                    fail, message = "logistics.error_status", "The document has not been created."
            results.append({**_result(row["order_sn"], package, fail, message), "status": status})
    return ok({"result_list": results})


def _read_document(call: Call, order: Order, package: str) -> str:
    """PROCESSING on the first read after creation, READY from the second (push 15 then)."""
    status = order.documents.get(package, "")
    if status == "PROCESSING":
        order.document_reads[package] = order.document_reads.get(package, 0) + 1
        if order.document_reads[package] > 1:
            document_ready(call.sim, order, package)
            status = "READY"
    return status


async def download_shipping_document(call: Call) -> Response:
    body = await call.json_body(MODULE)
    rows = _rows(body)
    _document_type(body.get("shipping_document_type"), "shipping_document_type")
    pages: list[tuple[Order, str]] = []
    with call.state.lock:
        for row in rows:
            order, package, fail, message = _row_failure(call, row)
            if order is None or fail:
                raise ShopeeError(fail or "logistics.error_not_found", message)
            if order.documents.get(package) != "READY":
                raise _error(
                    "error_status",
                    f"The shipping document of {order.order_sn} is not ready: call "
                    "get_shipping_document_result until its status is READY.",
                )
            pages.append((order, package))
        for order, _ in pages:
            order.labels_downloaded += 1
        content = airway_bills(pages, MASKED_PHONE)
    return Response(content, media_type="application/pdf")
