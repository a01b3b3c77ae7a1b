"""The airway bill ``logistics/download_shipping_document`` serves: a real PDF, one 10×15 cm page
per package asked for, showing the order, the package, its tracking number (also as a Code 128
barcode), the courier and the recipient (masked, as Shopee prints it).
"""

from __future__ import annotations

from io import BytesIO

from reportlab.graphics.barcode import code128
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas

from satustok_sandbox.shopee.state import Order

PAGE = (10 * cm, 15 * cm)


def airway_bills(pages: list[tuple[Order, str]], masked_phone: str) -> bytes:
    """One page per ``(order, package_number)``."""
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE, pageCompression=0)
    pdf.setTitle("Shopee airway bill (sandbox)")
    for order, package in pages:
        _page(pdf, order, package, masked_phone)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _page(pdf: canvas.Canvas, order: Order, package: str, masked_phone: str) -> None:
    height = PAGE[1]
    left, y = 0.6 * cm, height - 1.0 * cm
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(left, y, f"Shopee — {order.shipping_carrier}")
    y -= 0.9 * cm
    barcode = code128.Code128(order.tracking_number or package, barHeight=1.4 * cm)
    barcode.drawOn(pdf, left, y - 1.4 * cm)
    y -= 2.0 * cm
    pdf.setFont("Helvetica-Bold", 12)
    pdf.drawString(left, y, f"Resi: {order.tracking_number}")
    pdf.setFont("Helvetica", 9)
    rows = [
        f"No. Pesanan: {order.order_sn}",
        f"Package: {package}",
        f"Penerima: {order.recipient_name}",
        f"Telp: {masked_phone}",
        f"Kota: {order.recipient_city}",
        f"{'COD' if order.cod else 'Non-COD'}",
    ]
    for row in rows:
        y -= 0.6 * cm
        pdf.drawString(left, y, row)
    y -= 0.8 * cm
    pdf.setFont("Helvetica-Bold", 9)
    pdf.drawString(left, y, "Isi paket")
    pdf.setFont("Helvetica", 8)
    for line in order.lines:
        y -= 0.5 * cm
        variant = f" ({line.model_name})" if line.model_name else ""
        pdf.drawString(left, y, f"{line.quantity} × {line.item_name}{variant}"[:70])
