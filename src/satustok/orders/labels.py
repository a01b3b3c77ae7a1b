"""Shipping labels for a selection of orders, laid out into one PDF to print.

Each order brings its channel's labels (:class:`~satustok.channels.protocol.Label`: PDF or
HTML bytes, one per package), or none — then the hub draws its own (:func:`hub_label`). Every
page of a channel PDF is one label (one package); an HTML label is converted with xhtml2pdf
and gives the pages it renders (one, for a label made for a 10 × 15 cm sticker).

API::

    sheet = LabelSheet(LabelLayout.A4)       # or LabelLayout.TEN_BY_FIFTEEN ("10x15")
    for order, labels in selection:
        try:
            sheet.add(order, labels)         # -> labels placed for this order
        except LabelUnreadable as error:     # this order only; the sheet is as it was
            report(error.order_id, error.reason)
    placed = sheet.write(binary_file)        # -> labels in the file

Layouts: ``10x15`` puts one label on each 100 × 150 mm page; ``a4`` puts up to four on each
A4 portrait sheet (2 × 2, reading order). A label is scaled to fit its place, keeping its
aspect ratio, and centred. Pages are placed with pypdf (a blank page, the label merged in with
a scale-and-translate transformation) and the hub's label is drawn with reportlab.

Each label is fitted into its place when it is added: that reads the whole page (a corrupt
content stream fails there), so a bad label fails its own order in :meth:`LabelSheet.add`,
never the file in :meth:`LabelSheet.write`.

HTML labels come from the channel, so they are treated as untrusted markup: nothing they name
is fetched. The ``link_callback`` turns every URL that is not a ``data:`` URL into an empty
one (the image or stylesheet is left out and the label still converts), and the xhtml2pdf
resource policy refuses the network and the filesystem outright for the fetches that do not
go through the callback (fonts, backgrounds).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy
from xhtml2pdf.default import DEFAULT_CSS

from satustok.channels.protocol import Label
from satustok.orders.models import Order

__all__ = [
    "LABEL_SIZE",
    "LabelLayout",
    "LabelSheet",
    "LabelUnreadable",
    "hub_label",
]

LABEL_SIZE = (100 * mm, 150 * mm)  # 283.46 × 425.20 pt
WIB = ZoneInfo("Asia/Jakarta")
PDF, HTML = "application/pdf", "text/html"
A4_GUTTER = 3 * mm  # kept clear around each quarter of an A4 sheet, to cut along


class LabelLayout(models.TextChoices):
    TEN_BY_FIFTEEN = "10x15", _("10 × 15 cm (one label per page)")
    A4 = "a4", _("A4 (four labels per sheet)")


class LabelUnreadable(Exception):
    """An order's label could not be read or converted: that order fails, not the file."""

    def __init__(self, order: Order, reason: str) -> None:
        self.order_id = order.pk
        self.external_id = order.external_id
        self.reason = reason
        super().__init__(
            gettext("The label of order %(order)s could not be read: %(reason)s")
            % {"order": order.external_id, "reason": reason}
        )


