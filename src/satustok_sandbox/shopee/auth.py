"""Shop authorization (fact sheet §1.1) and the two token endpoints (§1.2).

The authorization link ``GET /api/v2/shop/auth_partner?partner_id&timestamp&sign&redirect`` is
publicly signed and valid for 5 minutes. It shows a small page naming the partner app and every
shop of the world (the sandbox's seller owns them all), with a labelled shop choice and a
**Confirm Authorization** button. Posting it authorizes the shop for the partner (for one year),
sends push code 1, and redirects (303) to ``redirect?code=…&shop_id=…`` (``&`` when the redirect
already has a query). A code is single-use and lives 10 minutes.

``POST /api/v2/auth/token/get`` trades a code for an access token (4 h) and a refresh token
(30 days). ``POST /api/v2/auth/access_token/get`` trades a refresh token for a NEW pair; the
refresh token sent is spent: presenting it again answers ``error_auth`` "Invalid refresh_token:
it was already used." and is logged as a reuse. Older access tokens stay valid until they
expire. Both answer at the top level (no ``response`` wrapper).

The page's frame and form, codes, sessions and the refresh-token ledger are shared with TikTok
Shop (``common/page.py``, ``common/tokens.py``); what the page says and every error are Shopee's.
"""

from __future__ import annotations

import html
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from satustok_sandbox.common.page import (
    PageTheme,
    approval_form,
    form_fields,
    html_page,
    with_query,
)
from satustok_sandbox.common.tokens import SESSION_TTL, count_presentation
from satustok_sandbox.shopee.envelope import ShopeeError, param_error, top_level
from satustok_sandbox.shopee.pipeline import Call, check_timestamp, partner_of
from satustok_sandbox.shopee.signing import AUTH_PARTNER_PATH, sign, signatures_match
from satustok_sandbox.shopee.state import (
    ACCESS_TOKEN_TTL,
    AUTH_CODE_TTL,
    AUTHORIZATION_TTL,
    REFRESH_TOKEN_TTL,
    AccessToken,
    AuthCode,
    Authorization,
    AuthSession,
    RefreshToken,
    ShopeeState,
)

if TYPE_CHECKING:
    from satustok_sandbox.shopee.sandbox import ShopeeSandbox

THEME = PageTheme(max_width="32rem", ink="#222", accent="#ee4d2d")


# --- the authorization page ------------------------------------------------------------------


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return html_page(THEME, title, body, status)


def _error_page(error: ShopeeError) -> HTMLResponse:
    body = (
        f"<p role='alert'>The authorization link was refused: <code>{html.escape(error.error)}"
        f"</code> {html.escape(error.message)}</p>"
    )
    return _page("Shopee Open Platform (sandbox): authorization failed", body, error.status)


def _redirect_param(request: Request) -> str:
    redirect = (request.query_params.get("redirect") or "").strip()
    if not redirect:
        raise param_error("Missing redirect.")
    parts = urlsplit(redirect)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise param_error(f"Invalid redirect: {redirect!r} is not an http(s) URL.")
    return redirect


def _verify_link(sim: ShopeeSandbox, request: Request) -> tuple[int, str]:
    """(partner_id, redirect) of a valid, publicly signed authorization link."""
    raw_partner = (request.query_params.get("partner_id") or "").strip()
    raw_timestamp = (request.query_params.get("timestamp") or "").strip()
    given = (request.query_params.get("sign") or "").strip()
    if not raw_partner.isdigit():
        raise param_error("Invalid partner_id.")
    if not raw_timestamp.lstrip("-").isdigit():
        raise param_error("Invalid timestamp.")
    if not given:
        raise param_error("Missing sign.")
    partner = partner_of(sim, int(raw_partner))
    timestamp = int(raw_timestamp)
    check_timestamp(sim, timestamp)
    expected = sign(partner.partner_key, partner.partner_id, AUTH_PARTNER_PATH, timestamp)
    if not signatures_match(expected, given):
        raise ShopeeError("error_sign", "Wrong sign.")
    return partner.partner_id, _redirect_param(request)


