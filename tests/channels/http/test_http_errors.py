"""The error tree's shape, and excerpts that never carry a secret."""

from __future__ import annotations

import pytest

from satustok.channels.http import errors
from satustok.channels.http.errors import (
    BODY_EXCERPT_LIMIT,
    REDACTED,
    ChannelError,
    FatalError,
    RetryableError,
    excerpt,
    redact,
)

pytestmark = pytest.mark.dbless

RETRYABLE = ["RateLimited", "ServerError", "TransportError", "Timeout"]
FATAL = [
    "AuthError",
    "CredentialsRejected",
    "TokenExpired",
    "NotAssociated",
    "ValidationError",
    "ActionRejected",
    "NotFound",
    "MalformedPayload",
    "PaginationLoop",
]


@pytest.mark.parametrize("name", RETRYABLE)
def test_retryable_errors_sit_under_retryable(name: str) -> None:
    error_type = getattr(errors, name)
    assert issubclass(error_type, RetryableError) and not issubclass(error_type, FatalError)


@pytest.mark.parametrize("name", FATAL)
def test_fatal_errors_sit_under_fatal(name: str) -> None:
    error_type = getattr(errors, name)
    assert issubclass(error_type, FatalError) and not issubclass(error_type, RetryableError)


def test_the_tree_drawn_in_the_docstring_names_every_error() -> None:
    for name in ["ChannelError", "RetryableError", "FatalError", *RETRYABLE, *FATAL]:
        assert name in (errors.__doc__ or "")


def test_only_5xx_and_transport_failures_are_ambiguous_by_default() -> None:
    assert errors.ServerError("x").ambiguous
    assert errors.Timeout("x").ambiguous
    assert not errors.RateLimited("x").ambiguous
    assert not errors.Timeout("connect", ambiguous=False).ambiguous


def test_an_error_carries_its_details_and_shows_them() -> None:
    error = errors.NotAssociated(
        "not linked",
        status=403,
        error_code="RBAC_MDLW_001",
        endpoint="shop_info",
        body_excerpt="x" * 500,
        request_id="r-1",
    )
    assert len(error.body_excerpt) == BODY_EXCERPT_LIMIT
    assert str(error) == "not linked (HTTP 403, RBAC_MDLW_001, shop_info, request id r-1)"
    assert "RBAC_MDLW_001" in repr(error)
    assert isinstance(error, ChannelError)


def test_secrets_and_credential_fields_are_redacted() -> None:
    body = (
        '{"access_token":"tok-123456","client_secret":"abc","note":"s3cr3t-value inside"}'
        " Authorization: Bearer zzz.yyy"
    )
    redacted = redact(body, ["s3cr3t-value"])
    assert "tok-123456" not in redacted
    assert '"client_secret":"' + REDACTED in redacted
    assert "s3cr3t-value" not in redacted
    assert "zzz.yyy" not in redacted


def test_a_secret_is_redacted_before_the_excerpt_is_cut() -> None:
    secret = "SECRET-" + "k" * 40
    body = "a" * (BODY_EXCERPT_LIMIT - 10) + secret
    cut = excerpt(body, [secret])
    assert len(cut) <= BODY_EXCERPT_LIMIT
    assert "SECRET-" not in cut and "kkkk" not in cut


def test_short_strings_are_not_treated_as_secrets() -> None:
    assert redact("status 1 of 12", ["1"]) == "status 1 of 12"


def test_excerpt_flattens_whitespace_and_decodes_bytes() -> None:
    assert excerpt(b'{\n  "a": 1\n}') == '{ "a": 1 }'
