"""TikTok Shop seller authorization: the page (seller choice, Authorize, Cancel, the registered
redirect URL), single-use 30-minute codes, the token endpoints (absolute expiries, rotation,
spent refresh tokens), the authorized shops, and revocation."""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from tiktokshop_helpers import (
    APP_KEY,
    APP_SECRET,
    CIPHER,
    OTHER_SELLER,
    PLAIN_CIPHER,
    PLAIN_SHOP,
    SELLER,
    SERVICE_ID,
    SHOP,
    TikTokApi,
    error_of,
    ok,
)

from satustok_sandbox.server import RunningSandbox, start_in_thread
from satustok_sandbox.tiktokshop.handle import TikTokShopControl

CALLBACK = "https://hub.example/tiktokshop/callback"
SHOPS = "/authorization/202309/shops"
WAREHOUSES = "/logistics/202309/warehouses"
WEEK, YEAR = 7 * 86_400, 365 * 86_400


def _browser() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=10)


def _decide(
    tiktokshop: TikTokShopControl, decision: str, open_id: str = SELLER, state: str = "xyz"
) -> httpx.Response:
    """Open the authorization page, pick the seller account and press a button."""
    with _browser() as browser:
        page = browser.get(tiktokshop.authorize_url(state))
        assert page.status_code == 200, page.text
        session = re.search(r"name='session' value='([0-9a-f]+)'", page.text)
        assert session is not None
        action = httpx.URL(str(page.url)).join("authorize")
        form = {"session": session.group(1), "open_id": open_id, "decision": decision}
        return browser.post(action, data=form)


