"""Connecting a shop: the founding document's *Add Integrations* step, for the UI and the CLI.

The checks run in the order a seller can act on them — the fields, then the credentials, then
whether the shop is linked to the app, open, and not already connected — and each failure is a
:class:`SellerProblem` that says what to do. Nothing is saved unless every check passes.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from satustok.channels import locations, registry
from satustok.channels.http import errors
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount, Health
from satustok.channels.problems import Problem, SellerProblem, explain, problem
from satustok.channels.protocol import (
    Authorization,
    Credentials,
    ShopProfile,
)
from satustok.core import activity
from satustok.inventory.models import Warehouse


def default_warehouse() -> Warehouse:
    warehouse, _ = Warehouse.objects.get_or_create(code="utama", defaults={"name": "Gudang Utama"})
    return warehouse


def connect_shop(
    channel: str, credentials: Credentials, shop_id: str, warehouse: Warehouse | None = None
) -> ChannelAccount:
    connector = registry.connector(channel)
    context = {"channel": connector.label, "app_id": credentials.app_id, "shop_id": shop_id}
    profile = _verify(connector.verify, credentials, shop_id, context)
    if not profile.is_open:
        reason = f" ({profile.close_reason})" if profile.close_reason else ""
        raise problem(Problem.SHOP_CLOSED, shop_name=profile.name, reason=reason, **context)
    _refuse_duplicate(channel, shop_id, context)
    return _save(channel, credentials, profile, warehouse or default_warehouse(), context)


def _verify(verify, credentials: Credentials, shop_id: str, context: dict) -> ShopProfile:  # type: ignore[no-untyped-def]
    try:
        return verify(credentials, shop_id)
    except ChannelError as error:
        raise explain(error, **context) from error


def _refuse_duplicate(channel: str, shop_id: str, context: Mapping[str, object]) -> None:
    existing = ChannelAccount.objects.filter(channel=channel, shop_id=shop_id).first()
    if existing is not None:
        raise problem(Problem.ALREADY_CONNECTED, existing=str(existing), **context)


def _save(
    channel: str,
    credentials: Credentials,
    profile: ShopProfile,
    warehouse: Warehouse,
    context: Mapping[str, object],
) -> ChannelAccount:
    try:
        with transaction.atomic():
            account = ChannelAccount.objects.create(
                channel=channel,
                shop_id=profile.shop_id,
                shop_name=profile.name,
                shop_url=profile.url,
                shop_handle=profile.handle,
                shop_warehouses=_warehouses(profile),
                app_id=credentials.app_id,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                warehouse=warehouse,
                health=Health.CONNECTED,
            )
            _log_connection(account, activity.Action.INTEGRATION_CONNECTED)
            locations.refresh_locations(account)
            return account
    except IntegrityError:  # connected by someone else a moment ago
        raise problem(Problem.ALREADY_CONNECTED, existing=profile.name, **context) from None


def _log_connection(account: ChannelAccount, action: str) -> None:
    # The credentials are secrets: the log says they were set, never what they are.
    after = {
        "channel": account.channel,
        "shop_id": account.shop_id,
        "credentials": activity.CHANGED,
    }
    activity.record(None, action, account, after=after)


def _warehouses(profile: ShopProfile) -> list[dict[str, object]]:
    return [
        {"id": w.external_id, "name": w.name, "is_default": w.is_default}
        for w in profile.warehouses
    ]


__all__ = ["SellerProblem", "connect_shop", "default_warehouse"]


# --- channels where the seller approves the hub on the channel's page ----------------------


def authorization_url(channel: str, credentials: Credentials, redirect_url: str, state: str) -> str:
    """Where to send the seller to approve the hub (no request is made: the link is signed)."""
    return registry.authorizing_connector(channel).authorization_url(
        credentials, redirect_url, state
    )


def finish_authorization(
    channel: str,
    credentials: Credentials,
    code: str,
    shop_id: str,
    *,
    reconnecting: ChannelAccount | None = None,
    warehouse: Warehouse | None = None,
    refusal: str = "",
) -> ChannelAccount:
    """The seller came back with a one-time code: trade it for tokens and save the integration
    (or, when reconnecting, give the existing one its new tokens). Nothing is saved on failure.
    ``refusal`` is the channel's word when it sent the seller back without a code (e.g.
    ``access_denied``: the seller pressed Cancel)."""
    connector = registry.authorizing_connector(channel)
    context = {"channel": connector.label, "app_id": credentials.app_id, "shop_id": shop_id}
    if not code:
        raise problem(Problem.AUTHORIZATION_FAILED, cause=refusal or "no code", **context)
    if reconnecting is not None:
        shop_id = shop_id or reconnecting.shop_id  # a channel whose return names no shop
    try:
        granted = connector.complete_authorization(credentials, code, shop_id)
    except ChannelError as error:
        raise _authorization_problem(error, context) from error
    profile = granted.profile
    context["shop_id"] = profile.shop_id
    if reconnecting is not None and reconnecting.shop_id != profile.shop_id:
        raise problem(Problem.WRONG_SHOP, expected=reconnecting.shop_id, **context)
    if not profile.is_open:
        reason = f" ({profile.close_reason})" if profile.close_reason else ""
        raise problem(Problem.SHOP_CLOSED, shop_name=profile.name, reason=reason, **context)
    if reconnecting is not None:
        _log_connection(reconnecting, activity.Action.INTEGRATION_RECONNECTED)
        return _store_tokens(reconnecting, granted)
    _refuse_duplicate(channel, profile.shop_id, context)
    account = _save(channel, credentials, profile, warehouse or default_warehouse(), context)
    return _store_tokens(account, granted)


def _authorization_problem(error: ChannelError, context: Mapping[str, object]) -> SellerProblem:
    cause = error.error_code or (f"HTTP {error.status}" if error.status else type(error).__name__)
    if isinstance(error, errors.AuthError):
        return problem(Problem.AUTHORIZATION_FAILED, cause=cause, **context)
    if isinstance(error, errors.ValidationError) and "sign" in (error.error_code or ""):
        return problem(Problem.PARTNER_REJECTED, cause=cause, **context)
    return explain(error, **context)


def _store_tokens(account: ChannelAccount, granted: Authorization) -> ChannelAccount:
    """Tokens are stored encrypted; a reconnected integration is healthy again and pushes
    whatever became due while it was paused (nothing was lost: listings stayed dirty)."""
    account.access_token, account.token_expires_at = (
        granted.access_token,
        granted.access_expires_at,
    )
    account.refresh_token, account.refresh_expires_at = (
        granted.refresh_token,
        granted.refresh_expires_at,
    )
    account.authorization_expires_at = granted.authorization_expires_at
    account.authorized_at = timezone.now()
    account.shop_name = granted.profile.name or account.shop_name
    account.shop_handle = granted.profile.handle or account.shop_handle
    account.shop_warehouses = _warehouses(granted.profile) or account.shop_warehouses
    account.health, account.health_message = Health.CONNECTED, ""
    account.save()
    locations.refresh_locations(account)  # the shop's warehouses as the channel lists them now
    return account
