"""Bounded input: one stock bound in the service for the UI, the API and the command line; list
filters that take huge or odd numbers without a 500; the approval return that takes its channel
from the session; and CSV exports a spreadsheet cannot turn into formulas. On SQLite and on
PostgreSQL (where an integer beyond the column is an error, not a stored value)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount
from satustok.core.access import Role
from satustok.core.models import Membership
from satustok.core.spreadsheet import safe_cell
from satustok.inventory import stock
from satustok.inventory.adjustments import MAX_QUANTITY, AdjustmentRefused, adjust
from satustok.inventory.models import StockLevel, StockMovement
from satustok.orders.models import Order
from satustok.sync.models import Bucket, ImportRow, ImportRun, RunMode
from satustok.sync.report import unimported_csv

pytestmark = pytest.mark.django_db

HUGE = [2**31, 2**63, 2**63 - 1, 10**30]
DEMO_SHOP = 7700001


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    """These tests read the English wording of the refusals (the pages: the seller's cookie)."""
    with translation.override("en"):
        yield


@pytest.fixture
def seller(client: Client) -> Client:
    owner = get_user_model().objects.create(username="pemilik")
    Membership.objects.create(user=owner, role=Role.OWNER)
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


@pytest.fixture
def variant() -> Variant:
    product = MasterProduct.objects.create(name="Kaos Polos")
    found = Variant.objects.create(product=product, sku="KAOS-1")
    stock.set_on_hand(default_warehouse().pk, found.pk, 5, reference="test")
    return found


def on_hand(variant: Variant) -> int:
    return StockLevel.objects.get(variant=variant).on_hand


# --- one stock bound, in the service ------------------------------------------------------


@pytest.mark.parametrize("quantity", [MAX_QUANTITY + 1, *HUGE])
def test_the_service_refuses_a_quantity_beyond_the_bound(variant: Variant, quantity: int) -> None:
    movements = StockMovement.objects.count()
    for action in ("set", "add"):
        with pytest.raises(AdjustmentRefused, match="at most"):
            adjust(variant, action, quantity, "count")
    assert on_hand(variant) == 5 and StockMovement.objects.count() == movements


def test_adding_past_the_bound_is_refused_and_up_to_it_accepted(variant: Variant) -> None:
    with pytest.raises(AdjustmentRefused, match="would be more than"):
        adjust(variant, "add", MAX_QUANTITY - 4, "received")
    adjust(variant, "add", MAX_QUANTITY - 5, "received")
    assert on_hand(variant) == MAX_QUANTITY
    adjust(variant, "set", MAX_QUANTITY, "count")
    assert on_hand(variant) == MAX_QUANTITY


@pytest.mark.parametrize("quantity", [2**31, 2**63])
def test_the_stock_form_shows_the_bound_and_changes_nothing(
    seller: Client, variant: Variant, quantity: int
) -> None:
    url = reverse("web:inventory_sku", args=[variant.pk])
    response = seller.post(url, {"action": "set", "quantity": str(quantity), "reason": "x"})
    assert response.status_code == 200
    assert "less than or equal to 1000000000" in response.content.decode()
    assert on_hand(variant) == 5
    # The SKU's page (its movement list) still renders.
    assert seller.get(url).status_code == 200


def test_the_stock_form_reports_an_addition_past_the_bound(
    seller: Client, variant: Variant
) -> None:
    url = reverse("web:inventory_sku", args=[variant.pk])
    data = {"action": "add", "quantity": str(MAX_QUANTITY), "reason": "received"}
    response = seller.post(url, data, follow=True)
    assert response.status_code == 200
    assert "would be more than" in response.content.decode()
    assert on_hand(variant) == 5


@pytest.mark.parametrize("quantity", [MAX_QUANTITY + 1, 2**31, 2**63])
def test_the_api_refuses_the_quantity_with_its_error_shape(
    client: Client, variant: Variant, quantity: int
) -> None:
    owner = get_user_model().objects.create_superuser("api-owner", "o@example.com", None)
    key = tokens.issue(owner, "test").key
    response = client.post(
        "/api/stock/adjustments",
        {"sku": "KAOS-1", "action": "set", "quantity": quantity, "reason": "count"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] and body["detail"]
    assert any(error["field"].endswith("quantity") for error in body["errors"])
    assert on_hand(variant) == 5


def test_the_command_line_reports_the_bound(variant: Variant) -> None:
    with pytest.raises(CommandError, match="at most"):
        call_command("stock", "set", "KAOS-1", str(2**63), "--reason", "count")
    assert on_hand(variant) == 5


# --- list filters and ids: never a 500 ------------------------------------------------------


@pytest.mark.parametrize(
    "integration", [str(2**63), str(10**30), "-1", "²", "١٢", "1e9", "0x10", " 7 ", "\x00"]
)
def test_the_orders_page_ignores_an_integration_filter_that_cannot_be_an_id(
    seller: Client, integration: str
) -> None:
    response = seller.get(reverse("web:orders"), {"integration": integration, "page": "10**30"})
    assert response.status_code == 200


ODD_VALUES = [str(2**63), str(10**30), "-1", "²", "\x00", "1e400", "ab"]


@pytest.mark.parametrize(
    "page", ["web:catalog", "web:catalog_unlinked", "web:import_choose", "web:inventory",
             "web:sync_log", "web:sync_log_pushes", "web:orders", "web:activity"]
)  # fmt: skip
def test_list_pages_take_odd_numbers_in_any_filter_without_a_500(seller: Client, page: str) -> None:
    for value in ODD_VALUES:
        query = {"page": value, "integration": value, "q": value, "bucket": value}
        query |= {"result": value, "since": value, "until": value, "user": value}
        response = seller.get(reverse(page), query)
        assert response.status_code == 200, (page, value)


def test_the_orders_page_still_filters_by_a_real_integration(seller: Client) -> None:
    account = ChannelAccount.objects.create(
        channel="tokopedia", shop_id="1", shop_name="A", warehouse=default_warehouse()
    )
    response = seller.get(reverse("web:orders"), {"integration": str(account.pk)})
    assert response.status_code == 200
    assert response.context["filters"]["integration"] == str(account.pk)
    assert not Order.objects.exists()


@pytest.mark.parametrize("legacy", [str(2**63), "²", "10" * 20])
def test_moving_a_shop_from_an_id_that_cannot_exist_is_a_404(seller: Client, legacy: str) -> None:
    account = ChannelAccount.objects.create(
        channel="tokopedia", shop_id="1", shop_name="A", warehouse=default_warehouse()
    )
    response = seller.post(reverse("web:integration_move", args=[account.pk]), {"legacy": legacy})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"offset": str(10**30)},
        {"offset": str(2**63)},
        {"integration": str(2**63)},
        {"integration": str(10**30)},
        {"listing": str(10**30)},
    ],
)
def test_api_lists_refuse_numbers_no_row_can_have(client: Client, query: dict[str, str]) -> None:
    owner = get_user_model().objects.create_superuser("api-owner", "o@example.com", None)
    headers = {"Authorization": f"Bearer {tokens.issue(owner, 'test').key}"}
    for path in (
        "/api/orders",
        "/api/catalog/listings/unlinked",
        "/api/imports",
        "/api/sync-log/pushes",
    ):
        response = client.get(path, query, headers=headers)
        assert response.status_code in (200, 422), (path, query, response.content[:300])
        if response.status_code == 422:
            assert response.json()["code"]


