"""The full order as ``orders/search`` and ``GET orders`` answer it (fact sheet §6).

Money is decimal strings of whole rupiah in IDR. ``line_items`` has one row per unit (no
quantity field): group by ``sku_id`` / ``seller_sku`` to count. ``payment.total_amount`` =
``sub_total`` (Σ line sale prices) + ``shipping_fee``; discounts, taxes and Indonesian fees are
all ``"0"``. ``package_status`` follows the order: TO_FULFILL until AWAITING_SHIPMENT,
PROCESSING (PARTIALLY_SHIPPING, AWAITING_COLLECTION), FULFILLING (IN_TRANSIT), COMPLETED
(DELIVERED, COMPLETED), CANCELLED. Fulfillment is always FULFILLMENT_BY_SELLER with TikTok
logistics (``shipping_type: TIKTOK``).
"""

from __future__ import annotations

from typing import Any

from satustok_sandbox.tiktokshop.state import LineItem, Order

PACKAGE_STATUS = {
    "PARTIALLY_SHIPPING": "PROCESSING",
    "AWAITING_COLLECTION": "PROCESSING",
    "IN_TRANSIT": "FULFILLING",
    "DELIVERED": "COMPLETED",
    "COMPLETED": "COMPLETED",
    "CANCELLED": "CANCELLED",
}
SHIPPING_PROVIDER = ("J&T Express", "6617675021119438849")
RTS_SLA_SECONDS = 2 * 86_400
TTS_SLA_SECONDS = 3 * 86_400


# Couriers a seller-shipped (SELLER) package may name in ``self_shipment``: id → name.
SELLER_PROVIDERS = {
    "6617675021119438849": "J&T Express",
    "6617675021119438850": "JNE",
    "6617675021119438851": "SiCepat",
}
PENDING_CANCEL = "CANCELLATION_REQUEST_PENDING"


def _paid_or_created(order: Order) -> int:
    """The SLA clock starts at payment (at placement for COD and unpaid orders)."""
    return order.paid_time or order.create_time


def buyer_cancel_pending(order: Order) -> bool:
    return any(c.role == "BUYER" and c.status == PENDING_CANCEL for c in order.cancellations)


def provider_of(order: Order) -> tuple[str, str]:
    """(name, id) of the courier: TikTok's for platform logistics, the seller's own choice once a
    SELLER package is shipped (blank before)."""
    if order.shipping_type == "TIKTOK":
        return SHIPPING_PROVIDER
    provider_id = order.shipping_provider_id
    return (SELLER_PROVIDERS.get(provider_id, ""), provider_id)


def money(value: int) -> str:
    return str(value)


def payment(order: Order) -> dict[str, str]:
    zero = money(0)
    return {
        "currency": "IDR",
        "sub_total": money(order.sub_total),
        "shipping_fee": money(order.shipping_fee),
        "seller_discount": zero,
        "platform_discount": zero,
        "total_amount": money(order.sub_total + order.shipping_fee),
        "original_total_product_price": money(order.sub_total),
        "original_shipping_fee": money(order.shipping_fee),
        "shipping_fee_seller_discount": zero,
        "shipping_fee_platform_discount": zero,
        "tax": zero,
        "buyer_service_fee": zero,
        "handling_fee": zero,
        "shipping_insurance_fee": zero,
        "item_insurance_fee": zero,
    }


def recipient_address(order: Order) -> dict[str, Any]:
    detail = "Jl. Merdeka No. 10, RT 02/RW 05"
    return {
        "name": order.recipient_name,
        "phone_number": "(+62)812****5678",
        "full_address": f"{detail}, {order.recipient_city}, Indonesia",
        "address_detail": detail,
        "postal_code": "40111",
        "region_code": "ID",
        "district_info": [
            {"address_level_name": "Country", "address_name": "Indonesia", "address_level": "L0"},
            {
                "address_level_name": "City",
                "address_name": order.recipient_city,
                "address_level": "L2",
            },
        ],
    }


def line_item_json(order: Order, item: LineItem) -> dict[str, Any]:
    cancelled = order.status == "CANCELLED"
    return {
        "id": item.id,
        "sku_id": item.sku_id,
        "product_id": item.product_id,
        "product_name": item.product_name,
        "sku_name": item.sku_name,
        "seller_sku": item.seller_sku,
        "sku_image": "",
        "sku_type": "NORMAL",
        "sale_price": money(item.price),
        "original_price": money(item.price),
        "seller_discount": money(0),
        "platform_discount": money(0),
        "currency": "IDR",
        "display_status": order.status,
        "package_id": order.package_id,
        "package_status": PACKAGE_STATUS.get(order.status, "TO_FULFILL"),
        "tracking_number": order.tracking_number,
        "shipping_provider_name": provider_of(order)[0],
        "shipping_provider_id": provider_of(order)[1],
        "is_gift": False,
        "cancel_reason": order.cancel_reason if cancelled else "",
        "cancel_user": order.cancellation_initiator if cancelled else "",
        "rts_time": order.rts_time,
        "combined_listing_skus": [],
    }


def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "status": order.status,
        "commerce_platform": order.commerce_platform,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "paid_time": order.paid_time,
        "rts_time": order.rts_time,
        "rts_sla_time": _paid_or_created(order) + RTS_SLA_SECONDS,
        "tts_sla_time": _paid_or_created(order) + TTS_SLA_SECONDS,
        "collection_time": order.collection_time,
        "delivery_time": order.delivery_time,
        "cancel_time": order.cancel_time,
        "user_id": order.user_id,
        "buyer_email": "",
        "buyer_message": order.buyer_message,
        "payment_method_name": "COD" if order.is_cod else "Transfer Bank",
        "is_cod": order.is_cod,
        "is_on_hold_order": order.status == "ON_HOLD",
        "is_buyer_request_cancel": buyer_cancel_pending(order),
        "is_sample_order": False,
        "cancel_reason": order.cancel_reason,
        "cancellation_initiator": order.cancellation_initiator,
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "shipping_type": order.shipping_type,
        "delivery_type": "HOME_DELIVERY",
        "delivery_option_name": "Reguler",
        "shipping_provider": provider_of(order)[0],
        "shipping_provider_id": provider_of(order)[1],
        "tracking_number": order.tracking_number,
        "warehouse_id": order.warehouse_id,
        "payment": payment(order),
        "recipient_address": recipient_address(order),
        "packages": [{"id": order.package_id}],
        "line_items": [line_item_json(order, item) for item in order.line_items],
    }
