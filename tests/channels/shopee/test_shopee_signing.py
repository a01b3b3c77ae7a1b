"""Request signatures and push verification, on the fact sheet's test vectors (§2, §7)."""

from __future__ import annotations

import pytest

from satustok.channels.shopee.signing import (
    public_base_string,
    push_signature,
    shop_base_string,
    sign,
    sign_public,
    sign_shop,
    verify_push,
)

pytestmark = pytest.mark.dbless

KEY = "test_partner_key"
PATH = "/api/v2/product/get_item_list"
TOKEN = "c09222e3fc40ffb25fc947f738b1abf1"
REQUEST_SIGN = "6e378090c34641f62ea2fa3336ae8e869edc6ef25dc4707e7a04cb8f14a21be7"

PUSH_URL = "https://example.com/shopee/push"
PUSH_BODY = (
    b'{"data":{"items":[],"ordersn":"2112132KAD867D","status":"READY_TO_SHIP",'
    b'"update_time":1639390316},"shop_id":30011,"code":3,"timestamp":1639390316}'
)
PUSH_SIGN = "6da1a50fa1138b5885c975dcdfff65b88257a3c3ee6ca16313fd345d69b8ee3d"


def test_the_shop_base_string_is_a_plain_concatenation() -> None:
    base = shop_base_string(2001887, PATH, 1700000000, TOKEN, 600000)
    assert base == f"2001887{PATH}1700000000{TOKEN}600000"


def test_the_public_base_string_has_no_token_or_shop() -> None:
    assert public_base_string(2001887, "/api/v2/auth/token/get", 1700000000) == (
        "2001887/api/v2/auth/token/get1700000000"
    )


def test_the_request_vector() -> None:
    base = "2001887/api/v2/product/get_item_list1700000000c09222e3fc40ffb25fc947f738b1abf1600000"
    assert sign(KEY, base) == REQUEST_SIGN
    assert sign_shop(KEY, 2001887, PATH, 1700000000, TOKEN, 600000) == REQUEST_SIGN


def test_a_signature_is_lowercase_hex_and_depends_on_every_part() -> None:
    reference = sign_public(KEY, 2001887, PATH, 1700000000)
    assert len(reference) == 64 and reference == reference.lower()
    others = {
        sign_public("other_key", 2001887, PATH, 1700000000),
        sign_public(KEY, 2001888, PATH, 1700000000),
        sign_public(KEY, 2001887, "/api/v2/product/get_model_list", 1700000000),
        sign_public(KEY, 2001887, PATH, 1700000001),
    }
    assert reference not in others and len(others) == 4


def test_the_push_vector() -> None:
    assert push_signature(KEY, PUSH_URL, PUSH_BODY) == PUSH_SIGN
    assert verify_push(KEY, PUSH_URL, PUSH_BODY, PUSH_SIGN)
    assert verify_push(KEY, PUSH_URL, PUSH_BODY, f"  {PUSH_SIGN.upper()} ")


@pytest.mark.parametrize(
    ("key", "url", "body", "header"),
    [
        ("wrong_key", PUSH_URL, PUSH_BODY, PUSH_SIGN),
        (KEY, PUSH_URL + "/", PUSH_BODY, PUSH_SIGN),  # the URL must be exactly the registered one
        (KEY, PUSH_URL, PUSH_BODY.replace(b"30011", b"30012"), PUSH_SIGN),
        (KEY, PUSH_URL, PUSH_BODY, PUSH_SIGN[:-1]),
        (KEY, PUSH_URL, PUSH_BODY, ""),
        (KEY, PUSH_URL, PUSH_BODY, None),
        (KEY, PUSH_URL, PUSH_BODY, "é" * 64),  # non-ASCII from an attacker: no crash
        ("", PUSH_URL, PUSH_BODY, PUSH_SIGN),
    ],
)
def test_a_push_that_does_not_match_is_refused(
    key: str, url: str, body: bytes, header: str | None
) -> None:
    assert not verify_push(key, url, body, header)
