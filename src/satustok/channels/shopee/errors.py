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


class RequestShapeRefused(ValidationError):
    """Shopee could not read what the hub sent (``error_data`` "parse data failed",
    ``error_param`` without a more specific hint, ``invalid_request``…): a bug in the hub,
    not in the listing. Logged as an error; a listing refused this way is retried later,
    never marked permanently failed, since the next version of the hub may send it right."""


_REAUTHORIZE = Rule(ReauthorizationRequired, _FAIL, "authorize the shop again")
_TOKEN_REFUSED = Rule(TokenExpired, _REFRESH, "access token refused: refresh it")
# Wrong partner id, partner key or sign: a new access token cannot help, and asking for one
# would spend the single-use refresh token. The seller checks the app's keys and reconnects.
_CREDENTIALS = Rule(
    CredentialsRejected, _FAIL, "the partner id, partner key or sign was refused: reconnect"
)
_NOT_LINKED = Rule(NotAssociated, _FAIL, "the shop is not linked to this app")
_BANNED = Rule(ShopBanned, _FAIL, "the shop is banned on Shopee")
_SHOP_CLOSED = Rule(ShopClosed, _FAIL, "the shop is closed or on holiday on Shopee")
_SERVER = Rule(ServerError, _RETRY, "Shopee server error")
_TRY_LATER = Rule(ServerError, _RETRY, "Shopee asks to try again later")
_THROTTLE = Rule(RateLimited, _THROTTLED, "over Shopee's rate limit")
_NOT_FOUND = Rule(NotFound, _FAIL, "not found")
_MODEL_GONE = Rule(NotFound, _FAIL, "the model is not the item's any more")
# Explanations of non-NotFound rules avoid the adapter's "permanent" words (deleted, banned,
# not found…): a listing is blocked only by what Shopee said, not by our paraphrase.
_SHAPE = Rule(RequestShapeRefused, _FAIL, "Shopee could not read the hub's request")
_PROMOTION = Rule(ActionRejected, _FAIL, "locked while the item is in a promotion")
_ORDER_STATE = Rule(ActionRejected, _FAIL, "the order's status does not allow this")

