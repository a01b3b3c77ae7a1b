"""TikTok Shop's error codes and HTTP statuses, mapped onto the channel error tree in ONE table.

TikTok Shop answers ``{"code", "message", "request_id", "data"}`` whatever went wrong, mostly
with HTTP 200: ``code == 0`` is success and anything else names the failure (fact sheet §3).
The code decides; the HTTP status is read only when there is no code at all (a proxy's page,
an empty body), or to tell a throttled or failing server behind an unknown code.

Where the TikTok Shop classes sit in the shared tree (``channels/http/errors.py``)::

    ChannelError
     ├── RetryableError
     │    ├── RateLimited                36009002, HTTP 429 (retry_after from Retry-After)
     │    └── ServerError                36009003, HTTP 5xx
     └── FatalError                      unknown codes (code, message and request id kept)
          ├── AuthError                  other 360… codes (EP: "token errors")
          │    ├── TokenExpired          105002, other 105… codes, 36009004 ~token:
          │    │                         refresh the access token, then retry once
          │    ├── CredentialsRejected
          │    │    ├── SignatureRejected 106001 / HTTP 401: wrong app secret (configuration)
          │    │    └── (36009004 ~app_key, token endpoints ~app_key / ~app_secret)
          │    └── AuthorizationEnded
          │         └── ReauthorizationRequired   the token endpoints refused the code or
          │                                       the refresh token: the seller reconnects
          ├── ActionRejected             21…/25… business refusals (already shipped, slot
          │                              expired, request not pending…), TikTok's words kept
          ├── NotFound                   21011001 order, 21001001 package, 25001001 request
          ├── NotAssociated
          │    └── ScopeNotGranted       105005: the seller did not grant the API's scope
          ├── ValidationError            106013 (no shop_cipher), 36009004, HTTP 4xx
          │    └── ClockSkew             36009004 ~timestamp: this machine's clock is off
          └── (FatalError itself)        36009033: this server's IP is not allow-listed

:data:`RULES` is the whole policy. A failed response is looked up from the most specific key
to the least, and the first hit wins:

1. in a scope (``token:`` for the two token endpoints): the code with a hint, the code, then a
   code prefix (``token:105*``) — on the token endpoints an access-token complaint means the
   grant itself is gone, so it must not ask for a refresh;
2. the code with a hint found in the message (``36009004~timestamp``), then the code;
3. in a scope: ``token:*`` with a hint, then ``token:*``;
4. for a code nobody mapped: the HTTP status if it says "throttled" or "server failed"
   (``429``, ``5xx``), then a code prefix (``105*``, ``360*``), then ``*`` — fatal, naming it;
5. with no code at all: the HTTP status, then its class (``401``, ``4xx``, ``5xx``).

A *hint* is a word of TikTok Shop's message: 36009004 ("invalid param") covers a stale
timestamp, a wrong app key and a bad token alike, and only the message tells them apart.
"""

from __future__ import annotations

from satustok.channels.http.errors import (
    STATUS_RULES,
    Action,
    ActionRejected,
    AuthError,
    AuthorizationEnded,
    CredentialsRejected,
    FatalError,
    NotAssociated,
    NotFound,
    RateLimited,
    Rule,
    ServerError,
    TokenExpired,
    ValidationError,
    explained,
    first_rule,
    hints_of,
    with_hints,
)

TOKEN_SCOPE = "token"
UNKNOWN_CODE = "*"
PREFIX_MARK = "*"
SUCCESS_CODE = 0


class ReauthorizationRequired(AuthorizationEnded):
    """TikTok Shop refused the authorization code or the refresh token (used, expired, revoked):
    the seller must authorize the app again. Nothing else can bring the shop back."""


class SignatureRejected(CredentialsRejected):
    """TikTok Shop refused the request's signature (106001, HTTP 401): the app secret configured
    is not the app's, or the request was altered on the way. Retrying cannot help."""


class ScopeNotGranted(NotAssociated):
    """The seller's authorization does not grant the scope this API needs (105005)."""


class ClockSkew(ValidationError):
    """TikTok Shop refused the request's timestamp (it allows about 5 minutes): fix this
    machine's clock; retrying or re-authorizing cannot help."""


