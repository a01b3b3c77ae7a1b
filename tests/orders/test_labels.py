"""Labels as one PDF: read back with pypdf (pages, sizes, text), a bad label fails only its
order, and an HTML label fetches nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from django.utils import translation
from labels_helpers import html_label, make_order, pdf_label
from orders_helpers import Catalog
from pypdf import PdfReader

from satustok.channels.protocol import Label
from satustok.orders.labels import LabelLayout, LabelSheet, LabelUnreadable, hub_label
from satustok.orders.models import Order

pytestmark = pytest.mark.django_db

LABEL_PT = (283.46, 425.2)  # 100 × 150 mm
A4_PT = (595.28, 841.89)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Captions are read back in English (the documents use the active language)."""
    with translation.override("en"):
        yield


def read(sheet: LabelSheet) -> PdfReader:
    buffer = BytesIO()
    sheet.write(buffer)
    return PdfReader(BytesIO(buffer.getvalue()))


def sizes(reader: PdfReader) -> set[tuple[float, float]]:
    return {
        (round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
        for p in reader.pages
    }


def texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def orders(catalog: Catalog, count: int) -> list[Order]:
    return [
        make_order(catalog.account, f"90{i:02d}", [(catalog.shirt, "KMJ-01", i + 1)],
                   tracking_number=f"JX{i:010d}")
        for i in range(count)
    ]  # fmt: skip


def test_ten_by_fifteen_is_one_page_per_package(catalog: Catalog) -> None:
    hub, channel_pdf, channel_html = orders(catalog, 3)
    sheet = LabelSheet(LabelLayout.TEN_BY_FIFTEEN)

    assert sheet.add(hub, []) == 1
    assert sheet.add(channel_pdf, [pdf_label(channel_pdf, ["PKG-A 9001", "PKG-B 9001"])]) == 2
    assert sheet.add(channel_html, [html_label(channel_html, "<h1>HTML-LABEL 9002</h1>")]) == 1
    reader = read(sheet)

    assert len(reader.pages) == sheet.labels == sheet.pages == 4
    assert sizes(reader) == {LABEL_PT}
    page_texts = texts(reader)
    assert "JX0000000000" in page_texts[0] and "9000" in page_texts[0]
    assert "PKG-A 9001" in page_texts[1] and "PKG-B 9001" in page_texts[2]
    assert "HTML-LABEL 9002" in page_texts[3]


@pytest.mark.parametrize("count", [1, 4, 5, 9])
def test_a4_puts_four_labels_on_each_sheet(catalog: Catalog, count: int) -> None:
    sheet = LabelSheet("a4")
    for order in orders(catalog, count):
        sheet.add(order, [pdf_label(order, [f"LABEL-{order.external_id}"])])
    buffer = BytesIO()
    placed = sheet.write(buffer)
    reader = PdfReader(BytesIO(buffer.getvalue()))

    assert placed == count
    assert len(reader.pages) == -(-count // 4) == sheet.pages
    assert sizes(reader) == {A4_PT}
    for index, text in enumerate(texts(reader)):
        expected = {f"LABEL-90{i:02d}" for i in range(index * 4, min(count, index * 4 + 4))}
        assert {word for word in text.split() if word.startswith("LABEL-")} == expected


def test_a4_places_labels_in_reading_order_within_their_quarters(catalog: Catalog) -> None:
    sheet = LabelSheet(LabelLayout.A4)
    for order in orders(catalog, 4):
        sheet.add(order, [pdf_label(order, [f"LABEL-{order.external_id}"])])
    positions = text_positions(read(sheet).pages[0])
    width, height = A4_PT
    quarters = {
        text: (x >= width / 2, y < height / 2) for text, (x, y) in positions.items()
    }  # (right half, bottom half)
    assert quarters == {
        "LABEL-9000": (False, False),
        "LABEL-9001": (True, False),
        "LABEL-9002": (False, True),
        "LABEL-9003": (True, True),
    }


def test_a_channel_page_is_scaled_keeping_its_aspect_and_centred(catalog: Catalog) -> None:
    order = orders(catalog, 1)[0]
    square = pdf_label(order, ["SQUARE"], size=(200, 200))  # text drawn at (10, 10)
    sheet = LabelSheet(LabelLayout.TEN_BY_FIFTEEN)
    sheet.add(order, [square])

    x, y = text_positions(read(sheet).pages[0])["SQUARE"]

    scale = LABEL_PT[0] / 200  # the width limits it: 1.417
    assert x == pytest.approx(10 * scale, abs=0.1)
    assert y == pytest.approx((LABEL_PT[1] - 200 * scale) / 2 + 10 * scale, abs=0.1)


def test_the_hub_label_shows_what_the_courier_and_the_packer_need(catalog: Catalog) -> None:
    order = make_order(
        catalog.account, "7777001", [(catalog.shirt, "KMJ-01", 2), (None, "LOOSE-9", 3)],
        tracking_number="JP1234567890",
    )  # fmt: skip
    reader = PdfReader(BytesIO(hub_label(order)))

    assert len(reader.pages) == 1 and sizes(reader) == {LABEL_PT}
    text = reader.pages[0].extract_text()
    for expected in (
        "JP1234567890", "7777001", "INV/7777001", "Toko Uji", "Tokopedia", "JNE Reguler",
        "Budi Santoso", "0812-3456-7890", "Jakarta Pusat", "KMJ-01 × 2", "LOOSE-9 × 3",
        "2024-05-02 03:30 WIB",
    ):  # fmt: skip
        assert expected in text, expected


def test_a_hub_label_without_tracking_number_or_room_for_every_line_still_prints(
    catalog: Catalog,
) -> None:
    many = [(None, f"SKU-{i:03d}", 1) for i in range(60)]
    order = make_order(catalog.account, "7777002", many)
    order.recipient_name = "Ünal 日本 <b>&amp;"
    order.save()

    text = PdfReader(BytesIO(hub_label(order))).pages[0].extract_text()

    assert "No tracking number yet" in text and "SKU-000 × 1" in text
    assert "SKU-059" not in text and "more lines" in text
    assert "<b>&amp;" in text  # markup in channel text is text, not Paragraph markup


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(Label("x", "p", "application/pdf", b"not a pdf at all"), id="garbage"),
        pytest.param(Label("x", "p", "application/pdf", b"%PDF-1.4\n%%EOF"), id="no-pages"),
        pytest.param(Label("x", "p", "image/png", b"\x89PNG"), id="unknown-type"),
        pytest.param(
            Label("x", "p", "text/html", b"<div>" * 400 + b"deep" + b"</div>" * 400),
            id="html-too-deep",
        ),
    ],
)
def test_an_unreadable_label_fails_only_its_order(catalog: Catalog, bad: Label) -> None:
    first, broken, last = orders(catalog, 3)
    sheet = LabelSheet(LabelLayout.A4)
    sheet.add(first, [pdf_label(first, ["FIRST"])])

    with pytest.raises(LabelUnreadable) as raised:
        # A good label before the bad one is not kept: the order is all or nothing.
        sheet.add(broken, [pdf_label(broken, ["BROKEN-GOOD-PART"]), bad])
    assert raised.value.order_id == broken.pk and raised.value.external_id == "9001"
    assert "9001" in str(raised.value) and raised.value.reason
    assert sheet.labels == 1

    sheet.add(last, [html_label(last, "<p>LAST</p>")])
    reader = read(sheet)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "FIRST" in text and "LAST" in text and "BROKEN" not in text