@pytest.mark.parametrize("page", ["web:orders", "web:catalog", "web:inventory"])
def test_a_nul_in_a_search_is_no_500(seller: Client, page: str) -> None:
    assert seller.get(reverse(page), {"q": "kaos\x00"}).status_code == 200


def test_the_api_refuses_a_nul_in_text_with_its_error_shape(
    client: Client, variant: Variant
) -> None:
    owner = get_user_model().objects.create_superuser("api-owner", "o@example.com", None)
    headers = {"Authorization": f"Bearer {tokens.issue(owner, 'test').key}"}
    for path, query in [
        ("/api/catalog/variants", {"q": "a\x00"}),
        ("/api/orders", {"q": "\x00"}),
        ("/api/stock", {"sku": "KAOS-1\x00"}),
        ("/api/stock/levels", {"q": "\x00"}),
    ]:
        response = client.get(path, query, headers=headers)
        assert response.status_code == 422, (path, response.content[:300])
        assert response.json()["code"]
    body = {"sku": "KAOS-1", "action": "add", "quantity": 1, "reason": "rusak\u0000"}
    response = client.post(
        "/api/stock/adjustments", body, content_type="application/json", headers=headers
    )
    assert response.status_code == 422 and "NUL" in response.content.decode()
    assert on_hand(variant) == 5


