"""Tokopedia's error codes and HTTP statuses, mapped onto the channel error tree in ONE table.

:data:`RULES` is the whole policy. A failed response is looked up from the most specific key
to the least, and the first hit wins:

1. ``token:<status>`` / ``token:4xx`` — the token endpoint (accounts host) speaks OAuth, not
   the envelope: a 400 or 401 there means the client id / secret were refused.
2. the exact error code, e.g. ``RBAC_MDLW_001`` (a code beats its HTTP status: before Oct 2022
   "not associated" came back as a 500 with ``ORD_USC_015``, and must not be retried);
3. the exact HTTP status, for the statuses whose meaning does not depend on the code
   (401 refresh the token, 429 rate limited, 403, 404);
4. the code's layer, e.g. ``*_DLV_*`` (validation) or ``*_USC_*`` (business rule), so a 400
   carrying ``ORD_USC_001`` is "not eligible", not "malformed";
5. the status class, ``4xx`` or ``5xx``.

Nothing else in the client decides what an error means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from satustok.channels.http.errors import (
    STATUS_RULES,
    Action,
    ActionRejected,
    CredentialsRejected,
    NotAssociated,
    NotFound,
    RateLimited,
    Rule,
    ServerError,
    TokenExpired,
    ValidationError,
    explained,
    first_rule,
)

TOKEN_SCOPE = "token"

_RETRY = Action.RETRY
_FAIL = Action.FAIL

RULES: dict[str, Rule] = {
    # -- the token endpoint -------------------------------------------------------------------
    "token:400": Rule(CredentialsRejected, _FAIL, "client id or client secret refused"),
    "token:401": Rule(CredentialsRejected, _FAIL, "client id or client secret refused"),
    "token:403": Rule(CredentialsRejected, _FAIL, "the app is not allowed to obtain tokens"),
    "token:4xx": Rule(CredentialsRejected, _FAIL, "the token endpoint refused the credentials"),
    # -- exact codes --------------------------------------------------------------------------
    "RBAC_MDLW_001": Rule(
        NotAssociated,
        _FAIL,
        "this FS ID is not associated with the shop: the shop must be Official Store or Power "
        "Merchant, added under Shop Management and approved by its owner, and not linked to "
        "another system",
    ),
    "RBAC_MDLW_002": Rule(
        NotAssociated, _FAIL, "the shop owner has not given this app permission for the shop"
    ),
    "ORD_USC_015": Rule(NotAssociated, _FAIL, "FS ID not associated with the shop (pre-2022)"),
    "PRD_USC_001": Rule(NotAssociated, _FAIL, "FS ID not linked to the shop"),
    "SHP_USC_001": Rule(NotAssociated, _FAIL, "FS ID not linked to the shop"),
    "ORD_API_008": Rule(NotFound, _FAIL, "order not found"),
    "ORD_API_009": Rule(ValidationError, _FAIL, "result too big: narrow the time window"),
    "ORD_DLV_013": Rule(ValidationError, _FAIL, "date range too long (at most 3 days)"),
    "PRD_DLV_018": Rule(ValidationError, _FAIL, "too many items in one request"),
    "LGS_USC_006": Rule(
        ActionRejected, _FAIL, "confirm shipping failed (not shippable now, or an invalid AWB)"
    ),
    "LGS_USC_012": Rule(
        ActionRejected, _FAIL, "no permission to request pickup: ship with your own courier"
    ),
    "ORD_USC_001": Rule(ActionRejected, _FAIL, "the order is not eligible to be accepted"),
    "ORD_USC_008": Rule(ActionRejected, _FAIL, "the order is not eligible to be rejected"),
    "ORD_DLV_021": Rule(ValidationError, _FAIL, "the airway bill (AWB) number is empty"),
    # Sandbox-chosen codes for refusals the fact sheet does not name (docs/channels/tokopedia.md).
    "LGS_USC_011": Rule(ActionRejected, _FAIL, "the order is not eligible for a pickup request"),
    "LGS_USC_001": Rule(ActionRejected, _FAIL, "the order has no shipping label yet"),
    "ORD_USC_020": Rule(ActionRejected, _FAIL, "the order has no cancellation request to answer"),
    # Right after an accept: nothing was done, ask again in a few seconds.
    "LGS_API_006": Rule(ServerError, _RETRY, "pickup not ready yet (wait ~5 s after accepting)"),
    # -- code layers (sheet §2: DLV validation, USC business rule, MDLW middleware) -------------
    "*_DLV_*": Rule(ValidationError, _FAIL, "the request was refused as malformed"),
    "*_USC_*": Rule(ActionRejected, _FAIL, "refused by a business rule"),
    "*_MDLW_*": Rule(NotAssociated, _FAIL, "refused by the access middleware"),
    # -- HTTP statuses ------------------------------------------------------------------------
    "401": Rule(TokenExpired, Action.REFRESH_TOKEN, "access token refused"),
    **STATUS_RULES,  # 403, 404
    "408": Rule(ServerError, _RETRY, "the channel timed out"),
    "429": Rule(RateLimited, Action.RATE_LIMITED, "over the rate limit"),
    "4xx": Rule(ValidationError, _FAIL, "the request was refused as malformed"),
    "5xx": Rule(ServerError, _RETRY, "Tokopedia server error"),
}


@dataclass(frozen=True)
class ErrorDetails:
    """What an error body says, read leniently from any of Tokopedia's envelopes."""

    code: str | None = None
    message: str = ""


