"""The one table mapping Shopee's error strings (and, lacking one, HTTP statuses) onto the tree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from satustok.channels.http.errors import (
    Action,
    ActionRejected,
    AuthError,
    ChannelError,
    CredentialsRejected,
    FatalError,
    NotAssociated,
    NotFound,
    RateLimited,
    RetryableError,
    ServerError,
    TokenExpired,
    ValidationError,
)
from satustok.channels.shopee.errors import (
    RULES,
    UNKNOWN_CODE,
    ClockSkew,
    ReauthorizationRequired,
    RequestShapeRefused,
    ShopBanned,
    bare_code,
    describe,
    is_daily_quota,
    lookup_keys,
    rule_for,
    seconds_until_quota_reset,
)

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(
    ("code", "message", "scope", "error", "action"),
    [
        ("error_sign", "Wrong sign.", None, CredentialsRejected, Action.FAIL),
        ("error_param", "Wrong model_id.", None, NotFound, Action.FAIL),
        ("product.error_param", "item_id_list is required", None, RequestShapeRefused, Action.FAIL),
        ("error_param", "Timestamp is expired.", None, ClockSkew, Action.FAIL),
        ("error_param", "Invalid timestamp", "token", ClockSkew, Action.FAIL),
        ("error_param", "Invalid access_token.", None, TokenExpired, Action.REFRESH_TOKEN),
        ("error_auth", "Invalid access_token.", None, TokenExpired, Action.REFRESH_TOKEN),
        ("invalid_acceess_token", "", None, TokenExpired, Action.REFRESH_TOKEN),
        ("invalid_access_token", "", None, TokenExpired, Action.REFRESH_TOKEN),
        ("error_auth", "No permission to current api", None, NotAssociated, Action.FAIL),
        # the token endpoints: a refused credential means authorize again, never "refresh"
        ("error_auth", "Invalid refresh_token.", "token", ReauthorizationRequired, Action.FAIL),
        ("error_param", "Invalid refresh_token", "token", ReauthorizationRequired, Action.FAIL),
        ("error_param", "Invalid code", "token", ReauthorizationRequired, Action.FAIL),
        ("invalid_acceess_token", "", "token", ReauthorizationRequired, Action.FAIL),
        ("invalid_code", "code is expired", "token", ReauthorizationRequired, Action.FAIL),
        ("invalid_refresh_token", "", "token", ReauthorizationRequired, Action.FAIL),
        ("error_shop_refresh_token", "", "token", ReauthorizationRequired, Action.FAIL),
        ("refresh_token_expired", "", "token", ReauthorizationRequired, Action.FAIL),
        ("shop_access_expired", "", "token", ReauthorizationRequired, Action.FAIL),
        ("shop_no_linked", "", None, NotAssociated, Action.FAIL),
        ("shop_no_linked", "", "token", NotAssociated, Action.FAIL),
        ("shop_banned", "", None, ShopBanned, Action.FAIL),
        ("error_rate_limit", "", None, RateLimited, Action.RATE_LIMITED),
        ("error_limit", "", None, RateLimited, Action.RATE_LIMITED),
        ("error_server", "", None, ServerError, Action.RETRY),
        ("error_inner", "", None, ServerError, Action.RETRY),
        ("error_system_busy", "", None, ServerError, Action.RETRY),
        ("error_item_not_found", "", None, NotFound, Action.FAIL),
        ("product.error_item_not_found", "", None, NotFound, Action.FAIL),
        ("error_not_found", "", None, NotFound, Action.FAIL),
        ("error_data", "data not exist", None, NotFound, Action.FAIL),
        ("error_busi_update_stock_failed", "", None, ActionRejected, Action.FAIL),
        ("order.order_list_invalid_time", "", None, RequestShapeRefused, Action.FAIL),
        ("logistics.package_already_shipped", "", None, ActionRejected, Action.FAIL),
        ("error_something_new", "", None, FatalError, Action.FAIL),
        ("order.error_something_new", "", None, FatalError, Action.FAIL),
    ],
)
def test_each_error_string_maps_to_one_error_and_action(
    code: str, message: str, scope: str | None, error: type[ChannelError], action: Action
) -> None:
    rule = rule_for(200, code, message, scope)
    assert (rule.error, rule.action) == (error, action)


@pytest.mark.parametrize("key", sorted(k for k in RULES if ":" not in k and k[0].isalpha()))
def test_nothing_on_the_token_endpoints_asks_for_a_token_refresh(key: str) -> None:
    code, _, hint = key.partition("~")
    for message in (hint, f"Invalid access_token {hint}", f"Invalid refresh_token {hint}"):
        assert rule_for(200, code, message, "token").action is not Action.REFRESH_TOKEN, key


def test_the_string_decides_whatever_the_status() -> None:
    assert rule_for(500, "error_param", "Wrong model_id.").error is NotFound
    assert rule_for(403, "error_rate_limit").error is RateLimited
    assert rule_for(429, "error_auth", "Invalid access_token.").error is TokenExpired


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, RateLimited),
        (502, ServerError),
        (503, ServerError),
        (408, ServerError),
        (403, NotAssociated),
        (404, NotFound),
        (400, ValidationError),
        (302, ServerError),  # an odd status without a code
    ],
)
def test_without_a_string_the_status_decides(status: int, error: type[ChannelError]) -> None:
    assert rule_for(status, None).error is error
    assert rule_for(status, "").error is error


def test_lookup_goes_from_the_most_specific_key_to_the_least() -> None:
    assert lookup_keys(200, "product.error_param", "Timestamp is expired.", "token") == [
        "token:product.error_param",
        "token:error_param",
        "product.error_param",
        "error_param~timestamp",
        "error_param",
        UNKNOWN_CODE,
    ]
    assert lookup_keys(502, None) == ["502", "5xx"]


def test_an_unknown_code_is_named_in_the_message() -> None:
    rule = rule_for(200, "error_brand_new")
    assert "'error_brand_new'" in describe(rule, "error_brand_new", "Something odd.")
    assert describe(rule, "error_brand_new", "").endswith("'error_brand_new'")


def test_the_message_keeps_shopees_words_and_adds_their_meaning() -> None:
    rule = rule_for(200, "error_sign")
    assert describe(rule, "error_sign", "Wrong sign.") == (
        "Wrong sign. (the partner id, partner key or sign was refused: reconnect)"
    )


@pytest.mark.parametrize("key", sorted(RULES))
def test_the_table_is_consistent_with_the_tree(key: str) -> None:
    rule = RULES[key]
    retryable = issubclass(rule.error, RetryableError)
    assert retryable == (rule.action in (Action.RETRY, Action.RATE_LIMITED)), key
    assert (rule.action is Action.REFRESH_TOKEN) == (rule.error is TokenExpired), key
    assert rule.explanation, key


def test_the_dedicated_branches_sit_where_callers_look_for_them() -> None:
    assert issubclass(ReauthorizationRequired, CredentialsRejected)
    assert issubclass(ReauthorizationRequired, AuthError)
    assert issubclass(ShopBanned, FatalError)
    assert issubclass(ClockSkew, ValidationError)


def test_module_prefixes_are_stripped_once() -> None:
    assert bare_code("product.error_param") == "error_param"
    assert bare_code("error_param") == "error_param"
    assert is_daily_quota("error_limit") and is_daily_quota("product.error_limit")
    assert not is_daily_quota("error_rate_limit") and not is_daily_quota(None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2024, 5, 1, 15, 59, 0, tzinfo=UTC), 60.0),  # 23:59 in UTC+8
        (datetime(2024, 5, 1, 16, 0, 0, tzinfo=UTC), 86400.0),  # midnight exactly: the next one
        (datetime(2024, 5, 1, 4, 0, 0, tzinfo=UTC), 12 * 3600.0),  # noon in UTC+8
    ],
)
def test_the_daily_quota_resets_at_midnight_utc_plus_8(now: datetime, expected: float) -> None:
    assert seconds_until_quota_reset(now.timestamp()) == pytest.approx(expected)
