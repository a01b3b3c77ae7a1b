"""Request signatures and webhook verification, on the fact sheet's golden vectors (§2, §7)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from satustok.channels.tiktokshop.signing import (
    base_string,
    canonical_params,
    sign_request,
    verify_webhook,
    webhook_signature,
)

pytestmark = pytest.mark.dbless

SECRET = "e59af819cc"
SHOPS_PATH = "/authorization/202309/shops"
SHOPS_PARAMS = {"app_key": "29a39d", "timestamp": 1623812664}
SHOPS_SIGN = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"

WEBHOOK_KEY, WEBHOOK_SECRET = "abcdef", "123"
WEBHOOK_BODY = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)
WEBHOOK_SIGN = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05"


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_the_request_golden_vector() -> None:
    base = base_string(SECRET, SHOPS_PATH, SHOPS_PARAMS)
    assert (
        base == b"e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"
    )
    assert sign_request(SECRET, SHOPS_PATH, SHOPS_PARAMS) == SHOPS_SIGN


def test_sign_and_access_token_are_left_out_and_keys_sorted() -> None:
    params = {
        "timestamp": 1623812664,
        "sign": "anything",
        "access_token": "tok",
        "app_key": "29a39d",
    }
    assert canonical_params(params) == "app_key29a39dtimestamp1623812664"
    assert sign_request(SECRET, SHOPS_PATH, params) == SHOPS_SIGN


def test_the_raw_body_is_appended_after_the_parameters() -> None:
    body = b'{"address":"https://example.com/hook","event_type":"ORDER_STATUS_CHANGE"}'
    params = {"app_key": "29a39d", "shop_cipher": "ROW_abc", "timestamp": 1623812664}
    path = "/event/202309/webhooks"
    expected_base = (
        SECRET.encode()
        + b"/event/202309/webhooksapp_key29a39dshop_cipherROW_abctimestamp1623812664"
        + body
        + SECRET.encode()
    )
    assert base_string(SECRET, path, params, body) == expected_base
    assert sign_request(SECRET, path, params, body) == _hmac(SECRET, expected_base)
    # One byte of whitespace more is another signature: the bytes sent are the bytes signed.
    spaced = body.replace(b",", b", ")
    assert sign_request(SECRET, path, params, spaced) != sign_request(SECRET, path, params, body)


def test_a_multipart_body_is_not_signed() -> None:
    with_body = sign_request(
        SECRET,
        "/product/202309/images/upload",
        SHOPS_PARAMS,
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
    )
    without = sign_request(SECRET, "/product/202309/images/upload", SHOPS_PARAMS)
    assert with_body == without


def test_array_values_are_comma_joined() -> None:
    params = {"ids": ["576461413038785752", "576461413038785753"], "app_key": "k", "timestamp": 1}
    assert canonical_params(params) == "app_keykids576461413038785752,576461413038785753timestamp1"
    joined = {**params, "ids": "576461413038785752,576461413038785753"}
    assert sign_request("s", "/order/202309/orders", params) == sign_request(
        "s", "/order/202309/orders", joined
    )


def test_a_signature_is_lowercase_hex_and_depends_on_every_part() -> None:
    reference = sign_request(SECRET, SHOPS_PATH, SHOPS_PARAMS)
    assert len(reference) == 64 and reference == reference.lower()
    assert sign_request("other", SHOPS_PATH, SHOPS_PARAMS) != reference
    assert sign_request(SECRET, "/authorization/202309/shop", SHOPS_PARAMS) != reference
    assert sign_request(SECRET, SHOPS_PATH, {**SHOPS_PARAMS, "timestamp": 1623812665}) != reference


def test_the_webhook_golden_vector() -> None:
    assert webhook_signature(WEBHOOK_KEY, WEBHOOK_SECRET, WEBHOOK_BODY) == WEBHOOK_SIGN
    assert verify_webhook(WEBHOOK_KEY, WEBHOOK_SECRET, WEBHOOK_BODY, WEBHOOK_SIGN)


@pytest.mark.parametrize(
    "header",
    [f"  {WEBHOOK_SIGN}\n", WEBHOOK_SIGN.upper()],
    ids=["surrounding whitespace", "upper-case hex"],
)
def test_the_webhook_header_tolerates_whitespace_and_case(header: str) -> None:
    assert verify_webhook(WEBHOOK_KEY, WEBHOOK_SECRET, WEBHOOK_BODY, header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        f"Bearer {WEBHOOK_SIGN}",  # TikTok Shop sends the bare digest
        WEBHOOK_SIGN[:-1],
        WEBHOOK_SIGN[:-1] + "é",  # not ASCII: refused, never raised
        "\u200b" + WEBHOOK_SIGN,
    ],
)
def test_a_wrong_webhook_header_is_refused(header: str | None) -> None:
    assert not verify_webhook(WEBHOOK_KEY, WEBHOOK_SECRET, WEBHOOK_BODY, header)


def test_the_webhook_signature_covers_the_app_key_and_every_byte() -> None:
    assert not verify_webhook("abcdeg", WEBHOOK_SECRET, WEBHOOK_BODY, WEBHOOK_SIGN)
    assert not verify_webhook(WEBHOOK_KEY, "124", WEBHOOK_BODY, WEBHOOK_SIGN)
    assert not verify_webhook(WEBHOOK_KEY, WEBHOOK_SECRET, WEBHOOK_BODY + b" ", WEBHOOK_SIGN)
    assert not verify_webhook(WEBHOOK_KEY, "", WEBHOOK_BODY, WEBHOOK_SIGN)
