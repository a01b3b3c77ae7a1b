"""Shopee signing (the sheet's vectors), common-parameter errors, the authorization page, the
token endpoints (single-use codes, rotating single-use refresh tokens) and revocation."""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from shopee_helpers import (
    BANNED_SHOP,
    OTHER_PARTNER_ID,
    OTHER_PARTNER_KEY,
    PARTNER_ID,
    SHOP,
    V2,
    ShopeeApi,
    error_of,
    hmac_hex,
)

from satustok_sandbox.server import RunningSandbox
from satustok_sandbox.shopee.handle import ShopeeControl
from satustok_sandbox.shopee.signing import base_string, push_signature, sign

ITEM_LIST = f"{V2}/product/get_item_list"
SHOP_INFO = f"{V2}/shop/get_shop_info"
TOKEN_GET = f"{V2}/auth/token/get"
REFRESH = f"{V2}/auth/access_token/get"


def test_the_fact_sheet_vectors_are_reproduced() -> None:
    token, shop_id = "c09222e3fc40ffb25fc947f738b1abf1", 600000
    base = base_string(2001887, ITEM_LIST, 1700000000, token, shop_id)
    assert base == f"2001887{ITEM_LIST}1700000000{token}600000"
    expected = "6e378090c34641f62ea2fa3336ae8e869edc6ef25dc4707e7a04cb8f14a21be7"
    assert sign("test_partner_key", 2001887, ITEM_LIST, 1700000000, token, shop_id) == expected
    assert hmac_hex("test_partner_key", base) == expected
    body = (
        b'{"data":{"items":[],"ordersn":"2112132KAD867D","status":"READY_TO_SHIP",'
        b'"update_time":1639390316},"shop_id":30011,"code":3,"timestamp":1639390316}'
    )
    push = push_signature("test_partner_key", "https://example.com/shopee/push", body)
    assert push == "6da1a50fa1138b5885c975dcdfff65b88257a3c3ee6ca16313fd345d69b8ee3d"


def test_a_correctly_signed_call_answers_the_envelope(shop_api: ShopeeApi) -> None:
    response = shop_api.get(ITEM_LIST, {"page_size": 1, "item_status": "NORMAL"})
    payload = response.json()
    assert response.status_code == 200
    assert set(payload) >= {"request_id", "error", "message", "warning", "response"}
    assert payload["error"] == "" and len(payload["request_id"]) == 32


def test_the_mount_prefix_is_not_part_of_the_signed_path(shop_api: ShopeeApi) -> None:
    wrong = shop_api.get(ITEM_LIST, {"page_size": 1, "item_status": "NORMAL"},
                         signed_path=f"/shopee{ITEM_LIST}")  # fmt: skip
    assert error_of(wrong) == (403, "error_sign", "Wrong sign.")


def test_common_parameter_errors(shop_api: ShopeeApi) -> None:
    params: dict[str, Any] = {"page_size": 1, "item_status": "NORMAL"}
    now = int(time.time())
    assert error_of(shop_api.get(ITEM_LIST, params, key="not-the-key"))[:2] == (403, "error_sign")
    stale = shop_api.get(ITEM_LIST, params, timestamp=now - 301)
    assert error_of(stale) == (400, "error_param", "Timestamp is expired.")
    future = shop_api.get(ITEM_LIST, params, timestamp=now + 900)
    assert error_of(future)[:2] == (400, "error_param") and "timestamp" in future.json()["message"]
    assert shop_api.get(ITEM_LIST, params, timestamp=now - 250).status_code == 200
    missing = shop_api.client.get(ITEM_LIST, params={"partner_id": PARTNER_ID, **params})
    assert error_of(missing) == (400, "error_param", "Missing timestamp.")
    unknown = ShopeeApi(shop_api.sandbox, partner_id=1234, partner_key="x")
    refused = unknown.get(ITEM_LIST, params, token=shop_api.access_token)
    assert error_of(refused) == (400, "error_param", "Invalid partner_id.")
    unknown.close()


