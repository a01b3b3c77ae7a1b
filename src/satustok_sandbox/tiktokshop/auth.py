"""Seller authorization (fact sheet §1.1): the authorization page, the two token endpoints, the
authorized shops, and the seller's revocation.

**The page** ``GET {services}/open/authorize?service_id&state`` names the app and lists the
sandbox's sellers with their shops: a seller "logs in" by picking their account (labelled
"Seller account"), and one authorization covers every shop of that seller. **Authorize** starts
(or restarts) the authorization for 365 days and answers 303 to the app's **registered redirect
URL** (Partner Center: seed ``apps[].redirect_url`` or the control API) with ``?code&state`` plus
``app_key``, ``locale=id-ID`` and ``shop_region=ID``; **Cancel** answers 303 with
``?code=null&error=auth_denied&state`` (the sheet's form for a refusal). An unknown
``service_id``, or an app without a registered redirect URL, gets an error page and no redirect.
A code is single-use and valid 30 minutes on the sandbox clock.

**Tokens** (auth host, no ``sign``): ``GET /api/v2/token/get?app_key&app_secret&auth_code&
grant_type=authorized_code`` and ``GET /api/v2/token/refresh?app_key&app_secret&refresh_token&
grant_type=refresh_token``. ``*_expire_in`` are **absolute** Unix times: the access token lasts 7
days (never past its authorization), the refresh token expires with the authorization (365 days
after the seller granted it; refreshing does not extend it). A refresh rotates both tokens and
**spends** the refresh token presented: presenting it again answers 105004 "…already used" and is
logged as a reuse (the sheet leaves it open; this makes the hub handle the refresh race). Older
access tokens stay valid until their own expiry.

The page's frame and form, codes, sessions and the refresh-token ledger are shared with Shopee
(``common/page.py``, ``common/tokens.py``); what the page says and every error are TikTok Shop's.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

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
from satustok_sandbox.tiktokshop.envelope import (
    INVALID_AUTH_CODE,
    INVALID_PARAM,
    INVALID_REFRESH_TOKEN,
    REFRESH_TOKEN_EXPIRED,
    TikTokError,
    error_response,
    invalid_request,
    ok,
)
from satustok_sandbox.tiktokshop.pipeline import Call
from satustok_sandbox.tiktokshop.state import (
    ACCESS_TOKEN_TTL,
    AUTH_CODE_TTL,
    AUTHORIZATION_TTL,
    EXPIRY_NOTICE_WINDOW,
    AccessToken,
    App,
    AuthCode,
    Authorization,
    AuthSession,
    RefreshToken,
    TikTokShopState,
)

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.sandbox import TikTokShopSandbox

PAGE_API = "services/open/authorize"
THEME = PageTheme(
    max_width="34rem",
    ink="#161823",
    accent="#fe2c55",
    extra_css="button[value=cancel]{background:#888}",
)


class PageError(Exception):
    """A refused authorization page: an HTML error page with this status, no redirect."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- the authorization page ------------------------------------------------------------------


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return html_page(THEME, title, body, status)


def _error_page(error: PageError) -> HTMLResponse:
    body = f"<p role='alert'>The authorization was refused: {html.escape(error.message)}</p>"
    return _page("TikTok Shop (sandbox): authorization failed", body, error.status)


def _app_by_service_id(state: TikTokShopState, service_id: str) -> App:
    if not service_id:
        raise PageError(400, "service_id is required.")
    app = next((a for a in state.apps.values() if a.service_id == service_id), None)
    if app is None:
        raise PageError(404, f"No app has service_id {service_id}.")
    if not app.redirect_url:
        raise PageError(409, f"The app {app.name or app.app_key} has no redirect URL registered.")
    return app


def _seller_options(state: TikTokShopState) -> str:
    options = []
    for seller in state.sellers.values():
        shops = ", ".join(f"{state.shops[s].name} ({state.shops[s].id})" for s in seller.shop_ids)
        options.append(
            f"<option value='{html.escape(seller.open_id, quote=True)}'>"
            f"{html.escape(seller.seller_name)} — {html.escape(shops or 'no shops')}</option>"
        )
    return "".join(options)


async def page(sim: TikTokShopSandbox, request: Request) -> Response:
    """``GET /open/authorize``: the app, the sellers and their shops, Authorize / Cancel."""
    state = sim.state
    try:
        with state.lock:
            app = _app_by_service_id(state, (request.query_params.get("service_id") or "").strip())
            session = AuthSession(
                secrets.token_hex(16),
                app.app_key,
                request.query_params.get("state") or "",
                expires_at=state.now() + SESSION_TTL,
            )
            state.sessions[session.session] = session
            options = _seller_options(state)
    except PageError as error:
        sim.record_plain(request, PAGE_API, error.status, str(error.status))
        return _error_page(error)
    sim.record_plain(request, PAGE_API, 200, "")
    name = html.escape(app.name or app.app_key)
    intro = (
        f"<p><strong>{name}</strong> (service_id {app.service_id}) asks to access your shops: "
        "products, stock, prices and orders.</p>"
    )
    form = approval_form(
        "authorize", session.session, "open_id", "Seller account", options, "Authorize"
    )
    return _page("Authorize an app — TikTok Shop (sandbox)", intro + form)


