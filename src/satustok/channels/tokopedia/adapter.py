"""Tokopedia in the hub's words: the connector the registry hands out.

Maps Tokopedia payloads (``schemas.py``) onto the channel-neutral records of
``channels/protocol.py``. This module builds clients from settings and stored integrations;
``client.py`` stays free of Django and is the only module that speaks HTTP.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_noop

from satustok.channels import protocol, registry
from satustok.channels.http.retry import INTERACTIVE_RETRIES, RetryPolicy
from satustok.channels.protocol import (
    ChannelUnit,
    PricePush,
    PushOutcome,
    ShopProfile,
    ShopWarehouse,
    StockPush,
    UnitPage,
)
from satustok.channels.pushing import price_refusals
from satustok.channels.tokopedia.auth import AccessToken, Credentials
from satustok.channels.tokopedia.client import PICKUP_WAIT_SECONDS, TokopediaClient
from satustok.channels.tokopedia.errors import PRICE_REFUSAL_WORDS
from satustok.channels.tokopedia.orders import TokopediaOrders
from satustok.channels.tokopedia.schemas import PriceUpdate, Product, ShopInfo, StockUpdate

# A seller waiting on a page: the ~5 s Tokopedia asks for after an accept, and a little more.
INTERACTIVE_PICKUP_WAIT = 8.0

# Product status codes of the fact sheet (§5); 2 ("featured") is an active product too.
ACTIVE_STATUSES = {1, 2}
STATUS_LABELS = {
    -2: gettext_noop("Banned"),
    -1: gettext_noop("Pending review"),
    0: gettext_noop("Deleted"),
    1: gettext_noop("Active"),
    2: gettext_noop("Featured"),
    3: gettext_noop("Inactive"),
}
# A child is only sellable while its family is: the parent's status, said as the parent's.
PARENT_STATUS_LABELS = {
    -2: gettext_noop("Parent banned"),
    -1: gettext_noop("Parent pending review"),
    0: gettext_noop("Parent deleted"),
    3: gettext_noop("Parent inactive"),
}


def build_client(
    credentials: Credentials,
    account: object | None = None,
    retry_policy: RetryPolicy | None = None,
) -> TokopediaClient:
    """A client for one app, at the base URLs of settings (the real hosts or the sandbox)."""
    token, on_token = _token_persistence(account) if account is not None else (None, None)
    return TokopediaClient(
        credentials,
        accounts_url=registry.setting("TOKOPEDIA_ACCOUNTS_URL"),
        api_url=registry.setting("TOKOPEDIA_API_URL"),
        token=token,
        on_token=on_token,
        retry_policy=retry_policy,
    )


def _token_persistence(account):  # type: ignore[no-untyped-def]
    """Reuse the integration's stored token, and store each new one (encrypted): Tokopedia
    issues a new token only after the old one expires, so every worker should share it."""
    token = None
    if account.access_token and account.token_expires_at:
        token = AccessToken(account.access_token.reveal(), account.token_expires_at)

    def remember(new: AccessToken) -> None:
        account.access_token, account.token_expires_at = new.value, new.expires_at
        type(account).objects.filter(pk=account.pk).update(
            access_token=account.access_token, token_expires_at=new.expires_at
        )
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # a page-reading thread gives its connection back at once

    return token, remember


def _credentials(app_id: str, client_id: str, client_secret: str) -> Credentials:
    return Credentials(fs_id=int(app_id), client_id=client_id, client_secret=client_secret)


def shop_profile(shop: ShopInfo) -> ShopProfile:
    return ShopProfile(
        shop_id=str(shop.shop_id),
        name=shop.shop_name,
        is_open=shop.open,
        close_reason=shop.reason,
        url=shop.shop_url,
        warehouses=tuple(
            ShopWarehouse(str(w.warehouse_id), w.warehouse_name, bool(w.is_default))
            for w in shop.warehouses
        ),
    )


class TokopediaConnector:
    channel = "tokopedia"
    label = "Tokopedia"

    def verify(self, credentials: protocol.Credentials, shop_id: str) -> ShopProfile:
        creds = _credentials(credentials.app_id, credentials.client_id, credentials.client_secret)
        with build_client(creds, retry_policy=INTERACTIVE_RETRIES) as client:
            return shop_profile(client.get_shop(int(shop_id)))

    max_push_batch = 100  # Tokopedia's stock/update limit

    max_shown_stock = None  # no limit stated in the reference sheet

    def push_stock(self, account, pushes: list[StockPush]) -> list[PushOutcome]:  # type: ignore[no-untyped-def]
        creds = _credentials(account.app_id, account.client_id, account.client_secret.reveal())
        with build_client(creds, account) as client:
            return push_stock(client, int(account.shop_id), pushes)

    def push_prices(self, account, pushes: list[PricePush]) -> list[PushOutcome]:  # type: ignore[no-untyped-def]
        creds = _credentials(account.app_id, account.client_id, account.client_secret.reveal())
        with build_client(creds, account) as client:
            return push_prices(client, int(account.shop_id), pushes)

    def catalog_source(self, account) -> TokopediaCatalog:  # type: ignore[no-untyped-def]
        creds = _credentials(account.app_id, account.client_id, account.client_secret.reveal())
        return TokopediaCatalog(build_client(creds, account), int(account.shop_id))

    def orders(self, account, *, interactive: bool = False) -> TokopediaOrders:  # type: ignore[no-untyped-def]
        """The integration's orders; the client is built on first use (no I/O here)."""
        creds = _credentials(account.app_id, account.client_id, account.client_secret.reveal())
        policy = INTERACTIVE_RETRIES if interactive else None
        return TokopediaOrders(
            lambda: build_client(creds, account, retry_policy=policy),
            int(account.shop_id),
            pickup_wait=INTERACTIVE_PICKUP_WAIT if interactive else PICKUP_WAIT_SECONDS,
        )