async def auth_page(sim: ShopeeSandbox, request: Request) -> Response:
    try:
        with sim.state.lock:
            partner_id, redirect = _verify_link(sim, request)
            session = AuthSession(
                secrets.token_hex(16),
                partner_id,
                redirect,
                expires_at=sim.state.now() + SESSION_TTL,
            )
            sim.state.sessions[session.session] = session
            partner = sim.state.partners[partner_id]
            shops = sorted(sim.state.shops.values(), key=lambda s: s.shop_id)
    except ShopeeError as error:
        sim.record_plain(request, "shop/auth_partner", error.status, error.error)
        return _error_page(error)
    sim.record_plain(request, "shop/auth_partner", 200, "")
    options = "".join(
        f"<option value='{shop.shop_id}'>{html.escape(shop.shop_name)} ({shop.shop_id})"
        f"{' — ' + shop.status if shop.status != 'NORMAL' else ''}</option>"
        for shop in shops
    )
    app_name = html.escape(partner.name or f"Partner {partner.partner_id}")
    intro = (
        f"<p><strong>{app_name}</strong> (partner_id {partner.partner_id}) asks to manage your "
        "shop: products, stock, prices and orders.</p>"
    )
    approve = "Confirm Authorization"
    form = approval_form(
        "auth_partner", session.session, "shop_id", "Shop to authorize", options, approve
    )
    return _page("Authorize a partner app — Shopee (sandbox)", intro + form)


async def auth_submit(sim: ShopeeSandbox, request: Request) -> Response:
    form = await form_fields(request)
    state = sim.state
    try:
        with state.lock:
            session = state.sessions.get(form.get("session", ""))
            if session is None or session.expires_at <= state.now():
                raise param_error("The authorization page has expired: open the link again.")
            if form.get("decision") == "cancel":
                del state.sessions[session.session]
                return RedirectResponse(with_query(session.redirect, error="access_denied"), 303)
            raw_shop = form.get("shop_id", "").strip()
            shop = state.shops.get(int(raw_shop)) if raw_shop.isdigit() else None
            if shop is None:
                raise param_error("Invalid shop_id.")
            del state.sessions[session.session]
            code = authorize(sim, session.partner_id, shop.shop_id)
    except ShopeeError as error:
        sim.record_plain(request, "shop/auth_partner", error.status, error.error)
        return _error_page(error)
    sim.record_plain(request, "shop/auth_partner", 303, "")
    target = with_query(session.redirect, code=code.code, shop_id=shop.shop_id)
    return RedirectResponse(target, status_code=303)


def authorize(sim: ShopeeSandbox, partner_id: int, shop_id: int) -> AuthCode:
    """The seller approves: (re)start the authorization, issue a code, send push code 1."""
    state = sim.state
    with state.lock:
        now = state.now()
        state.authorizations[(partner_id, shop_id)] = Authorization(
            partner_id, shop_id, int(now), int(now) + AUTHORIZATION_TTL
        )
        code = AuthCode(secrets.token_hex(16), partner_id, shop_id, expires_at=now + AUTH_CODE_TTL)
        state.codes[code.code] = code
        sim.push.send_to_partner(
            partner_id, 1, {"shop_id": shop_id, "success": 1, "extra": ""}, shop_id=None
        )
    return code


def revoke(sim: ShopeeSandbox, partner_id: int, shop_id: int) -> bool:
    """The seller cancels the authorization: every token of the pair stops working."""
    state = sim.state
    with state.lock:
        found = state.authorizations.get((partner_id, shop_id))
        if found is None or found.revoked_at is not None:
            return False
        found.revoked_at = state.now()
        for token in list(state.access_tokens.values()):
            if (token.partner_id, token.shop_id) == (partner_id, shop_id):
                del state.access_tokens[token.value]
        for refresh in state.refresh_tokens.values():
            if (refresh.partner_id, refresh.shop_id) == (partner_id, shop_id):
                refresh.revoked_at = refresh.revoked_at or found.revoked_at
        sim.push.send_to_partner(
            partner_id, 2, {"shop_id": shop_id, "success": 1, "extra": ""}, shop_id=None
        )
        return True


def issue_tokens(
    sim: ShopeeSandbox, partner_id: int, shop_id: int, issued_by: str
) -> tuple[AccessToken, RefreshToken]:
    state = sim.state
    with state.lock:
        now = state.now()
        access = AccessToken(
            secrets.token_hex(16),
            partner_id,
            shop_id,
            issued_at=now,
            expires_at=now + ACCESS_TOKEN_TTL,
        )
        refresh = RefreshToken(
            secrets.token_hex(16),
            partner_id,
            shop_id,
            issued_at=now,
            expires_at=now + REFRESH_TOKEN_TTL,
            issued_by=issued_by,
        )
        state.access_tokens[access.value] = access
        state.refresh_tokens[refresh.value] = refresh
        sim.stats.tokens_issued += 1
    return access, refresh


# --- token endpoints (public API) --------------------------------------------------------------