def test_access_token_errors(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    params = {"page_size": 1, "item_status": "NORMAL"}
    bogus = shop_api.get(ITEM_LIST, params, token="0" * 32)
    assert error_of(bogus) == (403, "error_auth", "Invalid access_token.")
    other_shop = shop_api.get(ITEM_LIST, params, shop_id=7700003)
    status, error, message = error_of(other_shop)
    assert (status, error) == (403, "error_auth") and "permission" in message.lower()
    empty = shop_api.get(ITEM_LIST, params, token="")
    assert error_of(empty) == (400, "error_param", "Missing access_token.")
    other = ShopeeApi(shop_api.sandbox, partner_id=OTHER_PARTNER_ID, partner_key=OTHER_PARTNER_KEY)
    borrowed = other.get(ITEM_LIST, params, token=shop_api.access_token)
    assert error_of(borrowed)[:2] == (403, "error_auth")
    other.close()


def test_tokens_expire_on_the_sandbox_clock_and_real_timestamps_still_pass(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    params = {"page_size": 1, "item_status": "NORMAL"}
    shopee.advance_clock(4 * 3600 - 60)
    assert shop_api.get(ITEM_LIST, params).status_code == 200
    shopee.advance_clock(120)
    assert error_of(shop_api.get(ITEM_LIST, params)) == (403, "error_auth", "Invalid access_token.")
    sandbox_now = int(shopee.now())
    shop_api.authorize()
    assert shop_api.get(ITEM_LIST, params, timestamp=sandbox_now).status_code == 200
    shopee.set_faults(strict_clock=True)
    assert error_of(shop_api.get(ITEM_LIST, params))[2] == "Timestamp is expired."


def _approve(sandbox: RunningSandbox, redirect: str, shop_id: int = SHOP) -> httpx.Response:
    """Open the authorization link and press Confirm Authorization for ``shop_id``."""
    with httpx.Client(trust_env=False, timeout=10) as browser:
        page = browser.get(sandbox.shopee.auth_url(redirect))
        assert page.status_code == 200, page.text
        session = re.search(r"name='session' value='([0-9a-f]+)'", page.text)
        assert session is not None
        action = httpx.URL(str(page.url)).join("auth_partner")
        return browser.post(
            action,
            data={"session": session.group(1), "shop_id": str(shop_id), "decision": "approve"},
        )


def _token_get(api: ShopeeApi, code: str, shop_id: int = SHOP) -> httpx.Response:
    body = {"code": code, "partner_id": api.partner_id, "shop_id": shop_id}
    return api.post(TOKEN_GET, body, shop=False)


def _refresh(api: ShopeeApi, refresh_token: str, shop_id: int = SHOP) -> httpx.Response:
    body = {"refresh_token": refresh_token, "partner_id": api.partner_id, "shop_id": shop_id}
    return api.post(REFRESH, body, shop=False)


def test_the_authorization_page_names_the_app_and_the_shops(shopee_sandbox: RunningSandbox) -> None:
    page = httpx.get(shopee_sandbox.shopee.auth_url("https://hub.example/cb"), trust_env=False)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "satustok demo" in page.text and "2001887" in page.text
    assert "<label for='shop_id'>" in page.text and "Confirm Authorization" in page.text
    assert "Demo Shopee Store" in page.text and "7700002" in page.text
    stale = shopee_sandbox.shopee.auth_url(
        "https://hub.example/cb", timestamp=int(time.time()) - 400
    )
    refused = httpx.get(stale, trust_env=False)
    assert refused.status_code == 400 and "Timestamp is expired" in refused.text
    forged = httpx.get(page.url.copy_set_param("sign", "0" * 64), trust_env=False)
    assert forged.status_code == 403 and "error_sign" in forged.text


def test_the_full_authorization_flow(shopee_sandbox: RunningSandbox, shopee: ShopeeControl) -> None:
    api = ShopeeApi(shopee_sandbox)
    redirect = _approve(shopee_sandbox, "https://hub.example/shopee/callback?state=abc")
    assert redirect.status_code == 303
    target = urlsplit(redirect.headers["location"])
    query = parse_qs(target.query)
    assert target.path == "/shopee/callback" and query["state"] == ["abc"]
    assert query["shop_id"] == [str(SHOP)]
    code = query["code"][0]

    tokens = _token_get(api, code)
    payload = tokens.json()
    assert tokens.status_code == 200 and payload["error"] == "" and "response" not in payload
    assert payload["expire_in"] == 14400 and payload["shop_id_list"] == [SHOP]
    assert set(payload) >= {"access_token", "refresh_token", "merchant_id_list", "request_id"}
    again = _token_get(api, code)
    assert error_of(again)[:2] == (403, "invalid_code") and "response" not in again.json()

    api.access_token = payload["access_token"]
    info = api.get(SHOP_INFO).json()
    assert info["shop_name"] == "Demo Shopee Store" and info["status"] == "NORMAL"
    assert info["region"] == "ID" and info["expire_time"] - info["auth_time"] == 365 * 86_400

    first_refresh = payload["refresh_token"]
    rotated = _refresh(api, first_refresh).json()
    assert rotated["error"] == "" and rotated["refresh_token"] != first_refresh
    assert rotated["access_token"] != payload["access_token"] and rotated["shop_id"] == SHOP
    reused = _refresh(api, first_refresh)
    assert error_of(reused) == (403, "error_auth", "Invalid refresh_token: it was already used.")
    assert api.get(SHOP_INFO).status_code == 200  # the older access token lives out its 4 h
    assert _refresh(api, rotated["refresh_token"]).json()["error"] == ""

    ledger = shopee.refresh_token_uses()
    assert ledger["refresh_calls"] == 3 and ledger["uses"][first_refresh] == 2
    assert [r["refresh_token"] for r in ledger["reused"]] == [first_refresh]
    api.close()


def test_token_get_refuses_a_wrong_shop_and_an_expired_code(
    shopee_sandbox: RunningSandbox, shopee: ShopeeControl
) -> None:
    api = ShopeeApi(shopee_sandbox)
    code = shopee.authorize(SHOP)["code"]
    assert error_of(_token_get(api, code, shop_id=7700003))[:2] == (403, "invalid_shop_id")
    shopee.advance_clock(601)
    assert error_of(_token_get(api, code)) == (403, "invalid_code", "Invalid code: it has expired.")
    missing = api.post(TOKEN_GET, {"partner_id": PARTNER_ID, "shop_id": SHOP}, shop=False)
    assert error_of(missing) == (400, "error_param", "Missing code.")
    api.close()


def test_refresh_tokens_expire_after_30_days(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    shopee.advance_clock(30 * 86_400 + 1)
    assert error_of(_refresh(shop_api, shop_api.refresh_token))[:2] == (
        403, "refresh_token_expired"
    )  # fmt: skip


def test_concurrent_refreshes_spend_the_token_once(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    answers: list[httpx.Response] = []
    start = threading.Barrier(4)

    def refresh() -> None:
        client = ShopeeApi(shop_api.sandbox)
        try:
            start.wait()
            answers.append(_refresh(client, shop_api.refresh_token))
        finally:
            client.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.json()["error"] for r in answers) == [
        "",
        "error_auth",
        "error_auth",
        "error_auth",
    ]
    ledger = shopee.refresh_token_uses()
    assert ledger["uses"][shop_api.refresh_token] == 4 and len(ledger["reused"]) == 3


def test_revoking_stops_calls_and_refreshes(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    assert shopee.revoke(SHOP)["revoked"] is True
    params = {"page_size": 1, "item_status": "NORMAL"}
    assert error_of(shop_api.get(ITEM_LIST, params))[:2] == (403, "error_auth")
    refused = _refresh(shop_api, shop_api.refresh_token)
    assert error_of(refused)[:2] == (403, "error_auth") and "cancelled" in refused.json()["message"]
    shop_api.authorize()  # the seller authorizes again: new tokens work, old refresh stays dead
    assert shop_api.get(ITEM_LIST, params).status_code == 200


def test_a_banned_shop_answers_only_shop_info(shopee_sandbox: RunningSandbox) -> None:
    api = ShopeeApi(shopee_sandbox, shop_id=BANNED_SHOP).authorize()
    info = api.get(SHOP_INFO).json()
    assert info["status"] == "BANNED" and info["response"]["status"] == "BANNED"
    listing = api.get(ITEM_LIST, {"page_size": 1, "item_status": "NORMAL"})
    assert error_of(listing) == (403, "shop_banned", "The shop is banned.")
    api.close()


def test_shops_by_partner_and_push_config_are_public_calls(shop_api: ShopeeApi) -> None:
    shops = shop_api.get(f"{V2}/public/get_shops_by_partner", shop=False).json()
    assert [s["shop_id"] for s in shops["authed_shop_list"]] == [SHOP]
    assert shops["more"] is False