def lookup_keys(status: int, code: str | None, scope: str | None = None) -> list[str]:
    """Table keys for a failed response, most specific first."""
    scoped = [f"{scope}:{status}", f"{scope}:{status // 100}xx"] if scope else []
    parts = (code or "").split("_")
    layer = [f"*_{parts[1]}_*"] if len(parts) >= 3 else []
    exact = [code] if code else []
    return [*scoped, *exact, str(status), *layer, f"{status // 100}xx"]


def rule_for(status: int, code: str | None, scope: str | None = None) -> Rule:
    """The rule for a failed response (an unknown 1xx/3xx counts as a server error)."""
    return first_rule(RULES, lookup_keys(status, code, scope))


def error_details(body: bytes) -> ErrorDetails:
    """Code and message from an envelope header, a webhook ``error_message`` or OAuth error."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return ErrorDetails()
    if not isinstance(parsed, dict):
        return ErrorDetails()
    return _from_header(parsed) or _from_status_envelope(parsed) or _from_oauth(parsed)


def _from_header(body: dict[str, object]) -> ErrorDetails | None:
    header = body.get("header")
    if not isinstance(header, dict):
        return None
    code = header.get("error_code")
    # ``messages`` is one of three generic sentences; ``reason`` says what was wrong.
    message = header.get("reason") or header.get("messages") or ""
    return ErrorDetails(str(code) if code not in (None, "", 0) else None, str(message))


def _from_status_envelope(body: dict[str, object]) -> ErrorDetails | None:
    messages = body.get("error_message")
    if not isinstance(messages, list) or not messages:
        return None
    return ErrorDetails(None, "; ".join(str(message) for message in messages))


def _from_oauth(body: dict[str, object]) -> ErrorDetails:
    code = body.get("error")
    description = body.get("error_description") or body.get("message") or ""
    return ErrorDetails(str(code) if code else None, str(description))


def describe(rule: Rule, details: ErrorDetails) -> str:
    """The message of the raised error: the channel's own words, then what they mean."""
    return explained(details.message, rule.explanation)


# --- price refusals (a row of price/update refused in a 200 answer) ---------------------------

# (Plain strings: the client imports this module and must not load Django, as
# ``channels/pushing.py`` does; they are its PRICE_LIMIT and PROMOTION.)
# Lower-case words of a refused price row → what the refusal means (``channels/pushing.py``).
# The range message is PRD_DLV_042's wording for ``new_price`` (fact sheet §5: price
# 100–100,000,000, confirmed). The words of a row refused during a campaign (slash price or
# flash sale, whose webhooks are confirmed) are NOT documented: "campaign" is the sandbox's
# wording and a guess at Tokopedia's.
PRICE_REFUSAL_WORDS = {
    "[new_price]": "price_limit",
    "campaign": "promotion",
}