def _body_partner(call: Call, body: dict[str, Any]) -> None:
    given = body.get("partner_id")
    if given is not None and (isinstance(given, bool) or not isinstance(given, int)):
        raise param_error(f"Invalid partner_id: expect an integer, got {given!r}.")
    if given is not None and given != call.partner.partner_id:
        raise param_error("partner_id in the body differs from the query string.")


def _body_int(body: dict[str, Any], name: str, call: Call | None = None) -> int:
    value = body.get(name)
    if value in (None, "") and call is not None:
        value = call.param(name)  # tolerated: some clients also put it in the query string
    if value in (None, ""):
        raise param_error(f"Missing {name}.")
    if name in body and (isinstance(value, bool) or not isinstance(value, int)):
        # A JSON string ("7700001") where Shopee's typed decoder expects an integer.
        raise param_error(f"Invalid {name}: expect an integer, got {value!r}.")
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise param_error(f"Invalid {name}.")
    return int(value)


def _body_text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise param_error(f"Missing {name}.")
    return value.strip()


def _not_simulated(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if body.get(name) not in (None, "") and body.get("shop_id") in (None, ""):
            raise param_error(f"{name}: main-account authorization is not simulated; use shop_id.")


async def token_get(call: Call) -> Response:
    body = await call.json_body()
    _body_partner(call, body)
    _not_simulated(body, "main_account_id")
    code_value = _body_text(body, "code")
    shop_id = _body_int(body, "shop_id", call)
    state = call.state
    with state.lock:
        code = state.codes.get(code_value)
        now = state.now()
        if code is None or code.partner_id != call.partner.partner_id:
            raise ShopeeError("invalid_code", "Invalid code.")
        if code.used_at is not None:
            raise ShopeeError("invalid_code", "Invalid code: it was already used.")
        if code.expires_at <= now:
            raise ShopeeError("invalid_code", "Invalid code: it has expired.")
        if code.shop_id != shop_id:
            raise ShopeeError("invalid_shop_id", "shop_id does not match the code.")
        if state.authorization(code.partner_id, code.shop_id) is None:
            raise ShopeeError("invalid_code", "Invalid code: the authorization was cancelled.")
        code.used_at = now
        access, refresh = issue_tokens(call.sim, code.partner_id, shop_id, "token/get")
        merchant = state.shops[shop_id].merchant_id
    return top_level(
        {
            "access_token": access.value,
            "refresh_token": refresh.value,
            "expire_in": ACCESS_TOKEN_TTL,
            "shop_id_list": [shop_id],
            "merchant_id_list": [merchant] if merchant else [],
        }
    )


async def access_token_get(call: Call) -> Response:
    body = await call.json_body()
    _body_partner(call, body)
    _not_simulated(body, "merchant_id")
    with call.state.lock:
        call.state.refresh_calls += 1
    value = _body_text(body, "refresh_token")
    shop_id = _body_int(body, "shop_id", call)
    with call.state.lock:
        refresh = _spend(call.state, call.partner.partner_id, value, shop_id)
        access, new_refresh = issue_tokens(
            call.sim, refresh.partner_id, shop_id, "access_token/get"
        )
        refresh.replaced_by = new_refresh.value
    return top_level(
        {
            "access_token": access.value,
            "refresh_token": new_refresh.value,
            "expire_in": ACCESS_TOKEN_TTL,
            "partner_id": call.partner.partner_id,
            "shop_id": shop_id,
        }
    )


def _spend(state: ShopeeState, partner_id: int, value: str, shop_id: int) -> RefreshToken:
    """Check a presented refresh token and spend it (counting every presentation)."""
    now = state.now()
    refresh = state.refresh_tokens.get(value)
    if refresh is None or refresh.partner_id != partner_id:
        raise ShopeeError("error_auth", "Invalid refresh_token.")
    if not count_presentation(state, refresh, now):
        raise ShopeeError("error_auth", "Invalid refresh_token: it was already used.")
    if refresh.shop_id != shop_id:
        raise ShopeeError("invalid_shop_id", "shop_id does not match the refresh_token.")
    if refresh.expires_at <= now:
        raise ShopeeError("refresh_token_expired", "The refresh_token is expired.")
    found = state.authorizations.get((partner_id, shop_id))
    if found is None or found.revoked_at is not None or refresh.revoked_at is not None:
        raise ShopeeError(
            "error_auth", "Invalid refresh_token: the shop's authorization was cancelled."
        )
    if not found.active(now):
        raise ShopeeError("shop_access_expired", "The shop's authorization has expired.")
    refresh.spent_at = now
    return refresh
