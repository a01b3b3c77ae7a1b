"""Users with a role and a connected integration, for the tests of who may do what and of
what a page, an API call or a service does with them (tests/web, tests/api, tests/core, …)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount
from satustok.core.access import Role
from satustok.core.models import Membership

ROLES = [Role.OWNER, Role.ADMIN, Role.STAFF, Role.VIEWER]


def user_with_role(role: str, username: str = "") -> Any:
    """No password: hashing one costs a third of a second, and force_login needs none."""
    is_owner = role == Role.OWNER  # as the Users page makes them: Owners reach /admin
    user = get_user_model().objects.create(
        username=username or f"{role}-user", is_superuser=is_owner, is_staff=is_owner
    )
    Membership.objects.create(user=user, role=role)
    return user


def an_integration(**fields: Any) -> ChannelAccount:
    """A connected shop (no channel is called) fed by the default warehouse; ``fields``
    override the defaults."""
    defaults: dict[str, Any] = {
        "channel": "tokopedia",
        "shop_id": "480001",
        "shop_name": "Toko Satu",
        "app_id": "15001",
        "client_id": "client-abc",
        "client_secret": "a-client-secret-of-some-length",
        "warehouse": default_warehouse(),
    }
    return ChannelAccount.objects.create(**{**defaults, **fields})


def an_open_order_holding(
    account: Any,
    variant: Any,
    quantity: int = 1,
    *,
    effect: str = "reserved",
    external_id: str = "INV-1",
) -> Any:
    """An open order of ``account`` whose one line holds ``quantity`` of ``variant`` (reserved,
    or counted in the import baseline): what the checks "no open order holds stock" look for."""
    from django.utils import timezone

    from satustok.orders.models import Order, OrderLine, OrderStatus

    order = Order.objects.create(
        account=account,
        warehouse=account.warehouse,  # as ingestion sets it, at first sight
        external_id=external_id,
        status=OrderStatus.OPEN,
        channel_status="220",
        ordered_at=timezone.now(),
        stock_effect=effect,
    )
    OrderLine.objects.create(
        order=order,
        external_product_id="9",
        quantity=quantity,
        variant=variant,
        listing=variant.listings.filter(account=account).first(),
        linked=True,
        stock_effect=effect,
    )
    return order
