"""Orders as Get All Orders, Get Single Order and the order webhooks show them (§7, §8).

The list and the webhooks use unix ``create_time``; the single order uses RFC3339 strings in
WIB. Buyer data is masked, never encrypted: the sandbox does not simulate §9 encryption, so
``encryption`` is present but empty.
"""

from __future__ import annotations

from typing import Any

from satustok_sandbox.tokopedia.state import (
    CANCELLED_STATUSES,
    Order,
    OrderLine,
    Shop,
    rfc3339,
)

ACCEPT_WINDOW_SECONDS = 2 * 86_400
SHIP_WINDOW_SECONDS = 2 * 86_400


def masked_phone(buyer_id: int) -> str:
    digits = f"62812{buyer_id % 100_000_000:08d}"
    return digits[:5] + "****" + digits[-4:]


def masked_email(name: str) -> str:
    first = (name.split() or ["buyer"])[0].lower()
    return f"{first[:2]}***@example.com"


def deadlines(order: Order) -> dict[str, str]:
    """Accept within 2 days of payment; ship within 2 days of accepting (or, before the
    accept, of the accept deadline), on the sandbox clock."""
    accept = order.create_time + ACCEPT_WINDOW_SECONDS
    accepted = order.first_time(400)
    return {
        "accept_deadline": rfc3339(accept),
        "confirm_shipping_deadline": rfc3339((accepted or accept) + SHIP_WINDOW_SECONDS),
    }


def cancel_request_info(order: Order) -> dict[str, Any] | None:
    """The buyer's pending cancellation request (null when none), as IZI and NDA read it."""
    if order.cancel_request_time is None:
        return None
    return {
        "create_time": rfc3339(order.cancel_request_time),
        "reason": order.cancel_request_reason,
        "status": 0,
    }


def line_json(line: OrderLine) -> dict[str, Any]:
    weight_kg = line.weight_grams / 1000
    return {
        "id": line.product_id,
        "name": line.name,
        "quantity": line.quantity,
        "notes": "",
        "weight": weight_kg,
        "total_weight": round(weight_kg * line.quantity, 3),
        "price": line.price,
        "total_price": line.price * line.quantity,
        "currency": "Rp",
        "sku": line.sku,
        "is_wholesale": False,
    }


def _amounts(order: Order) -> dict[str, int]:
    products = order.total_product_price
    return {
        "ttl_product_price": products,
        "shipping_cost": order.shipping_cost,
        "insurance_cost": 0,
        "ttl_amount": products + order.shipping_cost,
        "voucher_amount": 0,
        "toppoints_amount": 0,
    }


def _recipient(order: Order) -> dict[str, Any]:
    return {
        "name": order.buyer_name,
        "phone": masked_phone(order.buyer_id),
        "address": {
            "address_full": f"Jl. Merdeka No. {order.order_id % 200 + 1}, {order.recipient_city}",
            "district": "Sumur Bandung",
            "city": order.recipient_city,
            "province": "Jawa Barat",
            "country": "Indonesia",
            "postal_code": "40111",
            "district_id": 2101,
            "city_id": 165,
            "province_id": 9,
            "geo": "-6.9175,107.6191",
        },
    }


def _logistics(order: Order) -> dict[str, Any]:
    return {
        "shipping_id": 1,
        "district_id": 2101,
        "city_id": 165,
        "province_id": 9,
        "geo": "-6.9175,107.6191",
        "shipping_agency": order.shipping_agency,
        "service_type": order.service_type,
    }


def _fulfilled(order: Order) -> list[dict[str, int]]:
    if order.status < 400 or order.status in CANCELLED_STATUSES:
        return []
    return [
        {"product_id": line.product_id, "quantity_deliver": line.quantity, "quantity_reject": 0}
        for line in order.lines
    ]


def order_list_row(order: Order, fs_id: int) -> dict[str, Any]:
    """One element of Get All Orders' ``data``."""
    products = [line_json(line) for line in order.lines]
    return {
        "fs_id": str(fs_id),
        "order_id": order.order_id,
        "invoice_ref_num": order.invoice,
        "is_cod_mitra": False,
        "accept_partial": False,
        "have_product_bundle": False,
        "products": products,
        "products_fulfilled": _fulfilled(order),
        "bundle_detail": {"bundle": [], "non_bundle": products, "total_product": len(products)},
        "buyer": {
            "id": order.buyer_id,
            "name": order.buyer_name,
            "phone": masked_phone(order.buyer_id),
            "email": masked_email(order.buyer_name),
        },
        "recipient": _recipient(order),
        "shop_id": order.shop_id,
        "warehouse_id": order.warehouse_id,
        "payment_id": order.order_id + 5_000_000,
        "logistics": _logistics(order),
        "amt": _amounts(order),
        "voucher_info": {"voucher_code": "", "voucher_type": 0},
        "promo_order_detail": {
            "order_id": order.order_id,
            "total_cashback": 0,
            "total_discount": 0,
        },
        "order_status": order.status,
        "create_time": int(order.create_time),
        "shipment_fulfillment": deadlines(order),
        "custom_fields": {"awb": order.awb},
        "encryption": {"secret": "", "content": ""},
        "is_plus": False,
        "cancel_request_info": cancel_request_info(order),
    }