# Row messages that no retry will change: the listing needs the seller's attention.
PERMANENT_ROW_MESSAGES = ("Invalid Product ID.", "Invalid SKU.")


def push_stock(client: TokopediaClient, shop_id: int, pushes: list[StockPush]) -> list[PushOutcome]:
    """Set absolute stock, 100 rows a call (the client chunks and paces), one outcome per row.
    Rows pushed per warehouse (``StockPush.by_location``, a shop whose warehouses the seller
    mapped to hub warehouses) go as one update per warehouse (``warehouse_id`` in the query);
    such a row is applied when every warehouse took it."""
    single = [p for p in pushes if not p.by_location]
    located = [p for p in pushes if p.by_location]
    outcomes = _stock_update(client, shop_id, single, None) if single or not located else []
    warehouses = sorted({w for p in located for w in p.by_location})
    answers = [
        _stock_update(client, shop_id, _in_warehouse(located, w), int(w)) for w in warehouses
    ]
    return outcomes + _all_applied(located, answers)


def _in_warehouse(pushes: list[StockPush], warehouse: str) -> list[StockPush]:
    """The rows of one warehouse, each with that warehouse's quantity."""
    found = [p for p in pushes if warehouse in p.by_location]
    return [StockPush(p.external_id, p.by_location[warehouse]) for p in found]


def _all_applied(pushes: list[StockPush], answers: list[list[PushOutcome]]) -> list[PushOutcome]:
    """One outcome per row: the first refusal a warehouse gave it; applied when every
    warehouse it was sent to applied it; else no outcome (the pusher tries it again)."""
    refused: dict[str, PushOutcome] = {}
    applied: dict[str, int] = {}
    for outcomes in answers:
        for outcome in outcomes:
            if not outcome.ok:
                refused.setdefault(outcome.external_id, outcome)
            else:
                applied[outcome.external_id] = applied.get(outcome.external_id, 0) + 1
    found = []
    for push in pushes:
        if push.external_id in refused:
            found.append(refused[push.external_id])
        elif applied.get(push.external_id, 0) == len(push.by_location):
            found.append(PushOutcome(push.external_id, ok=True))
    return found


