"""The pieces of ``satustok_sandbox/common/`` that two marketplaces now share keep each
marketplace's own bytes: the authorization pages' frame and style, the call-log records."""

from __future__ import annotations

from satustok_sandbox.common.page import approval_form, html_page, with_query
from satustok_sandbox.shopee.auth import THEME as SHOPEE_THEME
from satustok_sandbox.tiktokshop.auth import THEME as TIKTOK_THEME


def test_each_page_keeps_its_marketplaces_style() -> None:
    assert SHOPEE_THEME.css() == (
        "body{font-family:sans-serif;max-width:32rem;margin:3rem auto;color:#222}"
        "h1{color:#ee4d2d;font-size:1.4rem}button{background:#ee4d2d;color:#fff;border:0;"
        "padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;cursor:pointer}"
        "select{font-size:1rem;padding:.3rem;margin:.5rem 0 1rem}"
    )
    assert TIKTOK_THEME.css() == (
        "body{font-family:sans-serif;max-width:34rem;margin:3rem auto;color:#161823}"
        "h1{color:#fe2c55;font-size:1.4rem}button{background:#fe2c55;color:#fff;border:0;"
        "padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;cursor:pointer}"
        "button[value=cancel]{background:#888}select{font-size:1rem;padding:.3rem;"
        "margin:.5rem 0 1rem}"
    )


def test_the_page_frame_escapes_the_title_and_keeps_the_body() -> None:
    page = html_page(SHOPEE_THEME, "A & B", "<p>x</p>", 409)
    assert page.status_code == 409
    assert bytes(page.body).decode() == (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A &amp; B</title>"
        f"<style>{SHOPEE_THEME.css()}</style></head><body><h1>A &amp; B</h1><p>x</p></body></html>"
    )


def test_the_approval_form_posts_the_session_and_the_choice() -> None:
    assert approval_form("authorize", "s1", "open_id", "Seller account", "<o>", "Authorize") == (
        "<form method='post' action='authorize'>"
        "<input type='hidden' name='session' value='s1'>"
        "<label for='open_id'>Seller account</label><br>"
        "<select id='open_id' name='open_id'><o></select><br>"
        "<button type='submit' name='decision' value='approve'>Authorize</button> "
        "<button type='submit' name='decision' value='cancel'>Cancel</button>"
        "</form>"
    )


def test_a_redirect_gains_its_parameters_after_any_query() -> None:
    assert with_query("http://a/cb", code="c") == "http://a/cb?code=c"
    assert with_query("http://a/cb?x=1", code="c", shop_id=7) == "http://a/cb?x=1&code=c&shop_id=7"
