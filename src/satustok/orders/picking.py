"""The picking list of a selection of orders: what to take off which warehouse's shelves.

API::

    picking = picking_list(order_ids)        # rows, orders counted, cancelled left out
    picking_rows(order_ids)                  # the rows alone
    picking_pdf(picking.rows, title=…, generated_at=…, cancelled=picking.cancelled)  # A4 bytes
    picking_csv(picking.rows)                # UTF-8 bytes with a BOM, cells neutralised

The selected orders' lines are summed by (warehouse, master variant): the warehouse is the one
the order's stock moves in (``Order.warehouse``), the SKU, product and variant
names are the master variant's. A bundle's line is picked as its components (the shelf holds
those, not the kit): each component's quantity × the bundle's. A line linked to no variant is
summed by its channel SKU (by its name when it has no SKU) and marked unlinked. Cancelled
orders are left out and counted. Rows are sorted by warehouse name, then SKU. The selection
is read in chunks of ``IN_CHUNK`` ids, three queries a chunk plus two for the names:
thousands of orders cost a few dozen queries, never one per order.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO, StringIO
from itertools import groupby
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.core.bulk import IN_CHUNK
from satustok.core.spreadsheet import safe_row
from satustok.inventory import bundles
from satustok.inventory.models import Warehouse
from satustok.orders.models import Order, OrderLine, OrderStatus

__all__ = ["PickRow", "PickingList", "picking_csv", "picking_list", "picking_pdf", "picking_rows"]

WIB = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class PickRow:
    warehouse_id: int | None
    warehouse: str
    sku: str  # the master variant's, or the channel's for an unlinked line
    product: str
    variant: str
    quantity: int
    orders: int  # how many of the selected orders have this item
    linked: bool = True


@dataclass(frozen=True)
class PickingList:
    rows: list[PickRow]
    orders: int  # selected orders on the list (cancelled ones excluded)
    cancelled: int  # selected orders left out because they are cancelled


@dataclass
class _Sum:
    """One row being summed: its key's facts, the units and the orders seen."""

    warehouse_id: int | None
    variant_id: int | None
    sku: str
    name: str
    quantity: int = 0
    orders: set[int] = field(default_factory=set)


def picking_rows(order_ids: Iterable[int]) -> list[PickRow]:
    return picking_list(order_ids).rows


def picking_list(order_ids: Iterable[int]) -> PickingList:
    ids = sorted(set(order_ids))
    sums: dict[tuple[object, ...], _Sum] = {}
    counted = cancelled = 0
    for start in range(0, len(ids), IN_CHUNK):
        warehouses, chunk_cancelled = _orders(ids[start : start + IN_CHUNK])
        cancelled += chunk_cancelled
        counted += len(warehouses)
        _add_lines(sums, warehouses)
    return PickingList(_rows(sums.values()), counted, cancelled)


def _orders(ids: list[int]) -> tuple[dict[int, int | None], int]:
    """The chunk's orders that are not cancelled, with their warehouse; and how many are."""
    warehouses: dict[int, int | None] = {}
    cancelled = 0
    # The order's own warehouse; the integration's for a row that predates it.
    warehouse = Coalesce("warehouse_id", "account__warehouse_id")
    for pk, status, warehouse_id in Order.objects.filter(pk__in=ids).values_list(
        "pk", "status", warehouse
    ):
        if status == OrderStatus.CANCELLED:
            cancelled += 1
        else:
            warehouses[pk] = warehouse_id
    return warehouses, cancelled


def _add_lines(sums: dict[tuple[object, ...], _Sum], warehouses: dict[int, int | None]) -> None:
    lines = list(
        OrderLine.objects.filter(order_id__in=list(warehouses)).values_list(
            "order_id", "variant_id", "sku", "name", "quantity"
        )
    )
    recipes = bundles.recipes(variant_id for _o, variant_id, *_rest in lines)
    for order_id, variant_id, sku, name, quantity in lines:
        warehouse_id = warehouses[order_id]
        picked = [(variant_id, quantity)]
        if variant_id in recipes:
            picked = [(part, quantity * per) for part, per in recipes[variant_id]]
            sku = name = ""  # the components' own names are looked up with the variants
        for picked_id, units in picked:
            key = _key(warehouse_id, picked_id, sku, name)
            found = sums.setdefault(key, _Sum(warehouse_id, picked_id, sku.strip(), name))
            found.quantity += units
            found.orders.add(order_id)


def _key(
    warehouse_id: int | None, variant_id: int | None, sku: str, name: str
) -> tuple[object, ...]:
    if variant_id is not None:
        return (warehouse_id, "variant", variant_id)
    if sku_key(sku):  # an unlinked line: the same channel SKU is the same item
        return (warehouse_id, "sku", sku_key(sku))
    return (warehouse_id, "name", name.strip().casefold())


def _rows(sums: Iterable[_Sum]) -> list[PickRow]:
    sums = list(sums)
    variants = Variant.objects.select_related("product").in_bulk(
        {s.variant_id for s in sums if s.variant_id is not None}
    )
    names = dict(Warehouse.objects.values_list("pk", "name"))
    rows = [_row(s, variants.get(s.variant_id or 0), names) for s in sums]
    return sorted(rows, key=lambda r: (r.warehouse.casefold(), r.warehouse_id or 0, sku_key(r.sku)))