def notification_payload(order: Order, shop: Shop, fs_id: int) -> dict[str, Any]:
    """The ``order_notification`` webhook body: a list row plus the webhook-only keys.

    Both invoice keys are sent because the two doc pages disagree (fact sheet §8)."""
    row = order_list_row(order, fs_id)
    row.update(
        fs_id=fs_id,
        invoice_num=order.invoice,
        customer=row["buyer"],
        shop_name=shop.name,
        dropshipper_info={},
        device_type="android",
    )
    return row


def status_payload(order: Order, fs_id: int) -> dict[str, Any]:
    """The ``order_status`` (and ``order_cancellation``) webhook body."""
    return {
        "fs_id": fs_id,
        "order_id": order.order_id,
        "order_status": order.status,
        "shop_id": order.shop_id,
        "warehouse_id": order.warehouse_id,
        "product_details": [
            {
                key: line_json(line)[key]
                for key in (
                    "id",
                    "name",
                    "notes",
                    "currency",
                    "weight",
                    "total_weight",
                    "price",
                    "total_price",
                    "quantity",
                    "sku",
                )
            }
            for line in order.lines
        ],
    }


def single_order(order: Order, shop: Shop) -> dict[str, Any]:
    """Get Single Order's ``data``."""
    return {
        "order_id": order.order_id,
        "buyer_id": order.buyer_id,
        "seller_id": shop.user_id,
        "payment_id": order.order_id + 5_000_000,
        "is_affiliate": False,
        "is_fulfillment": False,
        "order_warehouse": {"warehouse_id": order.warehouse_id, "fulfill_by": 0, "meta_data": {}},
        "order_status": order.status,
        "invoice_number": order.invoice,
        "invoice_pdf": f"{order.invoice.replace('/', '-')}.pdf",
        "invoice_url": f"https://www.tokopedia.com/invoice.pl?id={order.order_id}",
        "open_amt": order.total_product_price + order.shipping_cost,
        "lp_amt": 0,
        "cashback_amt": 0,
        "info": "",
        "comment": order.reject_reason,
        "item_price": order.total_product_price,
        "buyer_info": {
            "buyer_id": order.buyer_id,
            "buyer_fullname": order.buyer_name,
            "buyer_email": masked_email(order.buyer_name),
            "buyer_phone": masked_phone(order.buyer_id),
        },
        "shop_info": {
            "shop_owner_id": shop.user_id,
            "shop_owner_email": "",
            "shop_owner_phone": "",
            "shop_name": shop.name,
            "shop_domain": shop.domain,
            "shop_id": shop.shop_id,
        },
        "shipment_fulfillment": _shipment_fulfillment(order),
        "order_info": _order_info(order),
        "origin_info": _origin_info(order, shop),
        "payment_info": _payment_info(order),
        "insurance_info": {"insurance_type": 0},
        "hold_info": None,
        "cancel_request_info": cancel_request_info(order),
        "create_time": rfc3339(order.create_time),
        "shipping_date": rfc3339(_first_time(order, 500)),
        "update_time": rfc3339(order.update_time),
        "payment_date": rfc3339(_first_time(order, 220)),
        "delivered_date": rfc3339(_first_time(order, 600)),
        "est_shipping_date": None,
        "est_delivery_date": None,
        "related_invoices": None,
        "custom_fields": None,
        "promo_order_detail": {
            "order_id": order.order_id,
            "total_cashback": 0,
            "total_discount": 0,
        },
    }


def _first_time(order: Order, status: int) -> float | None:
    return next((at for code, at in order.history if code == status), None)


def _shipment_fulfillment(order: Order) -> dict[str, Any]:
    accepted = any(code == 400 for code, _ in order.history)
    shipped = any(code == 500 for code, _ in order.history)
    return {
        "id": order.order_id,
        "order_id": order.order_id,
        "payment_date_time": rfc3339(_first_time(order, 220)),
        "is_same_day": False,
        **deadlines(order),
        "item_delivered_deadline": {"time": "", "valid": False},
        "is_accepted": accepted,
        "is_confirm_shipping": shipped,
        "is_item_delivered": any(code == 600 for code, _ in order.history),
        "fulfillment_status": 0,
    }