def _query(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 303, response.text
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK
    return {key: values[-1] for key, values in parse_qs(target.query).items()}


def _token_get(tiktokshop: TikTokShopControl, code: str, **changes: str) -> httpx.Response:
    params = {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "auth_code": code,
        "grant_type": "authorized_code",
        **changes,
    }
    return httpx.get(f"{tiktokshop.auth_url}/api/v2/token/get", params=params, trust_env=False)


def _refresh(tiktokshop: TikTokShopControl, refresh_token: str, **changes: str) -> httpx.Response:
    params = {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "refresh_token": refresh_token,
        "grant_type": "refresh_token",
        **changes,
    }
    return httpx.get(f"{tiktokshop.auth_url}/api/v2/token/refresh", params=params, trust_env=False)


def test_the_page_names_the_app_the_sellers_and_their_shops(tiktokshop: TikTokShopControl) -> None:
    tiktokshop.set_redirect_url(CALLBACK)
    page = httpx.get(tiktokshop.authorize_url("abc"), trust_env=False)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "satustok demo" in page.text and SERVICE_ID in page.text
    assert "<label for='open_id'>Seller account</label>" in page.text
    assert "Sari Batik (Tokopedia &amp; TikTok Shop)" in page.text and SHOP in page.text
    assert "Kain Polos Nusantara" in page.text
    assert ">Authorize</button>" in page.text and ">Cancel</button>" in page.text


def test_an_unknown_service_id_or_no_redirect_url_is_an_error_page(
    tiktokshop: TikTokShopControl,
) -> None:
    unregistered = httpx.get(tiktokshop.authorize_url("abc"), trust_env=False)
    assert unregistered.status_code == 409 and "redirect URL" in unregistered.text
    tiktokshop.set_redirect_url(CALLBACK)
    unknown = httpx.get(tiktokshop.authorize_url("abc", "999"), trust_env=False)
    assert unknown.status_code == 404 and "location" not in unknown.headers
    assert "service_id 999" in unknown.text


def test_authorize_redirects_with_a_code_that_buys_tokens_once(
    tiktokshop: TikTokShopControl,
) -> None:
    tiktokshop.set_redirect_url(CALLBACK)
    query = _query(_decide(tiktokshop, "approve", state="csrf-123"))
    assert query["state"] == "csrf-123" and query["app_key"] == APP_KEY
    assert query["shop_region"] == "ID" and query["locale"] == "id-ID"
    now = tiktokshop.now()
    tokens = ok(_token_get(tiktokshop, query["code"]))
    assert abs(tokens["access_token_expire_in"] - (now + WEEK)) < 5
    assert abs(tokens["refresh_token_expire_in"] - (now + YEAR)) < 5
    assert tokens["open_id"] == SELLER and tokens["seller_name"] == "Sari Batik"
    assert tokens["seller_base_region"] == "ID" and tokens["user_type"] == 0
    assert "seller.product.write" in tokens["granted_scopes"]
    again = error_of(_token_get(tiktokshop, query["code"]))
    assert again[1] == 105003 and "already used" in again[2]


def test_a_code_expires_after_30_minutes(tiktokshop: TikTokShopControl) -> None:
    code = tiktokshop.authorize()["code"]
    tiktokshop.advance_clock(29 * 60)
    assert ok(_token_get(tiktokshop, code))["open_id"] == SELLER
    late = tiktokshop.authorize()["code"]
    tiktokshop.advance_clock(30 * 60 + 1)
    status, code_, message = error_of(_token_get(tiktokshop, late))
    assert (status, code_) == (200, 105003) and "expired" in message


def test_cancel_redirects_with_auth_denied(tiktokshop: TikTokShopControl) -> None:
    tiktokshop.set_redirect_url(CALLBACK)
    query = _query(_decide(tiktokshop, "cancel", state="s1"))
    assert query == {"code": "null", "error": "auth_denied", "state": "s1"}
    assert tiktokshop.authorizations() == []


def test_token_get_refuses_bad_credentials_and_codes(tiktokshop: TikTokShopControl) -> None:
    code = tiktokshop.authorize()["code"]
    wrong = error_of(_token_get(tiktokshop, code, app_secret="nope"))
    assert wrong[1] == 36009004 and "app_secret" in wrong[2]
    assert error_of(_token_get(tiktokshop, "made-up"))[1] == 105003
    assert error_of(_token_get(tiktokshop, code, grant_type="password"))[1] == 40001
    assert ok(_token_get(tiktokshop, code))  # none of the refusals spent the code


def test_refresh_rotates_both_tokens_and_spends_the_old_one(
    tiktokshop_sandbox: RunningSandbox, tiktokshop: TikTokShopControl
) -> None:
    api = TikTokApi(tiktokshop_sandbox).authorize()
    first_access, first_refresh = api.access_token, api.refresh_token
    tiktokshop.advance_clock(3_600)
    rotated = ok(_refresh(tiktokshop, first_refresh))
    assert rotated["access_token"] != first_access and rotated["refresh_token"] != first_refresh
    assert abs(rotated["access_token_expire_in"] - (tiktokshop.now() + WEEK)) < 5
    granted = tiktokshop.authorizations()[0]
    assert rotated["refresh_token_expire_in"] == granted["expires_at"]  # not extended
    reused = error_of(_refresh(tiktokshop, first_refresh))
    assert reused[:2] == (200, 105004) and "already used" in reused[2]
    assert ok(api.get(SHOPS, shop=False))  # the older access token lives out its 7 days
    ledger = tiktokshop.refresh_token_uses()
    assert ledger["refresh_calls"] == 2 and ledger["uses"][first_refresh] == 2
    assert [r["refresh_token"] for r in ledger["reused"]] == [first_refresh]
    api.close()


def test_concurrent_refreshes_spend_the_token_once(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    answers: list[dict[str, Any]] = []
    start = threading.Barrier(4)

    def refresh() -> None:
        start.wait()
        answers.append(_refresh(tiktokshop, tts_api.refresh_token).json())

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a["code"] for a in answers) == [0, 105004, 105004, 105004]
    assert tiktokshop.refresh_token_uses()["max_uses"] == 4


def test_the_refresh_token_dies_with_the_authorization_year(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    tiktokshop.advance_clock(YEAR + 1)
    assert error_of(_refresh(tiktokshop, tts_api.refresh_token))[1] == 105006
    assert error_of(tts_api.get(SHOPS, shop=False))[1] == 105002


def test_the_authorized_shops_are_the_sellers(tiktokshop_sandbox: RunningSandbox) -> None:
    api = TikTokApi(tiktokshop_sandbox).authorize()
    shops = ok(api.get(SHOPS, shop=False))["shops"]
    assert shops == [
        {
            "id": SHOP,
            "cipher": CIPHER,
            "name": "Sari Batik (Tokopedia & TikTok Shop)",
            "region": "ID",
            "seller_type": "LOCAL",
            "code": "IDLCSB0001",
        }
    ]
    plain = TikTokApi(tiktokshop_sandbox, cipher=PLAIN_CIPHER).authorize(OTHER_SELLER)
    assert [s["id"] for s in ok(plain.get(SHOPS, shop=False))["shops"]] == [PLAIN_SHOP]
    api.close()
    plain.close()


def test_one_authorization_covers_every_shop_of_the_seller() -> None:
    seller = {"open_id": "s1", "seller_name": "Dua Toko"}
    shops = [
        {"shop_id": f"749400000000000010{n}", "name": f"Toko {n}", "open_id": "s1"} for n in (1, 2)
    ]
    world = {
        "apps": [{"fs_id": 1, "client_id": "id", "client_secret": "secret"}],
        "tiktokshop": {
            "apps": [{"app_key": "k", "app_secret": "s", "service_id": "1"}],
            "sellers": [seller],
            "shops": shops,
        },
    }
    with start_in_thread(seed=world) as sandbox:
        api = TikTokApi(sandbox, app_key="k", app_secret="s")
        tokens = sandbox.tiktokshop.issue_tokens("s1", "k")
        api.access_token = tokens["access_token"]
        listed = ok(api.get(SHOPS, shop=False))["shops"]
        assert [s["id"] for s in listed] == [s["shop_id"] for s in shops]
        for shop in listed:
            api.cipher = shop["cipher"]
            assert ok(api.get(WAREHOUSES))["warehouses"][0]["is_default"] is True
        api.close()


def test_revoking_stops_calls_and_refreshes(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    assert tiktokshop.revoke()["revoked"] is True
    dead = error_of(tts_api.get(WAREHOUSES))
    assert dead[1] == 36009004 and "cancelled" in dead[2]
    refused = error_of(_refresh(tiktokshop, tts_api.refresh_token))
    assert refused[1] == 105004 and "cancelled" in refused[2]
    assert tiktokshop.authorizations()[0]["active"] is False
    tts_api.authorize()  # the seller authorizes again: new tokens work
    assert ok(tts_api.get(WAREHOUSES))
