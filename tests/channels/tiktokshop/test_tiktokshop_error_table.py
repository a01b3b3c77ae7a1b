"""The one table mapping TikTok Shop's codes (and, lacking one, HTTP statuses) onto the tree."""

from __future__ import annotations

import pytest

from satustok.channels.http.errors import (
    Action,
    AuthError,
    AuthorizationEnded,
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
from satustok.channels.tiktokshop.errors import (
    RULES,
    TOKEN_SCOPE,
    UNKNOWN_CODE,
    ClockSkew,
    ReauthorizationRequired,
    ScopeNotGranted,
    SignatureRejected,
    code_text,
    describe,
    lookup_keys,
    rule_for,
)

pytestmark = pytest.mark.dbless

TOKEN = TOKEN_SCOPE


@pytest.mark.parametrize(
    ("status", "code", "message", "scope", "error", "action"),
    [
        # the sheet's codes (§3)
        (200, "105002", "Expired credentials", None, TokenExpired, Action.REFRESH_TOKEN),
        (200, "105005", "Access denied", None, ScopeNotGranted, Action.FAIL),
        (401, "106001", "The signature is invalid", None, SignatureRejected, Action.FAIL),
        (200, "106013", "Missing shop_cipher", None, ValidationError, Action.FAIL),
        (429, "36009002", "Too many requests", None, RateLimited, Action.RATE_LIMITED),
        (200, "36009002", "Too many requests", None, RateLimited, Action.RATE_LIMITED),
        (200, "36009003", "Internal error", None, ServerError, Action.RETRY),
        (200, "36009004", "Invalid timestamp", None, ClockSkew, Action.FAIL),
        (200, "36009004", "invalid param error: app_key", None, CredentialsRejected, Action.FAIL),
        (200, "36009004", "invalid access_token", None, TokenExpired, Action.REFRESH_TOKEN),
        (200, "36009004", "invalid param error", None, ValidationError, Action.FAIL),
        (200, "36009033", "IP not allowed", None, FatalError, Action.FAIL),
        # the token endpoints: a refused grant means "the seller authorizes again"
        (200, "36004004", "refresh_token is invalid", TOKEN, ReauthorizationRequired, Action.FAIL),
        (200, "105002", "Expired credentials", TOKEN, ReauthorizationRequired, Action.FAIL),
        (200, "36009004", "invalid auth_code", TOKEN, ReauthorizationRequired, Action.FAIL),
        (200, "36009004", "invalid app_key", TOKEN, CredentialsRejected, Action.FAIL),
        (200, "12345", "app_secret is wrong", TOKEN, CredentialsRejected, Action.FAIL),
        (200, "12345", "whatever", TOKEN, ReauthorizationRequired, Action.FAIL),
        (429, "36009002", "", TOKEN, RateLimited, Action.RATE_LIMITED),  # still just throttled
        (200, "36009003", "", TOKEN, ServerError, Action.RETRY),
        # codes nobody mapped
        (200, "105999", "", None, TokenExpired, Action.REFRESH_TOKEN),
        (200, "36001234", "", None, AuthError, Action.FAIL),
        (200, "12019001", "", None, FatalError, Action.FAIL),
        (503, "12019001", "", None, ServerError, Action.RETRY),
        (429, "12019001", "", None, RateLimited, Action.RATE_LIMITED),
        # no code: the status decides
        (401, None, "", None, SignatureRejected, Action.FAIL),
        (403, None, "", None, NotAssociated, Action.FAIL),
        (404, None, "", None, NotFound, Action.FAIL),
        (408, None, "", None, ServerError, Action.RETRY),
        (429, None, "", None, RateLimited, Action.RATE_LIMITED),
        (400, None, "", None, ValidationError, Action.FAIL),
        (502, None, "", None, ServerError, Action.RETRY),
        (302, None, "", None, ServerError, Action.RETRY),  # odd: treated as a server failure
    ],
)
def test_each_failure_maps_to_its_class_and_action(
    status: int,
    code: str | None,
    message: str,
    scope: str | None,
    error: type[ChannelError],
    action: Action,
) -> None:
    rule = rule_for(status, code, message, scope)
    assert rule.error is error
    assert rule.action is action


def test_the_classes_sit_where_the_hub_acts_on_them() -> None:
    # The hub refreshes on TokenExpired, marks NEEDS_RECONNECT on AuthorizationEnded, and
    # shows "check the credentials" for CredentialsRejected.
    assert issubclass(ReauthorizationRequired, AuthorizationEnded)
    assert issubclass(SignatureRejected, CredentialsRejected)
    assert issubclass(ScopeNotGranted, NotAssociated)
    assert issubclass(ClockSkew, ValidationError)
    assert not issubclass(TokenExpired, AuthorizationEnded)


def test_retryable_rules_are_exactly_the_retry_actions() -> None:
    for key, rule in RULES.items():
        retryable = issubclass(rule.error, RetryableError)
        assert retryable == (rule.action in (Action.RETRY, Action.RATE_LIMITED)), key
        assert (rule.action is Action.REFRESH_TOKEN) == (rule.error is TokenExpired), key


def test_lookup_goes_from_the_most_specific_key() -> None:
    assert lookup_keys(200, "36009004", "Invalid timestamp") == [
        "36009004~timestamp",
        "36009004",
        "360*",
        UNKNOWN_CODE,
    ]
    assert lookup_keys(500, None) == ["500", "5xx"]
    scoped = lookup_keys(200, "105002", "", TOKEN)
    assert scoped.index("token:105*") < scoped.index("105002") < scoped.index("token:*")


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (0, None),
        ("0", None),
        (None, None),
        ("", None),
        (105002, "105002"),
        (" 36009002", "36009002"),
    ],
)
def test_codes_are_read_as_text_and_zero_is_success(raw: object, text: str | None) -> None:
    assert code_text(raw) == text


def test_an_unknown_code_is_named_in_the_message() -> None:
    rule = rule_for(200, "12019001", "Product is not found")
    assert describe(rule, "12019001", "Product is not found") == (
        "Product is not found (unknown TikTok Shop error '12019001')"
    )
    known = rule_for(200, "105002", "Expired credentials")
    assert describe(known, "105002", "Expired credentials") == (
        "Expired credentials (the access token expired: refresh it)"
    )
    assert describe(known, "105002", "") == "the access token expired: refresh it"