_FAIL = Action.FAIL
_RETRY = Action.RETRY
_REFRESH = Action.REFRESH_TOKEN
_THROTTLED = Action.RATE_LIMITED

_REAUTHORIZE = Rule(ReauthorizationRequired, _FAIL, "the grant was refused: authorize again")
_APP_REFUSED = Rule(CredentialsRejected, _FAIL, "the app key or app secret was refused")
_TOKEN_EXPIRED = Rule(TokenExpired, _REFRESH, "access token refused: refresh it")
_SIGNATURE = Rule(SignatureRejected, _FAIL, "signature refused: check the app secret")
_THROTTLE = Rule(RateLimited, _THROTTLED, "over TikTok Shop's rate limit")
_SERVER = Rule(ServerError, _RETRY, "TikTok Shop server error")

RULES: dict[str, Rule] = {
    # -- the token endpoints: a refused credential there means "authorize again" ---------------
    "token:105*": _REAUTHORIZE,
    "token:36009004~app_key": _APP_REFUSED,
    "token:36009004~app_secret": _APP_REFUSED,
    "token:36009004": _REAUTHORIZE,
    "token:*~app_key": _APP_REFUSED,
    "token:*~app_secret": _APP_REFUSED,
    "token:*": _REAUTHORIZE,  # the code or refresh token was used, expired, or revoked
    # -- access token and scope ---------------------------------------------------------------
    "105002": Rule(TokenExpired, _REFRESH, "the access token expired: refresh it"),
    "105005": Rule(ScopeNotGranted, _FAIL, "the seller did not grant the scope of this API"),
    # -- signing and common parameters --------------------------------------------------------
    "106001": _SIGNATURE,
    "106013": Rule(ValidationError, _FAIL, "shop_cipher is missing: the call is shop-scoped"),
    "36009004~timestamp": Rule(
        ClockSkew, _FAIL, "the request's timestamp was refused: check this machine's clock"
    ),
    "36009004~app_key": _APP_REFUSED,
    "36009004~token": _TOKEN_EXPIRED,
    "36009004": Rule(ValidationError, _FAIL, "a common parameter was refused"),
    "36009033": Rule(FatalError, _FAIL, "this server's IP address is not in the app's allow-list"),
    # -- throttling and server failures -------------------------------------------------------
    "36009002": _THROTTLE,
    "36009003": Rule(ServerError, _RETRY, "TikTok Shop internal error"),
    # -- orders, fulfilment, cancellation requests: TikTok Shop's words are the reason shown to
    # the seller. The codes are the sandbox's (the real ones are not captured, sheet §3); any
    # other 21… (order / fulfilment) or 25… (return & refund) code is a business refusal too.
    "21011001": Rule(NotFound, _FAIL, "TikTok Shop does not know this order"),
    "21011002": Rule(ActionRejected, _FAIL, "the order can no longer be cancelled"),
    "21001001": Rule(NotFound, _FAIL, "TikTok Shop does not know this package"),
    "21001012": Rule(ActionRejected, _FAIL, "the package is already shipped"),
    "21001013": Rule(ActionRejected, _FAIL, "the order cannot be shipped in its status"),
    "21001014": Rule(ActionRejected, _FAIL, "the pickup slot is expired or not offered"),
    "21001015": Rule(ActionRejected, _FAIL, "the package's shipping type refuses this"),
    "21001016": Rule(ActionRejected, _FAIL, "the tracking number or courier was refused"),
    "21001017": Rule(ActionRejected, _FAIL, "the shipping document is not ready"),
    "25001001": Rule(NotFound, _FAIL, "TikTok Shop does not know this cancellation"),
    "25001002": Rule(ActionRejected, _FAIL, "the cancellation request is no longer pending"),
    "21*": Rule(ActionRejected, _FAIL, "TikTok Shop refused the order step"),
    "25*": Rule(ActionRejected, _FAIL, "TikTok Shop refused the return or cancellation step"),
    # -- price updates: refused for this price (sandbox codes; sheet §5 says only "market
    # price limits apply"). The adapter blocks the listing until the seller changes something.
    "12052300": Rule(ActionRejected, _FAIL, "TikTok Shop refused the price"),
    "12052301": Rule(ActionRejected, _FAIL, "the price is locked while a promotion runs"),
    # -- codes nobody mapped ------------------------------------------------------------------
    # EP (tiktokshop-php) treats 105… and 360… as token errors. An undocumented 105… is about
    # the access token, so one refresh is worth trying (the hub retries once, then gives up).
    "105*": Rule(TokenExpired, _REFRESH, "an access token error TikTok Shop did not document"),
    "360*": Rule(AuthError, _FAIL, "the API gateway refused the app's request"),
    UNKNOWN_CODE: Rule(FatalError, _FAIL, "unknown TikTok Shop error"),
    # -- no code: the HTTP status is all there is ---------------------------------------------
    "401": _SIGNATURE,  # the one documented 401 (sheet §2)
    **STATUS_RULES,  # 403, 404
    "408": Rule(ServerError, _RETRY, "TikTok Shop timed out"),
    "429": _THROTTLE,
    "4xx": Rule(ValidationError, _FAIL, "the request was refused"),
    "5xx": _SERVER,
}