def _row(summed: _Sum, variant: Variant | None, warehouses: dict[int, str]) -> PickRow:
    warehouse = warehouses.get(summed.warehouse_id or 0, "")
    sku, product, variant_name = summed.sku, summed.name, ""
    if variant is not None:
        sku, product, variant_name = variant.sku, variant.product.name, variant.name
    return PickRow(
        warehouse_id=summed.warehouse_id,
        warehouse=warehouse,
        sku=sku,
        product=product,
        variant=variant_name,
        quantity=summed.quantity,
        orders=len(summed.orders),
        linked=variant is not None,
    )


# --- CSV ----------------------------------------------------------------------------------------


def picking_csv(rows: Sequence[PickRow]) -> bytes:
    """The rows as CSV for a spreadsheet: UTF-8 with a BOM (so Excel reads it as UTF-8), every
    cell through :func:`~satustok.core.spreadsheet.safe_row` (names come from marketplaces)."""
    buffer = StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_csv_header())
    for row in rows:
        linked = gettext("yes") if row.linked else gettext("no")
        writer.writerow(
            safe_row((row.warehouse, row.sku, row.product, row.variant, row.quantity,
                      row.orders, linked))
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


def _csv_header() -> list[str]:
    return [
        gettext("Warehouse"), gettext("SKU"), gettext("Product"), gettext("Variant"),
        gettext("Quantity"), gettext("Orders"), gettext("Linked to a master SKU"),
    ]  # fmt: skip


# --- PDF ----------------------------------------------------------------------------------------

_STYLES = {
    "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=14, leading=17),
    "note": ParagraphStyle("note", fontName="Helvetica", fontSize=9, leading=11),
    "warehouse": ParagraphStyle("warehouse", fontName="Helvetica-Bold", fontSize=11, leading=14),
    "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=8, leading=10),
    "mark": ParagraphStyle("mark", fontName="Helvetica-Oblique", fontSize=7, leading=9),
}
# Check box, SKU, product, variant, quantity, orders: the A4 frame is 180 mm wide.
_WIDTHS = [8 * mm, 38 * mm, 68 * mm, 36 * mm, 15 * mm, 15 * mm]


class _CheckBox(Flowable):
    """An empty square to tick when the item is picked."""

    SIZE = 3.5 * mm

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.SIZE, self.SIZE

    def draw(self) -> None:
        self.canv.rect(0, 0, self.SIZE, self.SIZE)


def picking_pdf(
    rows: Sequence[PickRow], *, title: str, generated_at: datetime, cancelled: int = 0
) -> bytes:
    """The picking list on A4: one table per warehouse (its header repeated on every page it
    runs over, a total at its foot), a box to tick on every row, page numbers."""
    buffer = BytesIO()
    made = timezone.localtime(generated_at, WIB).strftime("%Y-%m-%d %H:%M WIB")
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
        topMargin=15 * mm, bottomMargin=15 * mm, title=title,
    )  # fmt: skip
    story: list[Flowable] = [Paragraph(escape(title), _STYLES["title"])]
    story.append(Paragraph(escape(_summary(rows, made, cancelled)), _STYLES["note"]))
    for _, group in groupby(rows, key=lambda r: r.warehouse_id):
        story.extend(_warehouse_table(list(group)))
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()


def _summary(rows: Sequence[PickRow], made: str, cancelled: int) -> str:
    text = gettext("Generated %(when)s · %(units)d units in %(rows)d rows.") % {
        "when": made, "units": sum(r.quantity for r in rows), "rows": len(rows),
    }  # fmt: skip
    if cancelled:
        text += " " + gettext("%(count)d cancelled orders left out.") % {"count": cancelled}
    return text


def _warehouse_table(rows: list[PickRow]) -> list[Flowable]:
    heading = Paragraph(escape(rows[0].warehouse or gettext("No warehouse")), _STYLES["warehouse"])
    header = ["", gettext("SKU"), gettext("Product"), gettext("Variant"), gettext("Qty"),
              gettext("Orders")]  # fmt: skip
    body = [_table_row(row) for row in rows]
    total = ["", gettext("Total"), "", "", sum(r.quantity for r in rows), ""]
    table = Table([header, *body, total], colWidths=_WIDTHS, repeatRows=1)
    table.setStyle(_table_style(len(body)))
    return [Spacer(1, 4 * mm), heading, Spacer(1, 2 * mm), table]


def _table_row(row: PickRow) -> list[object]:
    sku: list[Flowable] = [Paragraph(escape(row.sku or "—"), _STYLES["cell"])]
    if not row.linked:
        sku.append(Paragraph(escape(gettext("unlinked (channel SKU)")), _STYLES["mark"]))
    return [
        _CheckBox(), sku, Paragraph(escape(row.product), _STYLES["cell"]),
        Paragraph(escape(row.variant), _STYLES["cell"]), row.quantity, row.orders,
    ]  # fmt: skip


def _table_style(body_rows: int) -> TableStyle:
    last = body_rows + 1
    return TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("FONT", (0, last), (-1, last), "Helvetica-Bold", 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("GRID", (0, 0), (-1, last - 1), 0.4, colors.grey),
        ("LINEABOVE", (0, last), (-1, last), 1, colors.black),
        ("ALIGN", (4, 0), (5, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])  # fmt: skip


def _page_number(canvas: object, document: SimpleDocTemplate) -> None:
    text = gettext("Page %(page)d") % {"page": document.page}
    canvas.setFont("Helvetica", 8)  # type: ignore[attr-defined]
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, text)  # type: ignore[attr-defined]