def test_a_corrupt_content_stream_never_breaks_the_file(catalog: Catalog) -> None:
    order = orders(catalog, 1)[0]
    good = pdf_label(order, ["FINE"]).content
    # Break the compressed page stream but keep the file's structure readable.
    start = good.index(b"stream\n") + len(b"stream\n")
    corrupt = good[:start] + b"\x00" * 40 + good[start + 40 :]
    sheet = LabelSheet(LabelLayout.TEN_BY_FIFTEEN)

    try:  # pypdf reads a damaged stream as far as it can (a warning), or refuses it
        sheet.add(order, [Label("9000", "p", "application/pdf", corrupt)])
    except LabelUnreadable:
        assert sheet.labels == 0
    # Either way, the file is written: what was added when it was added is well formed.
    assert len(read(sheet).pages) == sheet.labels


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to resolve a name or open a connection, refused and recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_an_html_label_fetches_nothing_and_still_converts(
    catalog: Catalog, no_network: list[Any]
) -> None:
    order = orders(catalog, 1)[0]
    body = """
      <style>
        @import url("http://example.com/import.css");
        @font-face { font-family: Remote; src: url("http://example.com/font.ttf"); }
        p { font-family: Remote; background-image: url("/etc/passwd"); }
      </style>
      <link rel="stylesheet" href="https://example.com/style.css">
      <img src="http://example.com/x.png">
      <img src="file:///etc/passwd">
      <img src="/etc/hostname">
      <p>RESI JX424242 ORDER 9000</p>
    """
    sheet = LabelSheet(LabelLayout.TEN_BY_FIFTEEN)

    assert sheet.add(order, [html_label(order, body)]) == 1

    assert no_network == []
    assert "RESI JX424242 ORDER 9000" in texts(read(sheet))[0]


def test_an_html_label_keeps_its_inline_image(catalog: Catalog) -> None:
    pixel = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
        "AAAABJRU5ErkJggg=="
    )
    order = orders(catalog, 1)[0]
    label = html_label(order, f'<img src="data:image/png;base64,{pixel}" width="50" height="50">')
    sheet = LabelSheet(LabelLayout.TEN_BY_FIFTEEN)
    sheet.add(order, [label])

    page = read(sheet).pages[0]
    assert len(page.images) == 1


def text_positions(page: Any) -> dict[str, tuple[float, float]]:
    """Where each piece of text on ``page`` starts, in page coordinates."""
    found: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found[text.strip()] = (x, y)

    page.extract_text(visitor_text=visit)
    return found
