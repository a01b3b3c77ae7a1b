"""Shopee's error strings and HTTP statuses, mapped onto the channel error tree in ONE table.

Shopee answers with a JSON envelope whatever went wrong; ``error`` is empty on success and
otherwise names the failure (``error_sign``, ``error_auth``…), sometimes prefixed with the
module (``product.error_param``, ``order.order_list_invalid_time``). The HTTP status of a
failure is not documented (fact sheet §3), so the string decides, and the status is read only
when there is no string at all (an HTML page from a proxy, an empty body).

:data:`RULES` is the whole policy. A failed response is looked up from the most specific key
to the least, and the first hit wins:

1. in a scope (``token:`` for the two token endpoints), the code with a hint, then the code:
   ``token:error_auth`` means the refresh token or code was refused — re-authorize — where
   the same string on a shop call means "refresh the access token";
2. the full code with a hint found in the message (``error_param~timestamp``), then the code;
3. the same without the module prefix (``product.error_param`` → ``error_param``);
4. ``*``: a code nobody has mapped — fatal, and the message names it;
5. with no code only: the HTTP status, then its class (``429``, ``4xx``, ``5xx``).

A *hint* is a word of Shopee's message: ``error_param`` covers a bad signature input, a wrong
model id and a stale timestamp alike, and only the message tells a clock problem apart.

Three Shopee situations get a class of their own below the shared tree, so a caller can act
on the class alone: :class:`ReauthorizationRequired` (the seller must authorize the shop
again), :class:`ShopBanned` (reads as a closed shop) and :class:`ClockSkew` (fix this
machine's clock; retrying or re-authorizing cannot help).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from satustok.channels.http.errors import (
    STATUS_RULES,
    Action,
    ActionRejected,
    CredentialsRejected,
    FatalError,
    NotAssociated,
    NotFound,
    RateLimited,
    Rule,
    ServerError,
    ShopClosed,
    TokenExpired,
    ValidationError,
    explained,
    first_rule,
    hints_of,
    with_hints,
)

TOKEN_SCOPE = "token"
UNKNOWN_CODE = "*"
# The daily quota (error_limit) resets at midnight in Shopee's home time zone.
QUOTA_TIMEZONE = timezone(timedelta(hours=8))


class ReauthorizationRequired(CredentialsRejected):
    """Shopee refused the refresh token or authorization code: the seller must authorize the
    shop again (the refresh token was used, is older than 30 days, or access was revoked)."""


class ShopBanned(ShopClosed):
    """Shopee reports the shop as banned: for the seller it is a closed shop."""


class ClockSkew(ValidationError):
    """Shopee refused the request's timestamp: this machine's clock is off by minutes."""


_FAIL = Action.FAIL
_RETRY = Action.RETRY
_REFRESH = Action.REFRESH_TOKEN
_THROTTLED = Action.RATE_LIMITED

_REAUTHORIZE = Rule(ReauthorizationRequired, _FAIL, "authorize the shop again")
_TOKEN_REFUSED = Rule(TokenExpired, _REFRESH, "access token refused: refresh it")
_NOT_LINKED = Rule(NotAssociated, _FAIL, "the shop is not linked to this app")
_BANNED = Rule(ShopBanned, _FAIL, "the shop is banned on Shopee")
_SERVER = Rule(ServerError, _RETRY, "Shopee server error")
_NOT_FOUND = Rule(NotFound, _FAIL, "not found")

RULES: dict[str, Rule] = {
    # -- the token endpoints: a refused credential there means "authorize again" -------------
    "token:error_auth": _REAUTHORIZE,
    "token:error_param~token": _REAUTHORIZE,  # the refresh token (or any token) sent
    "token:error_param~code": _REAUTHORIZE,
    "token:invalid_acceess_token": _REAUTHORIZE,
    "token:invalid_access_token": _REAUTHORIZE,
    "invalid_code": Rule(
        ReauthorizationRequired, _FAIL, "the code was used, expired or is wrong: authorize again"
    ),
    "invalid_refresh_token": _REAUTHORIZE,
    "error_shop_refresh_token": _REAUTHORIZE,
    "refresh_token_expired": Rule(
        ReauthorizationRequired, _FAIL, "the refresh token is older than 30 days"
    ),
    "shop_access_expired": Rule(
        ReauthorizationRequired, _FAIL, "the seller's authorization of this app expired"
    ),
    "invalid_shop_id": Rule(NotAssociated, _FAIL, "the shop id does not match the authorization"),
    # -- signing and parameters ---------------------------------------------------------------
    "error_sign": Rule(ValidationError, _FAIL, "wrong sign: check partner_id and partner_key"),
    "error_param~timestamp": Rule(
        ClockSkew, _FAIL, "the request's timestamp was refused: check this machine's clock"
    ),
    "error_param~access_token": _TOKEN_REFUSED,
    "error_param~refresh_token": _REAUTHORIZE,
    "error_param": Rule(ValidationError, _FAIL, "the request was refused as malformed"),
    "order_list_invalid_time": Rule(
        ValidationError, _FAIL, "time range refused (at most 15 days, from before to)"
    ),
    # -- access -------------------------------------------------------------------------------
    "error_auth~permission": Rule(
        NotAssociated, _FAIL, "the app has no permission for this API or shop"
    ),
    "error_auth": _TOKEN_REFUSED,
    "invalid_acceess_token": _TOKEN_REFUSED,  # sic: Shopee's own spelling
    "invalid_access_token": _TOKEN_REFUSED,
    "shop_no_linked": _NOT_LINKED,
    "error_item_not_belong_shop": Rule(NotFound, _FAIL, "the item is not in this shop"),
    "shop_banned": _BANNED,
    "source_ip_undeclared": Rule(
        FatalError, _FAIL, "this server's IP address is not declared in the Shopee app console"
    ),
    # -- throttling ---------------------------------------------------------------------------
    "error_rate_limit": Rule(RateLimited, _THROTTLED, "over Shopee's rate limit"),
    "error_limit": Rule(RateLimited, _THROTTLED, "daily quota used up; resets 00:00 UTC+8"),
    # -- Shopee failed ------------------------------------------------------------------------
    "error_server": _SERVER,
    "error_inner": _SERVER,
    "error_system_busy": Rule(ServerError, _RETRY, "Shopee is busy"),
    # -- not found ----------------------------------------------------------------------------
    "error_item_not_found": Rule(NotFound, _FAIL, "item not found"),
    "error_not_found": _NOT_FOUND,
    "error_data": _NOT_FOUND,
    # -- business rules -----------------------------------------------------------------------
    "error_busi_update_stock_failed": Rule(
        ActionRejected, _FAIL, "every model of the stock update was refused"
    ),
    "error_cannt_edit_price_in_promotion": Rule(
        ActionRejected, _FAIL, "the price cannot change during a promotion"
    ),
    "error_busi": Rule(ActionRejected, _FAIL, "refused by a business rule"),
    "package_already_shipped": Rule(ActionRejected, _FAIL, "the package was already shipped"),
    # -- anything else ------------------------------------------------------------------------
    UNKNOWN_CODE: Rule(FatalError, _FAIL, "unknown Shopee error"),
    # -- no error string: the HTTP status is all there is -------------------------------------
    "429": Rule(RateLimited, _THROTTLED, "over Shopee's rate limit"),
    **STATUS_RULES,  # 403, 404
    "408": Rule(ServerError, _RETRY, "Shopee timed out"),
    "4xx": Rule(ValidationError, _FAIL, "the request was refused"),
    "5xx": _SERVER,
}

# Codes whose RateLimited waits for the daily quota instead of backing off for seconds.
DAILY_QUOTA_CODES = frozenset({"error_limit"})

# {code (possibly scoped): [hint words]}, from the table's ``code~hint`` keys, in table order.
_HINTS = hints_of(RULES)


def bare_code(code: str) -> str:
    """``product.error_param`` → ``error_param``; a code without a module is unchanged."""
    return code.rsplit(".", 1)[-1]


def _with_hints(key: str, message: str) -> list[str]:
    return with_hints(key, message, _HINTS)


def lookup_keys(
    status: int, code: str | None, message: str = "", scope: str | None = None
) -> list[str]:
    """Table keys for a failed response, most specific first."""
    if not code:
        return [str(status), f"{status // 100}xx"]
    forms = list(dict.fromkeys([code, bare_code(code)]))  # the bare form only if it differs
    scoped = [k for form in forms for k in _with_hints(f"{scope}:{form}", message)] if scope else []
    plain = [k for form in forms for k in _with_hints(form, message)]
    return [*scoped, *plain, UNKNOWN_CODE]


def rule_for(status: int, code: str | None, message: str = "", scope: str | None = None) -> Rule:
    """The rule for a failed response (an odd status without a code counts as a server error)."""
    return first_rule(RULES, lookup_keys(status, code, message, scope))


def is_daily_quota(code: str | None) -> bool:
    return bool(code) and bare_code(code or "") in DAILY_QUOTA_CODES


def seconds_until_quota_reset(now: float) -> float:
    """Seconds from ``now`` (Unix time) to the next 00:00 UTC+8, when ``error_limit`` ends."""
    local = datetime.fromtimestamp(now, UTC).astimezone(QUOTA_TIMEZONE)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - local).total_seconds()


def describe(rule: Rule, code: str | None, message: str) -> str:
    """The raised error's message: Shopee's own words, then what they mean (naming an
    unknown code, since the code is all a reader has to go on)."""
    meaning = rule.explanation
    if rule is RULES[UNKNOWN_CODE]:
        meaning = f"{meaning} {code!r}"
    return explained(message, meaning)