# --- the approval return: the channel comes from the pending approval -----------------------


def _start_shopee_connect(seller: Client, shopee: Any) -> str:
    partner = shopee.partner()
    response = seller.post(
        reverse("web:integration_add_channel", args=["shopee"]),
        {"partner_id": partner["partner_id"], "partner_key": partner["partner_key"]},
    )
    assert response.status_code == 302
    return str(response["Location"])


def _approve(approval_url: str) -> str:
    with httpx.Client() as browser:
        page = browser.get(approval_url)
        session = re.search(r"name='session' value='([^']+)'", page.text)
        assert session is not None, page.text
        answer = browser.post(
            page.url.copy_with(query=None),
            data={"session": session.group(1), "shop_id": str(DEMO_SHOP), "decision": "approve"},
        )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


@pytest.mark.parametrize("url_channel", ["tiktokshop", "tokopedia", "no-such-channel"])
def test_an_approval_returning_under_another_channel_connects_the_pending_one(
    seller: Client, hub_shopee: Any, url_channel: str
) -> None:
    back = urlsplit(_approve(_start_shopee_connect(seller, hub_shopee)))
    other = reverse("web:integration_authorized", args=[url_channel])
    response = seller.get(other, parse_qs(back.query))
    account = ChannelAccount.objects.get()
    assert account.channel == "shopee" and account.shop_id == str(DEMO_SHOP)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:integration", args=[account.pk])


def test_an_approval_return_with_a_wrong_state_spends_nothing(
    seller: Client, hub_shopee: Any
) -> None:
    back = urlsplit(_approve(_start_shopee_connect(seller, hub_shopee)))
    query = parse_qs(back.query)
    forged = {**query, "state": ["not-the-state"]}
    refused = seller.get(back.path, forged)
    assert refused.status_code == 302 and refused["Location"] == reverse("web:integration_add")
    assert not ChannelAccount.objects.exists()
    # The pending approval is intact: the real return still connects.
    assert seller.get(back.path, query).status_code == 302
    assert ChannelAccount.objects.get().channel == "shopee"


# --- CSV exports: marketplace text stays text --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ('=HYPERLINK("http://evil.example","klik")', '\'=HYPERLINK("http://evil.example","klik")'),
        ("+62 812", "'+62 812"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Kaos = murah", "Kaos = murah"),
        ("", ""),
    ],
)
def test_safe_cell_neutralises_what_a_spreadsheet_would_run(raw: str, written: str) -> None:
    assert safe_cell(raw) == written


def test_numbers_stay_numbers() -> None:
    assert safe_cell(-3) == -3 and safe_cell(0) == 0


def test_the_not_imported_csv_writes_marketplace_text_as_text() -> None:
    account = ChannelAccount.objects.create(
        channel="tokopedia", shop_id="1", shop_name="A", warehouse=default_warehouse()
    )
    run = ImportRun.objects.create(account=account, mode=RunMode.IMPORT)
    ImportRow.objects.create(
        run=run,
        page=1,
        external_id="9",
        sku="=1+1",
        name='=HYPERLINK("http://evil.example","klik")',
        status_label="@Aktif",
        stock=-2,
        price=100,
        bucket=Bucket.SKIPPED_INACTIVE,
    )
    rows = list(csv.reader(io.StringIO(unimported_csv(run))))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    assert cells["name"] == '\'=HYPERLINK("http://evil.example","klik")'
    assert cells["sku"] == "'=1+1"
    assert cells["status"] == "'@Aktif"
    assert cells["stock"] == "-2"  # a number, written as a number
    assert not any(cell.startswith(("=", "+", "@")) for cell in row)
