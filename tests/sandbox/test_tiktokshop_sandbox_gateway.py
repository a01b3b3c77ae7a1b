"""TikTok Shop signing (the sheet's golden vectors), the gateway's refusals in order, the rate
limit, faults, the envelope, stats and the call log."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from tiktokshop_helpers import (
    APP_KEY,
    APP_SECRET,
    OTHER_APP_KEY,
    OTHER_APP_SECRET,
    PLAIN_CIPHER,
    SLD_PRODUCT,
    SLD_SKU,
    TikTokApi,
    error_of,
    hmac_hex,
    ok,
    request_sign,
    webhook_signature,
)

from satustok_sandbox.server import RunningSandbox
from satustok_sandbox.tiktokshop.handle import TikTokShopControl
from satustok_sandbox.tiktokshop.signing import base_string, sign
from satustok_sandbox.tiktokshop.signing import webhook_signature as sandbox_webhook_signature

SHOPS = "/authorization/202309/shops"
SEARCH = "/product/202309/products/search"
WAREHOUSES = "/logistics/202309/warehouses"
PAGE = {"page_size": 1}
WEBHOOK_BODY = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)


def test_the_request_golden_vector() -> None:
    params = {"app_key": "29a39d", "timestamp": 1623812664}
    expected = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    assert request_sign("e59af819cc", SHOPS, params) == expected
    pairs = [("timestamp", "1623812664"), ("app_key", "29a39d"), ("sign", "x")]
    assert base_string("e59af819cc", SHOPS, pairs) == (
        b"e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"
    )
    assert sign("e59af819cc", SHOPS, [*pairs, ("access_token", "t")]) == expected


def test_the_webhook_golden_vector() -> None:
    expected = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"
    assert webhook_signature("abcdef", "123", WEBHOOK_BODY) == expected
    assert sandbox_webhook_signature("abcdef", "123", WEBHOOK_BODY) == expected


def test_the_body_is_signed_raw_unless_multipart() -> None:
    body = b'{"status":"ACTIVATE"}'
    pairs = [("app_key", "k"), ("timestamp", "1")]
    with_body = hmac_hex("s", b"s" + f"{SEARCH}app_keyktimestamp1".encode() + body + b"s")
    assert sign("s", SEARCH, pairs, body) == with_body
    multipart = sign("s", SEARCH, pairs, body, "multipart/form-data; boundary=x")
    assert multipart == sign("s", SEARCH, pairs)


def test_a_signed_call_answers_the_envelope(tts_api: TikTokApi) -> None:
    response = tts_api.get(SHOPS, shop=False)
    payload = response.json()
    assert response.status_code == 200 and set(payload) == {"code", "message", "request_id", "data"}
    assert payload["code"] == 0 and payload["message"] == "Success"
    assert len(payload["request_id"]) >= 30


def test_the_body_and_the_real_path_are_signed(tts_api: TikTokApi) -> None:
    body = {"status": "ACTIVATE"}
    assert tts_api.post(SEARCH, body, PAGE).status_code == 200
    prefixed = tts_api.post(SEARCH, body, PAGE, signed_path=f"/tiktokshop/open-api{SEARCH}")
    assert error_of(prefixed)[:2] == (401, 106001)
    # a body other than the signed one: sign computed over {} but {"status": …} sent
    now = int(time.time())
    query = {**PAGE, "app_key": APP_KEY, "timestamp": now, "shop_cipher": tts_api.cipher}
    honest = request_sign(APP_SECRET, SEARCH, query, json.dumps(body).encode())
    assert tts_api.post(SEARCH, body, PAGE, timestamp=now, sign=honest).status_code == 200
    stale = request_sign(APP_SECRET, SEARCH, query, b"{}")
    assert error_of(tts_api.post(SEARCH, body, PAGE, timestamp=now, sign=stale))[:2] == (
        401,
        106001,
    )


def test_a_wrong_secret_is_106001_with_http_401(tts_api: TikTokApi) -> None:
    status, code, message = error_of(tts_api.get(SHOPS, shop=False, secret="not-the-secret"))
    assert (status, code) == (401, 106001) and "signature" in message.lower()


def test_timestamps_outside_five_minutes_are_36009004(tts_api: TikTokApi) -> None:
    now = int(time.time())
    stale = error_of(tts_api.get(SHOPS, shop=False, timestamp=now - 301))
    assert stale[:2] == (200, 36009004) and "timestamp" in stale[2]
    future = error_of(tts_api.get(SHOPS, shop=False, timestamp=now + 301))
    assert future[:2] == (200, 36009004) and "future" in future[2]
    assert tts_api.get(SHOPS, shop=False, timestamp=now - 290).status_code == 200
    assert ok(tts_api.get(SHOPS, shop=False, timestamp=now + 290))


def test_an_unknown_or_missing_app_key_is_36009004(tiktokshop_sandbox: RunningSandbox) -> None:
    stranger = TikTokApi(tiktokshop_sandbox, app_key="nobody", app_secret="x")
    status, code, message = error_of(stranger.get(SHOPS, shop=False))
    assert (status, code) == (200, 36009004) and "app_key" in message
    bare = stranger.client.get(SHOPS, params={"timestamp": int(time.time()), "sign": "0"})
    assert error_of(bare)[1] == 36009004 and "app_key" in bare.json()["message"]
    stranger.close()


def test_missing_unknown_and_expired_tokens(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    missing = error_of(tts_api.get(SHOPS, shop=False, token=""))
    assert missing[:2] == (200, 36009004) and "access token" in missing[2]
    unknown = error_of(tts_api.get(SHOPS, shop=False, token="TTP_forged"))
    assert unknown[:2] == (200, 36009004) and "access token" in unknown[2]
    assert tiktokshop.expire_access_tokens()["expired"] == 1
    expired = error_of(tts_api.get(SHOPS, shop=False))
    assert expired[:2] == (200, 105002) and "expired" in expired[2].lower()


def test_tokens_expire_after_seven_days_on_the_sandbox_clock(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    tiktokshop.advance_clock(7 * 86_400 - 60)
    assert tts_api.get(SHOPS, shop=False).status_code == 200  # real-clock timestamp still passes
    tiktokshop.advance_clock(120)
    assert error_of(tts_api.get(SHOPS, shop=False))[1] == 105002
    tiktokshop.set_faults(strict_clock=True)
    assert "timestamp" in error_of(tts_api.get(SHOPS, shop=False))[2]


def test_another_apps_token_is_refused(
    tts_api: TikTokApi, tiktokshop_sandbox: RunningSandbox
) -> None:
    other = TikTokApi(tiktokshop_sandbox, OTHER_APP_KEY, OTHER_APP_SECRET)
    borrowed = error_of(other.get(SHOPS, shop=False, token=tts_api.access_token))
    assert borrowed[:2] == (200, 36009004) and "access token" in borrowed[2]
    other.close()


def test_shop_calls_need_a_shop_cipher_the_token_covers(tts_api: TikTokApi) -> None:
    status, code, message = error_of(tts_api.get(WAREHOUSES, shop=False))
    assert (status, code) == (200, 106013) and "shop_cipher" in message
    tts_api.cipher = PLAIN_CIPHER  # another seller's shop
    assert error_of(tts_api.get(WAREHOUSES))[:2] == (200, 105005)
    tts_api.cipher = "ROW_unknown"
    assert error_of(tts_api.get(WAREHOUSES))[1] == 105005
    # /authorization/* takes no shop_cipher at all
    assert ok(tts_api.get(SHOPS, shop=False))["shops"]


def test_a_scope_the_app_lacks_is_105005(tiktokshop_sandbox: RunningSandbox) -> None:
    reader = TikTokApi(tiktokshop_sandbox, OTHER_APP_KEY, OTHER_APP_SECRET).authorize()
    assert ok(reader.get(WAREHOUSES))["warehouses"]
    update = f"/product/202309/products/{SLD_PRODUCT}/inventory/update"
    body = {"skus": [{"id": SLD_SKU, "inventory": [{"quantity": 1}]}]}
    status, code, message = error_of(reader.post(update, body))
    assert (status, code) == (200, 105005) and "seller.product.write" in message
    reader.close()


def test_the_rate_limit_answers_429_with_retry_after(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    tiktokshop.set_rate_limit(rate=0.5, burst=2, app_key=APP_KEY)
    assert [tts_api.get(WAREHOUSES).status_code for _ in range(2)] == [200, 200]
    limited = tts_api.get(WAREHOUSES)
    assert error_of(limited)[:2] == (429, 36009002) and int(limited.headers["Retry-After"]) >= 1
    # the bucket is per app × shop: the seller-level call has its own
    assert tts_api.get(SHOPS, shop=False).status_code == 200
    assert tiktokshop.stats()["rate_limited"] == 1
    tiktokshop.clear_faults()
    assert tts_api.get(WAREHOUSES).status_code == 200


def test_server_faults_and_forced_codes(tts_api: TikTokApi, tiktokshop: TikTokShopControl) -> None:
    tiktokshop.set_faults(fail_next=1, error_status=503)
    assert error_of(tts_api.get(WAREHOUSES))[:2] == (503, 36009003)
    assert tts_api.get(WAREHOUSES).status_code == 200
    tiktokshop.set_faults(forced={"logistics/202309/warehouses": {"code": 105002, "count": 1}})
    assert error_of(tts_api.get(WAREHOUSES))[:2] == (200, 105002)
    assert tts_api.get(WAREHOUSES).status_code == 200
    tiktokshop.set_faults(rate_limit_next=1, only_apis=[SEARCH])
    assert tts_api.get(WAREHOUSES).status_code == 200
    limited = tts_api.post(SEARCH, {}, PAGE)
    assert error_of(limited)[:2] == (429, 36009002) and limited.headers["Retry-After"] == "1"


def test_a_hanging_call_times_the_client_out(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    tiktokshop.set_faults(timeout_next=1, timeout_seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        tts_api.client.timeout = httpx.Timeout(0.2)
        tts_api.get(WAREHOUSES)
    tts_api.client.timeout = httpx.Timeout(10)
    assert tts_api.get(WAREHOUSES).status_code == 200


def test_unknown_paths_and_wrong_methods_are_404_40006(tts_api: TikTokApi) -> None:
    assert error_of(tts_api.get("/product/202309/nothing"))[:2] == (404, 40006)
    wrong = error_of(tts_api.get(SEARCH, PAGE))
    assert wrong[:2] == (404, 40006) and "POST" in wrong[2]
    auth = httpx.get(f"{tts_api.control.auth_url}/api/v2/nothing", trust_env=False)
    assert auth.status_code == 404 and auth.json()["code"] == 40006


def test_stats_and_the_call_log(tts_api: TikTokApi, tiktokshop: TikTokShopControl) -> None:
    tts_api.get(WAREHOUSES)
    tts_api.get(WAREHOUSES, shop=False)
    row = tiktokshop.stats()["apis"]["logistics/202309/warehouses"]
    assert row["calls"] == 2 and row["statuses"] == {"200": 2} and row["errors"] == {"106013": 1}
    call = tiktokshop.calls()[-1]
    assert call["path"] == f"/tiktokshop/open-api{WAREHOUSES}" and call["code"] == 106013
    assert call["app_key"] == APP_KEY


def test_injected_latency_delays_every_call(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    tiktokshop.set_faults(latency_ms=300)
    started = time.monotonic()
    assert tts_api.get(WAREHOUSES).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert tiktokshop.faults()["latency_ms"] == 300


def test_the_handles_sign_is_accepted(tts_api: TikTokApi, tiktokshop: TikTokShopControl) -> None:
    params = {"app_key": APP_KEY, "timestamp": int(time.time()), "shop_cipher": tts_api.cipher}
    body = b'{"status":"ACTIVATE"}'
    params["sign"] = tiktokshop.sign(SEARCH, {**params, "page_size": 2}, body)
    answer = tts_api.client.post(
        SEARCH,
        params={**params, "page_size": 2},
        content=body,
        headers={"x-tts-access-token": tts_api.access_token, "content-type": "application/json"},
    )
    assert len(ok(answer)["products"]) == 2
