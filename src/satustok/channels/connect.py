"""Connecting a shop: the founding document's *Add Integrations* step, for the UI and the CLI.

The checks run in the order a seller can act on them — the fields, then the credentials, then
whether the shop is linked to the app, open, and not already connected — and each failure is a
:class:`SellerProblem` that says what to do. Nothing is saved unless every check passes.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from satustok.channels import registry
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount, Health
from satustok.channels.problems import Problem, SellerProblem, explain, problem
from satustok.channels.protocol import Credentials, ShopProfile
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
            return ChannelAccount.objects.create(
                channel=channel,
                shop_id=profile.shop_id,
                shop_name=profile.name,
                shop_url=profile.url,
                shop_warehouses=_warehouses(profile),
                app_id=credentials.app_id,
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                warehouse=warehouse,
                health=Health.CONNECTED,
            )
    except IntegrityError:  # connected by someone else a moment ago
        raise problem(Problem.ALREADY_CONNECTED, existing=profile.name, **context) from None


def _warehouses(profile: ShopProfile) -> list[dict[str, object]]:
    return [
        {"id": w.external_id, "name": w.name, "is_default": w.is_default}
        for w in profile.warehouses
    ]


__all__ = ["SellerProblem", "connect_shop", "default_warehouse"]