# --- layouts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    """Where labels go: the page size, the size of one label's place, and the places' lower
    left corners on the page in reading order."""

    page: tuple[float, float]
    cell: tuple[float, float]
    origins: tuple[tuple[float, float], ...]

    @property
    def per_page(self) -> int:
        return len(self.origins)


def _a4_grid() -> _Grid:
    width, height = A4
    half_w, half_h = width / 2, height / 2
    cell = (half_w - 2 * A4_GUTTER, half_h - 2 * A4_GUTTER)
    corners = ((0, half_h), (half_w, half_h), (0, 0), (half_w, 0))  # top row first
    return _Grid(A4, cell, tuple((x + A4_GUTTER, y + A4_GUTTER) for x, y in corners))


GRIDS = {
    LabelLayout.TEN_BY_FIFTEEN: _Grid(LABEL_SIZE, LABEL_SIZE, ((0.0, 0.0),)),
    LabelLayout.A4: _a4_grid(),
}


# --- the sheet ----------------------------------------------------------------------------------


class LabelSheet:
    """The labels of many orders, collected order by order and written as one PDF."""

    def __init__(self, layout: str = LabelLayout.TEN_BY_FIFTEEN) -> None:
        self.layout = LabelLayout(layout)
        self._grid = GRIDS[self.layout]
        self._cells: list[PageObject] = []

    @property
    def labels(self) -> int:
        return len(self._cells)

    @property
    def pages(self) -> int:
        return -(-len(self._cells) // self._grid.per_page)

    def add(self, order: Order, labels: Sequence[Label]) -> int:
        """Place ``order``'s labels (the hub's own when ``labels`` is empty); returns how many
        were placed. Raises :class:`LabelUnreadable`, leaving the sheet as it was."""
        cells: list[PageObject] = []
        if not labels:
            cells.extend(self._hub_cells(order))
        for label in labels:
            cells.extend(self._fitted(order, _label_pdf(order, label)))
        self._cells.extend(cells)
        return len(cells)

    def write(self, out: IO[bytes]) -> int:
        """Write the PDF to the binary file ``out``; returns the number of labels in it."""
        writer = PdfWriter()
        for group in _groups(self._cells, self._grid.per_page):
            if self._grid.per_page == 1:  # the label is the page: no second merge
                page = writer.add_page(group[0])
            else:
                page = writer.add_blank_page(*self._grid.page)
                for cell, (x, y) in zip(group, self._grid.origins, strict=False):
                    page.merge_transformed_page(cell, Transformation().translate(x, y))
            page.compress_content_streams()
        writer.write(out)
        return len(self._cells)

    def to_bytes(self) -> bytes:
        buffer = BytesIO()
        self.write(buffer)
        return buffer.getvalue()

    def _hub_cells(self, order: Order) -> list[PageObject]:
        page = _pages(hub_label(order))[0]
        # Drawn here at the sticker's size: a 10 × 15 page needs no fitting (which costs as
        # much as drawing it, the barcode's hundreds of bars being parsed again).
        return [page if self._grid.cell == LABEL_SIZE else _fit(page, self._grid.cell)]

    def _fitted(self, order: Order, pdf: bytes) -> list[PageObject]:
        # A corrupt file fails anywhere in pypdf (reading the trailer, a page tree, a
        # compressed content stream) with many exception types: whatever it raises, it is
        # this order's label that is unreadable, and the rest of the selection must go on.
        try:
            return [_fit(page, self._grid.cell) for page in _pages(pdf)]
        except Exception as error:
            raise LabelUnreadable(order, _reason(error)) from error


def _groups(cells: list[PageObject], size: int) -> Iterator[list[PageObject]]:
    for start in range(0, len(cells), size):
        yield cells[start : start + size]


def _pages(pdf: bytes) -> list[PageObject]:
    pages = list(PdfReader(BytesIO(pdf)).pages)
    if not pages:
        raise ValueError(gettext("the file has no pages"))
    return pages


def _fit(page: PageObject, cell: tuple[float, float]) -> PageObject:
    """A blank page the size of ``cell`` with ``page`` scaled into it, centred."""
    if page.rotation:
        page.transfer_rotation_to_content()  # so that the box below is what is seen
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    if width <= 0 or height <= 0:
        raise ValueError(gettext("the page has no size"))
    scale = min(cell[0] / width, cell[1] / height)
    dx = (cell[0] - width * scale) / 2 - float(box.left) * scale
    dy = (cell[1] - height * scale) / 2 - float(box.bottom) * scale
    fitted = PageObject.create_blank_page(width=cell[0], height=cell[1])
    fitted.merge_transformed_page(page, Transformation().scale(scale).translate(dx, dy))
    return fitted


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:200]


# --- channel labels -----------------------------------------------------------------------------


def _label_pdf(order: Order, label: Label) -> bytes:
    media_type = label.media_type.split(";", 1)[0].strip().lower()
    if media_type == PDF:
        return label.content
    if media_type == HTML:
        return _html_to_pdf(order, label.content)
    raise LabelUnreadable(order, gettext("unknown label type %s") % label.media_type)


# Untrusted markup: no network, no local file, and limits on size, depth and time.
HTML_POLICY = ResourceAccessPolicy.server(base_dir=None, allow_remote=False)
# An HTML label with no page size of its own is laid out for the sticker, not for A4.
HTML_CSS = DEFAULT_CSS + "\n@page { size: 100mm 150mm; margin: 4mm; }\n"
EMPTY_RESOURCE = "data:,"


def _refuse_links(uri: str, relative: str | None) -> str:
    """xhtml2pdf's link callback: a ``data:`` URL is part of the label and stays; any other is
    replaced by an empty one (returning nothing would keep the original URL)."""
    return uri if str(uri).lower().startswith("data:") else EMPTY_RESOURCE


def _html_to_pdf(order: Order, html: bytes) -> bytes:
    out = BytesIO()
    try:
        result = pisa.pisaDocument(
            html,
            out,
            link_callback=_refuse_links,
            default_css=HTML_CSS,
            resource_policy=HTML_POLICY,
        )
    except Exception as error:  # xhtml2pdf raises what its parsers raise; see _fitted
        raise LabelUnreadable(order, _reason(error)) from error
    if result.err:
        raise LabelUnreadable(order, gettext("the HTML label could not be converted"))
    return out.getvalue()


# --- the hub's own label ------------------------------------------------------------------------

MARGIN = 4 * mm
_STYLES = {
    "caption": ParagraphStyle("caption", fontName="Helvetica", fontSize=7, leading=8.5),
    "text": ParagraphStyle("text", fontName="Helvetica", fontSize=9, leading=11),
    "strong": ParagraphStyle("strong", fontName="Helvetica-Bold", fontSize=11, leading=13),
    "line": ParagraphStyle("line", fontName="Helvetica", fontSize=8, leading=9.5),
}


def hub_label(order: Order) -> bytes:
    """The hub's own 10 × 15 cm label for ``order`` (one page): the channel and courier, the
    tracking number as a Code 128 barcode and in text, recipient, sender, order and lines."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, pageCompression=1)
    canvas.setTitle(f"{order.external_id}")
    _HubLabel(canvas, order).draw()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _HubLabel:
    """Draws one hub label from the top down; ``y`` is the top of what is still free."""

    def __init__(self, canvas: Canvas, order: Order) -> None:
        self.canvas = canvas
        self.order = order
        self.width = LABEL_SIZE[0] - 2 * MARGIN
        self.y = LABEL_SIZE[1] - MARGIN

    def draw(self) -> None:
        self._header()
        self._tracking()
        self._block(gettext("To"), self._recipient())
        self._block(gettext("From"), [self._para(self.order.account.shop_name, "text")])
        self._block(gettext("Order"), self._order_facts())
        self._lines()

    def _header(self) -> None:
        c, top = self.canvas, self.y
        c.setFont("Helvetica-Bold", 14)
        c.drawString(MARGIN, top - 14, self.order.account.get_channel_display())
        c.setFont("Helvetica-Bold", 11)
        c.drawRightString(MARGIN + self.width, top - 13, self.order.courier or "")
        self.y = top - 20
        self._rule()

    def _tracking(self) -> None:
        c, number = self.canvas, self.order.tracking_number
        if number and number.isascii() and number.isprintable():
            barcode = _barcode(number, self.width)
            barcode.drawOn(c, MARGIN + (self.width - barcode.width) / 2, self.y - 4 - 16 * mm)
            self.y -= 4 + 16 * mm
        c.setFont("Helvetica-Bold", 12)
        text = number or gettext("No tracking number yet")
        c.drawCentredString(MARGIN + self.width / 2, self.y - 14, text)
        self.y -= 20
        self._rule()

    def _recipient(self) -> list[Paragraph]:
        order = self.order
        return [
            self._para(order.recipient_name or order.buyer_name, "strong"),
            self._para(order.recipient_phone, "text"),
            self._para(order.recipient_address, "text"),
        ]

    def _order_facts(self) -> list[Paragraph]:
        order = self.order
        ordered = timezone.localtime(order.ordered_at, WIB).strftime("%Y-%m-%d %H:%M WIB")
        facts = [
            (gettext("Order ID"), order.external_id),
            (gettext("Invoice"), order.invoice),
            (gettext("Ordered"), ordered),
        ]
        return [self._para(f"{caption}: {value}", "text") for caption, value in facts if value]

    def _block(self, caption: str, paragraphs: list[Paragraph]) -> None:
        self._place(self._para(caption, "caption"))
        for paragraph in paragraphs:
            self._place(paragraph)
        self.y -= 3
        self._rule()

    def _lines(self) -> None:
        self._place(self._para(gettext("SKU × quantity"), "caption"))
        lines = list(self.order.lines.all())
        for index, line in enumerate(lines):
            text = f"{line.sku or line.name or line.external_product_id} × {line.quantity}"
            paragraph = self._para(text, "line")
            if self._height(paragraph) > self.y - MARGIN - 10:  # room for the "more" line
                more = gettext("… and %(count)d more lines") % {"count": len(lines) - index}
                self._place(self._para(more, "line"))
                return
            self._place(paragraph)

    def _para(self, text: str, style: str) -> Paragraph:
        return Paragraph(escape(text or "—"), _STYLES[style])

    def _height(self, paragraph: Paragraph) -> float:
        return float(paragraph.wrap(self.width, LABEL_SIZE[1])[1])

    def _place(self, paragraph: Paragraph) -> None:
        height = self._height(paragraph)
        paragraph.drawOn(self.canvas, MARGIN, self.y - height)
        self.y -= height + 1

    def _rule(self) -> None:
        self.canvas.setLineWidth(0.6)
        self.canvas.line(MARGIN, self.y, MARGIN + self.width, self.y)
        self.y -= 4


def _barcode(number: str, width: float) -> Any:
    """A Code 128 barcode of ``number`` as wide as fits ``width`` (bars at most 1.3 pt)."""
    probe = Code128(number, barWidth=1, barHeight=16 * mm, humanReadable=False)
    bar_width = min(1.3, width / probe.width)
    return Code128(number, barWidth=bar_width, barHeight=16 * mm, humanReadable=False)