def _order_info(order: Order) -> dict[str, Any]:
    return {
        "order_detail": [_detail(order, index, line) for index, line in enumerate(order.lines)],
        "order_history": [
            {
                "action_by": "system",
                "hist_status_code": code,
                "message": "",
                "timestamp": rfc3339(at),
                "comment": "",
                "create_by": 0,
                "update_by": "system",
            }
            for code, at in reversed(order.history)
        ],
        "order_age_day": 0,
        "shipping_age_day": 0,
        "delivered_age_day": 0,
        "partial_process": 0,
        "shipping_info": {
            "sp_id": 1,
            "shipping_id": 1,
            "logistic_name": order.shipping_agency,
            "logistic_service": order.service_type,
            "shipping_price": order.shipping_cost,
            "shipping_price_rate": order.shipping_cost,
            "shipping_fee": 0,
            "insurance_price": 0,
            "fee": 0,
            "is_change_courier": False,
            "awb": order.awb,
            "autoresi_cashless_status": 0,
            "autoresi_awb": "",
            "autoresi_shipping_price": 0,
            "count_awb": 1 if order.awb else 0,
            "isCashless": True,
            "is_fake_delivery": False,
        },
        "destination": _destination(order),
        "is_replacing_invoice": False,
        "replacing_invoice_no": "",
    }


def _detail(order: Order, index: int, line: OrderLine) -> dict[str, Any]:
    delivered = line.quantity if _fulfilled(order) else 0
    return {
        "order_detail_id": order.order_id * 10 + index,
        "product_id": line.product_id,
        "product_name": line.name,
        "product_desc_pdp": "",
        "product_desc_atc": "",
        "product_price": line.price,
        "subtotal_price": line.price * line.quantity,
        "weight": line.weight_grams / 1000,
        "total_weight": round(line.weight_grams * line.quantity / 1000, 3),
        "quantity": line.quantity,
        "quantity_deliver": delivered,
        "quantity_reject": 0,
        "is_free_returns": False,
        "insurance_price": 0,
        "normal_price": line.price,
        "currency_id": 2,
        "currency_rate": 1,
        "min_order": 1,
        "child_cat_id": 1807,
        "campaign_id": "",
        "product_picture": "",
        "snapshot_url": f"https://www.tokopedia.com/snapshot_product.pl?pid={line.product_id}",
        "sku": line.sku,
    }


def _destination(order: Order) -> dict[str, Any]:
    recipient = _recipient(order)
    return {
        "receiver_name": order.buyer_name,
        "receiver_phone": recipient["phone"],
        "address_street": recipient["address"]["address_full"],
        "address_district": recipient["address"]["district"],
        "address_city": order.recipient_city,
        "address_province": recipient["address"]["province"],
        "address_postal": recipient["address"]["postal_code"],
        "customer_address_id": order.buyer_id,
        "district_id": 2101,
        "city_id": 165,
        "province_id": 9,
        "loc_latitude": "-6.9175",
        "loc_longitude": "107.6191",
    }


def _origin_info(order: Order, shop: Shop) -> dict[str, Any]:
    warehouse = shop.warehouse(order.warehouse_id) or shop.default_warehouse()
    return {
        "sender_name": shop.name,
        "origin_province": 5,
        "origin_province_name": warehouse.province_name,
        "origin_city": 501,
        "origin_city_name": warehouse.city_name,
        "origin_address": warehouse.address,
        "origin_district": 5101,
        "origin_district_name": warehouse.district_name,
        "origin_postal_code": warehouse.postal_code,
        "origin_geo": "-7.7956,110.3695",
        "receiver_name": order.buyer_name,
        "destination_address": _recipient(order)["address"]["address_full"],
    }


def _payment_info(order: Order) -> dict[str, Any]:
    return {
        "payment_id": order.order_id + 5_000_000,
        "payment_ref_num": f"PYM/{order.order_id}",
        "payment_date": rfc3339(_first_time(order, 220)),
        "payment_method": 0,
        "payment_status": "Verified",
        "payment_status_id": 2,
        "create_time": rfc3339(order.create_time),
        "pg_id": 0,
        "gateway_name": "BCA Virtual Account",
        "discount_amount": 0,
        "voucher_code": "",
        "voucher_id": 0,
    }


def malform_order_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``malformed_next`` fault on the list: wrong types and missing objects, alternating."""
    for index, row in enumerate(rows):
        if index % 2 == 0:
            row["create_time"] = rfc3339(row["create_time"])
            row["order_id"] = str(row["order_id"])
        else:
            row.pop("products", None)
            row.pop("amt", None)
    return rows


def malform_single_order(data: dict[str, Any]) -> dict[str, Any]:
    data["order_status"] = str(data["order_status"])
    data["open_amt"] = f"Rp {data['open_amt']}"
    data.pop("order_info", None)
    return data
