"""``labels``: the labels of N orders composed into one PDF, in both layouts.

The orders (one integration, one to three lines each, a tracking number) are written to the
database with ``bulk_create``; a third come with a channel PDF label (one A6 page with text, a
drawn barcode and an image, as channels serve them), a third with an HTML label (a table,
inline CSS and a ``data:`` barcode image, distinct per order), and a third with none, so the
hub draws its own (reportlab, a Code 128 barcode). Making the channels' bytes is not timed: a
channel serves them. Timed, per layout (figures ``seconds_10x15`` and ``seconds_a4``): reading
the orders with their lines, ``LabelSheet.add`` for each order (converting HTML, fitting every
page) and ``LabelSheet.write`` into memory. No sandbox is needed: nothing here calls a channel.
"""

from __future__ import annotations

import base64
import time
from io import BytesIO
from typing import Any

SKUS = 30
ADDRESS = "Jl. Sudirman No. 1, Kebayoran Baru, Jakarta Selatan 12190"


def run(orders: int) -> dict[str, Any]:
    order_ids = build(orders)
    channel_labels = make_channel_labels(order_ids)
    result: dict[str, Any] = {"orders": orders, "mix": _mix(channel_labels)}
    for layout in ("10x15", "a4"):
        figures = compose(order_ids, channel_labels, layout)
        result[f"seconds_{layout}"] = figures["seconds"]
        result.setdefault("labels", figures["labels"])
        result.setdefault("pages", {})[layout] = figures["pages"]
        result.setdefault("bytes", {})[layout] = figures["bytes"]
    return result


def compose(
    order_ids: list[int], channel_labels: dict[int, list[Any]], layout: str
) -> dict[str, Any]:
    from pypdf import PdfReader

    from satustok.orders.labels import LabelSheet
    from satustok.orders.models import Order

    started = time.perf_counter()
    selected = Order.objects.filter(pk__in=order_ids).select_related("account")
    sheet = LabelSheet(layout)
    for order in selected.prefetch_related("lines").order_by("pk"):
        sheet.add(order, channel_labels.get(order.pk, []))
    buffer = BytesIO()
    labels = sheet.write(buffer)
    seconds = time.perf_counter() - started
    pages = len(PdfReader(BytesIO(buffer.getvalue())).pages)  # read back, not timed
    return {"seconds": round(seconds, 3), "labels": labels, "pages": pages, "bytes": buffer.tell()}


def _mix(channel_labels: dict[int, list[Any]]) -> dict[str, int]:
    kinds = [labels[0].media_type for labels in channel_labels.values() if labels]
    return {
        "pdf": kinds.count("application/pdf"),
        "html": kinds.count("text/html"),
        "hub": sum(1 for labels in channel_labels.values() if not labels),
    }


# --- the orders ---------------------------------------------------------------------------------


def build(count: int) -> list[int]:
    from datetime import timedelta

    from django.utils import timezone

    from satustok.catalog.models import MasterProduct, Variant
    from satustok.channels.connect import default_warehouse
    from satustok.channels.models import ChannelAccount
    from satustok.orders.models import Order, OrderLine, OrderStatus

    account = ChannelAccount.objects.create(
        channel="tokopedia", shop_id="480001", shop_name="Toko Bench", app_id="15001",
        client_id="bench", client_secret="not-used", warehouse=default_warehouse(),
    )  # fmt: skip
    product = MasterProduct.objects.create(name="Kemeja Batik")
    variants = [Variant.objects.create(product=product, sku=f"KMJ-{i:03d}") for i in range(SKUS)]
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            account=account, external_id=f"5{i:08d}", invoice=f"INV/20240501/MPL/{i:08d}",
            status=OrderStatus.READY_TO_SHIP, channel_status="400",
            ordered_at=now - timedelta(minutes=i), courier="JNE Reguler",
            tracking_number=f"JNE{i:012d}", recipient_name=f"Pembeli {i}",
            recipient_phone="0812-0000-0000", recipient_address=ADDRESS,
        )
        for i in range(count)
    )  # fmt: skip
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order, external_product_id=str(1000 + j), sku=variants[(i + j) % SKUS].sku,
            name=f"Kemeja Batik {j}", quantity=1 + j, variant=variants[(i + j) % SKUS], linked=True,
        )
        for i, order in enumerate(orders)
        for j in range(1 + i % 3)
    )  # fmt: skip
    return [order.pk for order in orders]


# --- what the channels serve --------------------------------------------------------------------


def make_channel_labels(order_ids: list[int]) -> dict[int, list[Any]]:
    """A PDF label for every third order, an HTML label for the next, none for the third."""
    from satustok.channels.protocol import Label
    from satustok.orders.models import Order

    barcode = _barcode_png()
    labels: dict[int, list[Any]] = {}
    for index, order in enumerate(Order.objects.filter(pk__in=order_ids).order_by("pk")):
        if index % 3 == 0:
            labels[order.pk] = [
                Label(order.external_id, "1", "application/pdf", _pdf(order, barcode))
            ]
        elif index % 3 == 1:
            labels[order.pk] = [Label(order.external_id, "1", "text/html", _html(order, barcode))]
        else:
            labels[order.pk] = []
    return labels


def _barcode_png() -> bytes:
    """A barcode-like PNG (stripes), as a channel's label carries one."""
    from PIL import Image, ImageDraw

    image = Image.new("1", (400, 80), 1)
    draw = ImageDraw.Draw(image)
    for x in range(10, 390, 7):
        draw.rectangle((x, 0, x + (x % 3) + 1, 79), fill=0)
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _pdf(order: Any, barcode: bytes) -> bytes:
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A6)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(20, 380, f"{order.courier} · {order.tracking_number}")
    canvas.drawImage(ImageReader(BytesIO(barcode)), 20, 300, width=250, height=50)
    canvas.setFont("Helvetica", 9)
    for row, text in enumerate((order.recipient_name, order.recipient_address, order.invoice)):
        canvas.drawString(20, 270 - 12 * row, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _html(order: Any, barcode: bytes) -> bytes:
    image = base64.b64encode(barcode).decode()
    rows = "".join(
        f"<tr><td>{caption}</td><td>{value}</td></tr>"
        for caption, value in (
            ("No. Resi", order.tracking_number), ("Kurir", order.courier),
            ("Penerima", order.recipient_name), ("Alamat", order.recipient_address),
            ("Invoice", order.invoice),
        )
    )  # fmt: skip
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
      body {{ font-family: Helvetica; font-size: 9pt; }}
      table {{ width: 100%; border: 1px solid #000; }}
      td {{ padding: 2px; border: 1px solid #000; }}
      h1 {{ font-size: 14pt; }}
    </style></head><body>
      <h1>Label Pengiriman {order.external_id}</h1>
      <img src="data:image/png;base64,{image}" width="250" height="50">
      <table>{rows}</table>
    </body></html>""".encode()
