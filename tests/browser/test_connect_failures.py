"""Each way connecting a shop can fail shows its own message in the browser, and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import Stack, log_in, screenshot
from test_founding_flow import fill_credentials, open_tokopedia_form

SHOP_B, REGULAR, HOLIDAY, OTHER_APP = 480002, 480003, 480004, 480005


def submit(page: Any, stack: Stack, shop_id: int, secret: str | None = None) -> tuple[str, str]:
    open_tokopedia_form(page)
    fill_credentials(page, stack, shop_id, secret)
    page.get_by_role("button", name="Connect").click()
    alert = page.get_by_role("alert")
    return alert.get_attribute("data-problem") or "", alert.inner_text()


def integration_count(page: Any, stack: Stack) -> int:
    page.goto(stack.url + "/integrations/")
    return page.locator("table tr").count()


def test_wrong_secret(page: Any, stack: Stack) -> None:
    log_in(page, stack)
    before = integration_count(page, stack)
    problem, text = submit(page, stack, SHOP_B, secret="this-is-not-the-secret")
    screenshot(page, "08-wrong-secret")
    assert problem == "credentials_rejected"
    assert "rejected the Client ID and Client Secret" in text and "15001" in text
    assert integration_count(page, stack) == before


@pytest.mark.parametrize("shop_id", [REGULAR, OTHER_APP])
def test_ineligible_shop(page: Any, stack: Stack, shop_id: int) -> None:
    log_in(page, stack)
    problem, text = submit(page, stack, shop_id)
    screenshot(page, f"09-not-linked-{shop_id}")
    assert problem == "not_associated"
    assert "Official Store or a Power Merchant" in text and "another system" in text


def test_holiday_shop(page: Any, stack: Stack) -> None:
    log_in(page, stack)
    problem, text = submit(page, stack, HOLIDAY)
    assert problem == "shop_closed"
    assert "closed or on holiday" in text and "Open the shop again" in text


def test_duplicate_integration(page: Any, stack: Stack) -> None:
    log_in(page, stack)
    open_tokopedia_form(page)
    fill_credentials(page, stack, SHOP_B)
    page.get_by_role("button", name="Connect").click()
    page.wait_for_selector("h1:has-text('Sari Official Store')")
    problem, text = submit(page, stack, SHOP_B)
    assert problem == "already_connected"
    assert "already an integration" in text


def test_messages_are_in_bahasa_indonesia_by_default(page: Any, stack: Stack) -> None:
    log_in(page, stack, language="id")
    page.goto(stack.url + "/integrations/add/tokopedia/")
    fill_credentials(page, stack, REGULAR)
    page.get_by_role("button", name="Hubungkan").click()
    text = page.get_by_role("alert").inner_text()
    assert "tidak terhubung ke FS ID 15001" in text and "Official Store atau Power Merchant" in text