async def submit(sim: TikTokShopSandbox, request: Request) -> Response:
    """``POST /open/authorize``: the seller's decision → 303 to the registered redirect URL."""
    form = await form_fields(request)
    state = sim.state
    try:
        with state.lock:
            session = state.sessions.pop(form.get("session", ""), None)
            if session is None or session.expires_at <= state.now():
                raise PageError(400, "The authorization page has expired: open the link again.")
            app = state.apps[session.app_key]
            if not app.redirect_url:
                raise PageError(409, "The app has no redirect URL registered.")
            if form.get("decision") == "cancel":
                target = with_query(
                    app.redirect_url, code="null", error="auth_denied", state=session.state
                )
            else:
                code = authorize(sim, app.app_key, _seller_id(state, form.get("open_id", "")))
                target = with_query(
                    app.redirect_url,
                    code=code.code,
                    state=session.state,
                    app_key=app.app_key,
                    locale="id-ID",
                    shop_region="ID",
                )
    except PageError as error:
        sim.record_plain(request, PAGE_API, error.status, str(error.status))
        return _error_page(error)
    sim.record_plain(request, PAGE_API, 303, "")
    return RedirectResponse(target, status_code=303)


def _seller_id(state: TikTokShopState, open_id: str) -> str:
    if open_id not in state.sellers:
        raise PageError(400, "Pick a seller account.")
    return open_id


# --- authorization state changes (the page, the control API) ---------------------------------


def authorize(sim: TikTokShopSandbox, app_key: str, open_id: str) -> AuthCode:
    """The seller approves: (re)start the authorization for all their shops, issue a code."""
    state = sim.state
    with state.lock:
        now = int(state.now())
        state.authorizations[(app_key, open_id)] = Authorization(
            app_key, open_id, list(state.sellers[open_id].shop_ids), now, now + AUTHORIZATION_TTL
        )
        code = AuthCode(secrets.token_urlsafe(24), app_key, open_id, expires_at=now + AUTH_CODE_TTL)
        state.codes[code.code] = code
    return code


def issue_tokens(
    sim: TikTokShopSandbox, app_key: str, open_id: str, issued_by: str
) -> tuple[AccessToken, RefreshToken]:
    state = sim.state
    with state.lock:
        now = state.now()
        authorization = state.authorizations[(app_key, open_id)]
        expires = min(now + ACCESS_TOKEN_TTL, authorization.expires_at)
        access = AccessToken(
            "TTP_" + secrets.token_urlsafe(24), app_key, open_id, issued_at=now, expires_at=expires
        )
        refresh = RefreshToken(
            "TTP_" + secrets.token_urlsafe(24),
            app_key,
            open_id,
            issued_at=now,
            expires_at=authorization.expires_at,
            issued_by=issued_by,
        )
        state.access_tokens[access.value] = access
        state.refresh_tokens[refresh.value] = refresh
        sim.stats.tokens_issued += 1
    return access, refresh


def token_data(
    state: TikTokShopState, access: AccessToken, refresh: RefreshToken
) -> dict[str, Any]:
    seller = state.sellers[access.open_id]
    return {
        "access_token": access.value,
        "access_token_expire_in": int(access.expires_at),
        "refresh_token": refresh.value,
        "refresh_token_expire_in": int(refresh.expires_at),
        "open_id": seller.open_id,
        "seller_name": seller.seller_name,
        "seller_base_region": seller.region,
        "user_type": seller.user_type,
        "granted_scopes": sorted(state.apps[access.app_key].scopes),
    }


def revoke(sim: TikTokShopSandbox, app_key: str, open_id: str) -> bool:
    """The seller deauthorizes the app: its tokens stop working; type 6 for each shop."""
    state = sim.state
    with state.lock:
        found = state.authorizations.get((app_key, open_id))
        if found is None or found.revoked_at is not None:
            return False
        found.revoked_at = state.now()
        tokens: list[AccessToken | RefreshToken] = [
            *state.access_tokens.values(),
            *state.refresh_tokens.values(),
        ]
        for token in tokens:
            if (token.app_key, token.open_id) == (app_key, open_id):
                token.revoked_at = token.revoked_at or found.revoked_at
        data = {"message": "The seller deauthorized the app.", "update_time": int(state.now())}
        for shop_id in found.shop_ids:
            sim.webhooks.send_to_app(app_key, shop_id, 6, data)
        return True


def notify_expiring(sim: TikTokShopSandbox, found: Authorization) -> None:
    """Type 7 UPCOMING_AUTHORIZATION_EXPIRATION to the app, for each shop of the grant."""
    data = {
        "message": "The authorization will expire soon: ask the seller to authorize again.",
        "expire_time": found.expires_at,
    }
    for shop_id in found.shop_ids:
        sim.webhooks.send_to_app(found.app_key, shop_id, 7, data)


