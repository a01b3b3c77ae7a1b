"""Orders and labels for the labels and picking-list tests, built with the ORM."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

from reportlab.lib.pagesizes import A6
from reportlab.pdfgen.canvas import Canvas

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount
from satustok.channels.protocol import Label
from satustok.orders.models import Order, OrderLine, OrderStatus

ORDERED_AT = datetime(2024, 5, 1, 20, 30, tzinfo=UTC)  # 2024-05-02 03:30 WIB


def make_order(
    account: ChannelAccount,
    external_id: str,
    lines: list[tuple[Variant | None, str, int]] = (),  # type: ignore[assignment]
    *,
    status: str = OrderStatus.READY_TO_SHIP,
    tracking_number: str = "",
) -> Order:
    """An order of ``account`` with lines (variant or None for unlinked, channel SKU, qty)."""
    order = Order.objects.create(
        account=account,
        external_id=external_id,
        invoice=f"INV/{external_id}",
        status=status,
        channel_status="400",
        ordered_at=ORDERED_AT,
        courier="JNE Reguler",
        tracking_number=tracking_number,
        recipient_name="Budi Santoso",
        recipient_phone="0812-3456-7890",
        recipient_address="Jl. Merdeka No. 1, Gambir, Jakarta Pusat 10110",
    )
    for index, (variant, sku, quantity) in enumerate(lines):
        OrderLine.objects.create(
            order=order,
            external_product_id=f"p{index}",
            sku=sku,
            name=f"item {sku}",
            quantity=quantity,
            variant=variant,
            linked=variant is not None,
        )
    return order


def pdf_label(order: Order, texts: list[str], size: tuple[float, float] = A6) -> Label:
    """A channel's PDF label: one page per text, each page showing its text."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=size)
    for text in texts:
        canvas.setFont("Helvetica", 10)
        canvas.drawString(10, 10, text)
        canvas.showPage()
    canvas.save()
    return Label(order.external_id, "pkg-1", "application/pdf", buffer.getvalue())


def html_label(order: Order, body: str) -> Label:
    html = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    return Label(order.external_id, "pkg-1", "text/html; charset=utf-8", html.encode())
