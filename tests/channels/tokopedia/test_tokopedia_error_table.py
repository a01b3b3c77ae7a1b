"""The one table mapping Tokopedia's statuses and codes onto the error tree."""

from __future__ import annotations

import pytest

from satustok.channels.http.errors import (
    Action,
    ActionRejected,
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
from satustok.channels.tokopedia.errors import RULES, error_details, lookup_keys, rule_for

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(
    ("status", "code", "scope", "error", "action"),
    [
        (403, "RBAC_MDLW_001", None, NotAssociated, Action.FAIL),
        (403, "RBAC_MDLW_002", None, NotAssociated, Action.FAIL),
        (500, "ORD_USC_015", None, NotAssociated, Action.FAIL),  # "not associated" before 2022
        (500, "ORD_API_008", None, NotFound, Action.FAIL),
        (400, "ORD_USC_001", None, ActionRejected, Action.FAIL),  # not eligible to accept
        (400, "PRD_DLV_005", None, ValidationError, Action.FAIL),
        (401, "UNAUTHORIZED", None, TokenExpired, Action.REFRESH_TOKEN),
        (401, "AUTH_MDLW_009", None, TokenExpired, Action.REFRESH_TOKEN),  # status beats layer
        (429, "ERR_TOO_MANY_REQUEST", None, RateLimited, Action.RATE_LIMITED),
        (503, "PRD_API_006", None, ServerError, Action.RETRY),
        (502, None, None, ServerError, Action.RETRY),
        (418, None, None, ValidationError, Action.FAIL),
        (403, None, None, NotAssociated, Action.FAIL),
        (401, "invalid_client", "token", CredentialsRejected, Action.FAIL),
        (400, "unsupported_grant_type", "token", CredentialsRejected, Action.FAIL),
        (500, "server_error", "token", ServerError, Action.RETRY),
    ],
)
def test_each_answer_maps_to_one_error_and_action(
    status: int, code: str | None, scope: str | None, error: type[ChannelError], action: Action
) -> None:
    rule = rule_for(status, code, scope)
    assert (rule.error, rule.action) == (error, action)


def test_lookup_goes_from_the_most_specific_key_to_the_least() -> None:
    assert lookup_keys(400, "ORD_USC_001") == ["ORD_USC_001", "400", "*_USC_*", "4xx"]
    assert lookup_keys(401, "invalid_client", "token")[:2] == ["token:401", "token:4xx"]


@pytest.mark.parametrize("key", sorted(RULES))
def test_the_table_is_consistent_with_the_tree(key: str) -> None:
    rule = RULES[key]
    retrying = rule.action in (Action.RETRY, Action.RATE_LIMITED)
    assert issubclass(rule.error, RetryableError if retrying else FatalError)
    assert rule.explanation


def test_error_details_are_read_from_every_envelope() -> None:
    header = b'{"header":{"messages":"generic","reason":"specific","error_code":"X_DLV_1"}}'
    assert error_details(header).code == "X_DLV_1"
    assert error_details(header).message == "specific"
    webhook = b'{"data":null,"status":"400 Bad Request","error_message":["bad url"]}'
    assert error_details(webhook).message == "bad url"
    oauth = b'{"error":"invalid_client","error_description":"Client authentication failed"}'
    assert error_details(oauth).code == "invalid_client"
    assert error_details(b"<html>oops</html>").code is None
    assert error_details(b'{"header":{"error_code":0}}').code is None  # shop-info's success