# Rows for codes TikTok Shop did not document: the raised message names the code.
_UNDOCUMENTED = ("105*", "360*", "21*", "25*", UNKNOWN_CODE)

# {code (possibly scoped): [hint words]}, from the table's ``code~hint`` keys, in table order.
_HINTS = hints_of(RULES)


def code_text(code: object) -> str | None:
    """TikTok Shop's code as table text (``105002`` and ``"105002"`` alike); None for success
    or no code at all."""
    if code is None or isinstance(code, bool):
        return None
    text = str(code).strip()
    return None if text in ("", str(SUCCESS_CODE)) else text


def _with_hints(key: str, message: str) -> list[str]:
    return with_hints(key, message, _HINTS)


def _prefix_keys(code: str, head: str = "") -> list[str]:
    """``105*`` (or ``token:105*``) for each prefix row the code starts with, longest first."""
    keys = (f"{head}{code[:length]}{PREFIX_MARK}" for length in range(len(code) - 1, 0, -1))
    return [key for key in keys if key in RULES]


def _status_keys(status: int) -> list[str]:
    return [str(status), f"{status // 100}xx"]


def lookup_keys(
    status: int, code: str | None, message: str = "", scope: str | None = None
) -> list[str]:
    """Table keys for a failed response, most specific first."""
    if not code:
        return _status_keys(status)
    scoped: list[str] = []
    if scope:
        scoped = [*_with_hints(f"{scope}:{code}", message), *_prefix_keys(code, f"{scope}:")]
    plain = _with_hints(code, message)
    scoped_unknown = _with_hints(f"{scope}:{UNKNOWN_CODE}", message) if scope else []
    # An unmapped code behind a 429 or a 5xx is still a throttle or a server failure.
    telling_status = _status_keys(status) if status == 429 or status >= 500 else []
    return [*scoped, *plain, *scoped_unknown, *telling_status, *_prefix_keys(code), UNKNOWN_CODE]


def rule_for(status: int, code: str | None, message: str = "", scope: str | None = None) -> Rule:
    """The rule for a failed response (an odd status without a code counts as a server error)."""
    return first_rule(RULES, lookup_keys(status, code, message, scope))


def describe(rule: Rule, code: str | None, message: str) -> str:
    """The raised error's message: TikTok Shop's own words, then what they mean (naming an
    unknown code, since the code is all a reader has to go on)."""
    meaning = rule.explanation
    if any(rule is RULES[key] for key in _UNDOCUMENTED):
        meaning = f"{meaning} {code!r}"
    return explained(message, meaning)


# --- price refusals (prices/update refuses the whole call) -------------------------------------

# (Plain strings: the client imports this module and must not load Django, as
# ``channels/pushing.py`` does; they are its PRICE_LIMIT and PROMOTION.)
# Lower-case words of a refused price call → what the refusal means (``channels/pushing.py``).
# Neither the range error nor the promotion lock is documented (sheet §5: "market price limits
# apply"): these are the sandbox's words (12052300 "Invalid price …", 12052301 "… promotion …").
PRICE_REFUSAL_WORDS = {
    "invalid price": "price_limit",
    "promotion": "promotion",
}