RULES: dict[str, Rule] = {
    # -- the token endpoints: a refused credential there means "authorize again" -------------
    "token:error_auth": _REAUTHORIZE,
    "token:error_param~token": _REAUTHORIZE,  # the refresh token (or any token) sent
    "token:error_param~code": _REAUTHORIZE,
    "token:invalid_acceess_token": _REAUTHORIZE,
    "token:invalid_access_token": _REAUTHORIZE,
    "token:error_invalid_access_token": _REAUTHORIZE,
    "token:error_access_token_expired": _REAUTHORIZE,
    "invalid_code": Rule(
        ReauthorizationRequired, _FAIL, "the code was used, expired or is wrong: authorize again"
    ),
    "invalid_refresh_token": _REAUTHORIZE,
    "error_shop_refresh_token": _REAUTHORIZE,
    "error_user_refresh_token": _REAUTHORIZE,
    "refresh_token_expired": Rule(
        ReauthorizationRequired, _FAIL, "the refresh token is older than 30 days"
    ),
    "shop_access_expired": Rule(
        ReauthorizationRequired, _FAIL, "the seller's authorization of this app expired"
    ),
    "invalid_shop_id": Rule(NotAssociated, _FAIL, "the shop id does not match the authorization"),
    # -- signing and credentials: reconnect, never refresh ----------------------------------
    "error_sign": _CREDENTIALS,
    "error_param~timestamp": Rule(
        ClockSkew, _FAIL, "the request's timestamp was refused: check this machine's clock"
    ),
    "error_param~access_token": _TOKEN_REFUSED,
    "error_param~refresh_token": _REAUTHORIZE,
    "error_param~invalid partner_id.": _CREDENTIALS,  # the message exactly, not a type error
    "error_param~partner_id is not found": _CREDENTIALS,
    "error_param~shop id": _NOT_LINKED,  # "The shop id you provided is not found."
    # -- error_auth: one code for a dead token, wrong keys, no permission and business rules:
    #    only the message tells them apart, and only a dead token is worth a refresh --------
    "error_auth~permission": Rule(
        NotAssociated, _FAIL, "the app has no permission for this API or shop"
    ),
    "error_auth~partner_id": _CREDENTIALS,  # "Invalid partner_id or shopid."
    "error_auth~partnerid": _CREDENTIALS,  # "You have no valid partnerid."
    "error_auth~sign": _CREDENTIALS,  # "Invalid sign"
    "error_auth~access_token": _TOKEN_REFUSED,  # "Invalid access_token."
    "error_auth~not authorized": _NOT_LINKED,  # "You are not authorized"
    "error_auth~holiday": _SHOP_CLOSED,  # "Please wait for the holiday mode set then…"
    "error_auth~reserved stock": Rule(
        ActionRejected, _FAIL, "the stock would be below what promotions reserve"
    ),
    "error_auth~location_id": Rule(
        ActionRejected, _FAIL, "the shop's stock locations do not match what was sent"
    ),
    "error_auth~upgrad": Rule(ActionRejected, _FAIL, "the shop is being upgraded on Shopee"),
    "error_auth": Rule(NotAssociated, _FAIL, "Shopee refused the hub's access to this shop"),
    "invalid_acceess_token": _TOKEN_REFUSED,  # sic: Shopee's own spelling
    "invalid_access_token": _TOKEN_REFUSED,
    "error_invalid_access_token": _TOKEN_REFUSED,
    "error_access_token_expired": _TOKEN_REFUSED,
    # -- the shop: not linked, closed, banned -----------------------------------------------
    "shop_no_linked": _NOT_LINKED,
    "error_permission": _NOT_LINKED,  # "Please link shop and partner on seller center."
    "error_auth_shop_not_found": _NOT_LINKED,
    "error_shop_not_found": _NOT_LINKED,
    "error_param_shop_id_not_found": _NOT_LINKED,
    "shopid_invalid": _NOT_LINKED,
    "error_shop~shopid": _NOT_LINKED,  # "shopid is invalid"
    "shop_banned": _BANNED,
    "error_busi_invalid_shop_status": _SHOP_CLOSED,
    "error_busi_invalid_account_status": _SHOP_CLOSED,
    "error_holiday_mode_change_stock": _SHOP_CLOSED,
    "error_busi~frozen": _SHOP_CLOSED,
    "error_item_not_belong_shop": Rule(NotFound, _FAIL, "the item is not in this shop"),
    "source_ip_undeclared": Rule(
        FatalError, _FAIL, "this server's IP address is not declared in the Shopee app console"
    ),
    # -- throttling ---------------------------------------------------------------------------
    "error_rate_limit": _THROTTLE,
    "error_limit": Rule(RateLimited, _THROTTLED, "daily quota used up; resets 00:00 UTC+8"),
    "error_server~too many requests": _THROTTLE,
    # -- Shopee failed: the same request may succeed later -----------------------------------
    "error_server": _SERVER,
    "error_inner": _SERVER,
    "error_system_busy": Rule(ServerError, _RETRY, "Shopee is busy"),
    "error_network": Rule(ServerError, _RETRY, "a call inside Shopee failed"),
    "error_get_shop_fail": _TRY_LATER,
    "error_database": _TRY_LATER,
    "error_config": _TRY_LATER,
    "error_order": _TRY_LATER,
    "error_shop": _TRY_LATER,  # "System error, please try again later."
    "error_unknown": _SERVER,  # "Core server error."
    "get_item_error_server": _TRY_LATER,
    "internal_error": _SERVER,
    "internal_error_server": _SERVER,
    "server_internal_error": _SERVER,
    "error_busi_update_sock_failed": _TRY_LATER,  # sic
    "error_busi_update_price_failed": _TRY_LATER,
    "error_update_price_fail": _TRY_LATER,
    "error_data~try later": _TRY_LATER,  # "Something wrong. Please try later."
    "error_data~inner error": _TRY_LATER,
    "error_data~failed. please": _TRY_LATER,  # "Query order info failed. Please try later."
    "error_not_found~try again": _TRY_LATER,
    # -- the item or model is gone: no retry helps, the listing needs the seller -------------
    "error_item_not_found": Rule(NotFound, _FAIL, "item not found"),
    "error_item_or_variation_not_found": _NOT_FOUND,
    "item_not_exist": _NOT_FOUND,  # product.item_not_exist
    "error_data~not exist": _NOT_FOUND,  # "data not exist"
    "error_not_found": _NOT_FOUND,
    "order_not_found": _NOT_FOUND,
    "error_wrong_modelid": _MODEL_GONE,
    "error_model_invalid_model_id": _MODEL_GONE,
    "error_item_model_not_match": _MODEL_GONE,
    "error_param~wrong model_id": _MODEL_GONE,
    "error_param~model_id and item_id not match": _MODEL_GONE,
    "error_edit_item_stock_for_item_has_model": Rule(
        NotFound, _FAIL, "the item has models now: import the shop again"
    ),
    # -- business rules: well formed, refused for now ----------------------------------------
    "error_busi_update_stock_failed": Rule(
        ActionRejected, _FAIL, "every model of the stock update was refused"
    ),
    "error_param~reserved stock": Rule(
        ActionRejected, _FAIL, "the stock would be below what promotions reserve"
    ),
    "error_cannt_edit_price_in_promotion": Rule(
        ActionRejected, _FAIL, "the price cannot change during a promotion"
    ),
    "error_cannot_update_price_in_promotion": _PROMOTION,
    "error_cannt_edit_stock_in_promotion": _PROMOTION,
    "error_promotion_cantnot_update_stock": _PROMOTION,
    "error_model_update_stock_model_in_promotion": _PROMOTION,
    "error_stock_bigger_then_limit": Rule(
        ActionRejected, _FAIL, "the stock is above Shopee's limit"
    ),
    "error_stock_less_then_min_limit": Rule(
        ActionRejected, _FAIL, "the stock is below Shopee's limit"
    ),
    "error_item_uneditable": Rule(ActionRejected, _FAIL, "the item's status does not allow edits"),
    "error_busi_item_status_invalid": Rule(
        ActionRejected, _FAIL, "the item's status does not allow edits"
    ),
    "error_auth_model_is_pff": Rule(ActionRejected, _FAIL, "Shopee keeps this item's stock"),
    "error_auth_product_is_pff": Rule(ActionRejected, _FAIL, "Shopee keeps this item's stock"),
    "error_wms_shop_block_upate_stock": Rule(
        ActionRejected, _FAIL, "Shopee keeps this shop's stock"
    ),
    "error_busi": Rule(ActionRejected, _FAIL, "refused by a business rule"),
    "package_already_shipped": Rule(ActionRejected, _FAIL, "the package was already shipped"),
    # -- logistics: the seller's choice refused (ship_order says which in its message) -------
    "error_param~time slot": Rule(
        ActionRejected, _FAIL, "the pickup slot is not offered any more: choose another"
    ),
    "error_param~tracking_number": Rule(ActionRejected, _FAIL, "the tracking number was refused"),
    "error_param~shipping method": Rule(
        ActionRejected, _FAIL, "this shipping method is not offered for the order"
    ),
    "cancel_order_invalid_status": _ORDER_STATE,
    "order_status_invalid": _ORDER_STATE,
    "error_status": _ORDER_STATE,
    # -- the request's shape: the hub's own bug (logged loudly, never blamed on a listing) ---
    "error_param": _SHAPE,
    "error_data": _SHAPE,  # "parse data failed", "lack of param", "error data"
    "invalid_param": _SHAPE,
    "invalid_request": _SHAPE,  # "Parse the request failed"
    "error_param_format": _SHAPE,
    "error_duplicate_modelid": _SHAPE,
    "error_invalid_item_list": _SHAPE,
    "error_param_name_item": _SHAPE,
    "error_param_item_status": _SHAPE,
    "error_query_limit_max": _SHAPE,
    "error_query_over_itemid_size": _SHAPE,
    "error_update_time_range": _SHAPE,
    "exceed_max_limit": _SHAPE,  # more than 50 orders asked at once
    "time_invalid": _SHAPE,
    "time_period_too_large": _SHAPE,
    "order_list_invalid_time": Rule(
        RequestShapeRefused, _FAIL, "time range refused (at most 15 days, from before to)"
    ),
    # -- anything else ------------------------------------------------------------------------
    f"{UNKNOWN_CODE}~try later": _TRY_LATER,  # "… failed. please try later."
    f"{UNKNOWN_CODE}~try again later": _TRY_LATER,
    UNKNOWN_CODE: Rule(FatalError, _FAIL, "unknown Shopee error"),
    # -- no error string: the HTTP status is all there is -------------------------------------
    "429": _THROTTLE,
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
    """``product.error_param`` → ``error_param`` (also ``order. error_permission``, with
    Shopee's stray space); a code without a module is unchanged."""
    return code.rsplit(".", 1)[-1].strip()


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
    return [*scoped, *plain, *_with_hints(UNKNOWN_CODE, message)]


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


# --- price refusals (``failure_list[].failed_reason`` of product/update_price) -----------------

# (Plain strings: the client imports this module and must not load Django, as
# ``channels/pushing.py`` does; they are its PRICE_LIMIT and PROMOTION.)
# Lower-case words of a refused model → what the refusal means (``channels/pushing.py``).
# ``error_cannt_edit_price_in_promotion`` is confirmed (fact sheet §5); the words of a price
# out of range are not documented ("price limits apply"): the sandbox says "Invalid
# original_price: must be 100..1000000000"; "price_limit", "less than min" and "more than
# max" are guesses at Shopee's own wording (unverified), harmless if it never uses them.
PRICE_REFUSAL_WORDS = {
    "promotion": "promotion",
    "invalid original_price: must be": "price_limit",
    "price_limit": "price_limit",
    "less than min": "price_limit",
    "more than max": "price_limit",
}