def send_daily_expiry_notices(sim: TikTokShopSandbox) -> int:
    """Type 7 once per day (of days left) inside the last 30 days of each active authorization,
    as the sandbox clock moves; the number of notices sent."""
    state = sim.state
    sent = 0
    with state.lock:
        now = state.now()
        for found in state.authorizations.values():
            left = found.expires_at - now
            if not found.active(now) or left > EXPIRY_NOTICE_WINDOW:
                continue
            days_left = -int(-left // 86_400)  # rounded up: "expires within N days"
            if days_left not in found.expiry_notices:
                found.expiry_notices.append(days_left)
                notify_expiring(sim, found)
                sent += 1
    return sent


# --- the auth host: token endpoints ----------------------------------------------------------


TokenHandler = Callable[["TikTokShopSandbox", Request], dict[str, Any]]


def token_endpoint(
    sim: TikTokShopSandbox, api: str, handler: TokenHandler
) -> Callable[[Request], Awaitable[Response]]:
    """A token endpoint: latency, the handler's ``data`` in the envelope, the call log."""

    async def endpoint(request: Request) -> Response:
        try:
            await sim.wait_latency()
            response: Response = ok(handler(sim, request))
            code = 0
        except TikTokError as error:
            response, code = error_response(error), error.code
        sim.record_plain(request, api, response.status_code, str(code) if code else "")
        return response

    return endpoint


def _query(request: Request, name: str) -> str:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        raise invalid_request(f"{name} is required.")
    return value


def _app(state: TikTokShopState, request: Request, grant_type: str) -> App:
    if (request.query_params.get("grant_type") or "").strip() != grant_type:
        raise invalid_request(f"grant_type must be {grant_type}.")
    app = state.apps.get(_query(request, "app_key"))
    if app is None or not secrets.compare_digest(app.app_secret, _query(request, "app_secret")):
        raise TikTokError(INVALID_PARAM, "Invalid param error: app_key or app_secret is invalid.")
    return app


def token_get(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    state = sim.state
    with state.lock:
        app = _app(state, request, "authorized_code")
        code = state.codes.get(_query(request, "auth_code"))
        if code is None or code.app_key != app.app_key:
            raise TikTokError(INVALID_AUTH_CODE, "Invalid auth_code.")
        if code.used_at is not None:
            raise TikTokError(INVALID_AUTH_CODE, "Invalid auth_code: it was already used.")
        if code.expires_at <= state.now():
            raise TikTokError(INVALID_AUTH_CODE, "Invalid auth_code: it has expired.")
        if state.authorization(code.app_key, code.open_id) is None:
            raise TikTokError(
                INVALID_AUTH_CODE, "Invalid auth_code: the authorization was cancelled."
            )
        code.used_at = state.now()
        access, refresh = issue_tokens(sim, app.app_key, code.open_id, "token/get")
        return token_data(state, access, refresh)


def token_refresh(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    state = sim.state
    with state.lock:
        app = _app(state, request, "refresh_token")
        state.refresh_calls += 1
        refresh = _spend(state, app, _query(request, "refresh_token"))
        access, new_refresh = issue_tokens(sim, app.app_key, refresh.open_id, "token/refresh")
        refresh.replaced_by = new_refresh.value
        return token_data(state, access, new_refresh)


def _spend(state: TikTokShopState, app: App, value: str) -> RefreshToken:
    """Check a presented refresh token and spend it (counting every presentation)."""
    now = state.now()
    refresh = state.refresh_tokens.get(value)
    if refresh is None or refresh.app_key != app.app_key:
        raise TikTokError(INVALID_REFRESH_TOKEN, "Invalid refresh_token.")
    if not count_presentation(state, refresh, now):
        raise TikTokError(INVALID_REFRESH_TOKEN, "Invalid refresh_token: it was already used.")
    found = state.authorizations.get((app.app_key, refresh.open_id))
    if refresh.revoked_at is not None or found is None or found.revoked_at is not None:
        raise TikTokError(
            INVALID_REFRESH_TOKEN, "Invalid refresh_token: the authorization was cancelled."
        )
    if refresh.expires_at <= now or not found.active(now):
        raise TikTokError(REFRESH_TOKEN_EXPIRED, "The refresh_token is expired.")
    refresh.spent_at = now
    return refresh


# --- the API host: the authorized shops ------------------------------------------------------


async def authorized_shops(call: Call) -> Response:
    """``GET /authorization/202309/shops``: the shops this access token covers."""
    with call.state.lock:
        shops = [call.state.shops[s] for s in call.verified.authorization.shop_ids]
        rows = [
            {
                "id": shop.id,
                "cipher": shop.cipher,
                "name": shop.name,
                "region": shop.region,
                "seller_type": shop.seller_type,
                "code": shop.code,
            }
            for shop in shops
        ]
    return ok({"shops": rows})