def _stock_update(
    client: TokopediaClient, shop_id: int, pushes: list[StockPush], warehouse_id: int | None
) -> list[PushOutcome]:
    rows = [StockUpdate(product_id=int(p.external_id), new_stock=p.quantity) for p in pushes]
    result = client.update_stock(shop_id, rows, warehouse_id=warehouse_id)
    return [
        PushOutcome(
            external_id=str(row.item.product_id),
            ok=row.ok,
            message=row.message,
            permanent=not row.ok and row.message.strip() in PERMANENT_ROW_MESSAGES,
        )
        for row in result.rows
    ]


def push_prices(
    client: TokopediaClient, shop_id: int, pushes: list[PricePush]
) -> list[PushOutcome]:
    """Set prices (whole rupiah), 100 rows a call, one outcome per row; a price refused as
    out of range or during a campaign is permanent (``errors.PRICE_REFUSAL_WORDS``)."""
    rows = [PriceUpdate(product_id=int(p.external_id), new_price=p.price) for p in pushes]
    result = client.update_price(shop_id, rows)
    outcomes = [
        PushOutcome(
            external_id=str(row.item.product_id),
            ok=row.ok,
            message=row.message,
            permanent=not row.ok and row.message.strip() in PERMANENT_ROW_MESSAGES,
        )
        for row in result.rows
    ]
    return price_refusals(outcomes, PRICE_REFUSAL_WORDS)


class TokopediaCatalog:
    """A shop's products as sellable units: variant parents are families, not units."""

    def __init__(self, client: TokopediaClient, shop_id: int) -> None:
        self.client, self.shop_id = client, shop_id
        self._families: dict[int, _Family] = {}

    def page(self, number: int) -> UnitPage:
        """One page of sellable units (thread-safe: the client and its budget are)."""
        return UnitPage(number, self._units(self.client.get_product_page(self.shop_id, number)))

    def close(self) -> None:
        self.client.close()

    def _units(self, products: list[Product]) -> list[ChannelUnit]:
        for product in products:
            if product.is_variant_parent:
                self._families[product.product_id] = _Family.of(product)
        self._learn_missing_parents(products)
        return [self._unit(p) for p in products if not p.is_variant_parent]

    def _learn_missing_parents(self, products: list[Product]) -> None:
        # A child may come on an earlier page than its parent (or after a resume): look the
        # missing parents up in one call, so the master product gets the family's name and
        # the child the family's status.
        missing = {pid for p in products if (pid := _parent_id(p)) and pid not in self._families}
        if missing:
            for parent in self.client.get_products(sorted(missing)):
                self._families[parent.product_id] = _Family.of(parent)

    def _unit(self, product: Product) -> ChannelUnit:
        parent = _parent_id(product)
        family = self._families.get(parent) if parent else None
        is_active, label = _status(product.basic.status, family)
        return ChannelUnit(
            external_id=str(product.product_id),
            sku=product.sku,
            name=product.basic.name,
            is_active=is_active,
            status_label=label,
            stock=product.stock.value,
            price=round(product.price.value),
            parent_external_id=str(parent) if parent else "",
            family_name=family.name if family else "",
        )


@dataclass(frozen=True)
class _Family:
    name: str
    status: int

    @classmethod
    def of(cls, parent: Product) -> _Family:
        return cls(parent.basic.name, parent.basic.status)


def _status(own: int, family: _Family | None) -> tuple[bool, str]:
    """Whether a unit sells, and the label that says why not. A child of a banned or inactive
    parent is not sellable whatever its own status (buyers cannot reach it), so it is inactive
    and the label names the parent's status; a parent never looked up is taken as active."""
    if own in ACTIVE_STATUSES and family is not None and family.status not in ACTIVE_STATUSES:
        return False, PARENT_STATUS_LABELS.get(family.status, str(family.status))
    return own in ACTIVE_STATUSES, STATUS_LABELS.get(own, str(own))


def _parent_id(product: Product) -> int | None:
    if product.variant is None or not product.variant.is_variant:
        return None
    return product.variant.parent_id
