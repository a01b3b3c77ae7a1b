"""Shopee in the hub's words: the connector the registry hands out.

Maps Shopee payloads (``schemas.py``) onto the channel-neutral records of
``channels/protocol.py``. A Shopee shop is connected by the seller's approval on Shopee's own
page (:meth:`ShopeeConnector.authorization_url`, then :meth:`~ShopeeConnector.
complete_authorization` with the code Shopee sends back); after that every shop call goes
through ``tokens.ShopSession``, which keeps the single-use refresh token safe.

A sellable unit is a *model* (variant) of an item, or an item without models (model 0); its
external id is ``"{item_id}:{model_id}"`` everywhere — listings, stock pushes and order lines —
because a stock update names both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext_noop

from satustok.channels import protocol, registry
from satustok.channels.http.errors import ChannelError, ValidationError
from satustok.channels.http.retry import INTERACTIVE_RETRIES
from satustok.channels.protocol import (
    STOCK_UNKNOWN_LABEL,
    Authorization,
    ChannelUnit,
    PricePush,
    PushOutcome,
    ShopProfile,
    ShopWarehouse,
    StockPush,
    UnitPage,
)
from satustok.channels.pushing import (
    Pushed,
    Rows,
    T,
    group_pushes,
    price_refusals,
    push_groups,
    row_outcomes,
    split_unit_id,
)
from satustok.channels.shopee.client import PartnerApp, ShopeeClient
from satustok.channels.shopee.errors import PRICE_REFUSAL_WORDS
from satustok.channels.shopee.fulfilment import INTERACTIVE_DOCUMENT_WAIT
from satustok.channels.shopee.orders import ShopeeOrders
from satustok.channels.shopee.schemas import (
    ItemBaseInfo,
    LegacyStock,
    Model,
    ModelList,
    PriceUpdateResult,
    ShopInfo,
    StockInfoV2,
    StockUpdateResult,
    WarehouseDetail,
    legacy_seller_stock,
)
from satustok.channels.shopee.tokens import REFRESH_TOKEN_LIFETIME, ShopSession

ITEMS_PER_PAGE = 100  # get_item_list's largest page
# Every status a seller can still act on: the importer puts inactive and banned units in their
# own buckets (so the seller sees why they are not followed) instead of missing them.
ITEM_STATUSES = ("NORMAL", "UNLIST", "BANNED", "REVIEWING")
ACTIVE_ITEM_STATUS = "NORMAL"
NO_MODEL = 0  # the model id of an item without models, in stock updates and orders

STATUS_LABELS = {
    "NORMAL": gettext_noop("Active"),
    "UNLIST": gettext_noop("Unlisted"),
    "BANNED": gettext_noop("Banned"),
    "REVIEWING": gettext_noop("Pending review"),
    "SELLER_DELETE": gettext_noop("Deleted"),
    "SHOPEE_DELETE": gettext_noop("Deleted"),
    "DELETED": gettext_noop("Deleted"),
}
MODEL_UNAVAILABLE_LABEL = gettext_noop("Variant unavailable")
# A model is only sellable while its item is: the item's status, said as the parent's.
PARENT_STATUS_LABELS = {
    "UNLIST": gettext_noop("Parent unlisted"),
    "BANNED": gettext_noop("Parent banned"),
    "REVIEWING": gettext_noop("Parent pending review"),
    "SELLER_DELETE": gettext_noop("Parent deleted"),
    "SHOPEE_DELETE": gettext_noop("Parent deleted"),
    "DELETED": gettext_noop("Parent deleted"),
}
CLOSED_SHOP_REASONS = {
    "BANNED": gettext_noop("banned by Shopee"),
    "FROZEN": gettext_noop("frozen by Shopee"),
}

# Refusals of a row that no retry will change: the listing needs the seller's attention.
PERMANENT_REASONS = (
    "wrong model_id",
    "deleted",
    "banned",
    "not found",
    "not belong",
    "fulfillment by shopee",  # error_auth_*_is_pff: Shopee's warehouse keeps the stock
    "warehouse shop can't update stock",
)


log = logging.getLogger(__name__)


def unit_id(item_id: int, model_id: int) -> str:
    return f"{item_id}:{model_id}"


def parse_unit_id(external_id: str) -> tuple[int, int]:
    """``"20000100037:90000200001"`` → ``(20000100037, 90000200001)``; ValueError otherwise."""
    item, model = split_unit_id(external_id, "Shopee unit id (item:model)")
    return int(item), int(model)


def _app(credentials: protocol.Credentials) -> PartnerApp:
    if not credentials.app_id.strip().isdigit():
        raise ValidationError("the Partner ID must be a number")
    return PartnerApp(int(credentials.app_id), credentials.client_secret)


def _shop_number(shop_id: str) -> int:
    if not str(shop_id).strip().isdigit():
        raise ValidationError(f"the Shopee shop id must be a number: {shop_id!r}")
    return int(shop_id)


def shop_profile(
    info: ShopInfo, shop_id: str, warehouses: Sequence[WarehouseDetail] = ()
) -> ShopProfile:
    status = info.status.upper()
    return ShopProfile(
        shop_id=str(info.shop_id or shop_id),
        name=info.shop_name,
        is_open=info.is_open,
        close_reason="" if info.is_open else CLOSED_SHOP_REASONS.get(status, status.lower()),
        warehouses=_shop_locations(warehouses),
    )


def _shop_locations(warehouses: Sequence[WarehouseDetail]) -> tuple[ShopWarehouse, ...]:
    """The shop's stock locations; Shopee marks no default, so the first listed is taken as
    it (the one a stock update without ``location_id`` sets on a one-location shop)."""
    found = [w for w in warehouses if w.location_id]
    return tuple(
        ShopWarehouse(w.location_id, w.warehouse_name or w.location_id, is_default=index == 0)
        for index, w in enumerate(found)
    )


def _read_locations(client: ShopeeClient) -> list[WarehouseDetail]:
    """The shop's locations, or none when Shopee will not list them: connecting never fails
    for want of them (the shop is then pushed as one quantity, as before)."""
    try:
        return client.get_warehouse_detail()
    except ChannelError as error:
        log.info("Shopee warehouses not read: %s", error)
        return []


class ShopeeConnector:
    channel = "shopee"
    label = "Shopee"
    max_push_batch = 50  # update_stock takes 50 models of one item a call
    max_shown_stock = None  # no limit stated in the reference sheet

    # --- connecting: the seller approves the hub on Shopee's page ------------------------------

    def authorization_url(
        self, credentials: protocol.Credentials, redirect_url: str, state: str
    ) -> str:
        """A signed link to Shopee's approval page, valid 5 minutes (no request is made).
        Shopee returns to the redirect given here, so ``state`` rides in its query."""
        back = f"{redirect_url}{'&' if '?' in redirect_url else '?'}{urlencode({'state': state})}"
        with ShopeeClient(_app(credentials), api_url=registry.setting("SHOPEE_API_URL")) as client:
            return client.authorization_url(back)

    def complete_authorization(
        self, credentials: protocol.Credentials, code: str, shop_id: str
    ) -> Authorization:
        """Trade the one-time code for tokens, then read the shop with the new access token."""
        shop = _shop_number(shop_id)
        with ShopeeClient(
            _app(credentials),
            api_url=registry.setting("SHOPEE_API_URL"),
            shop_id=shop,
            retry_policy=INTERACTIVE_RETRIES,
        ) as client:
            tokens = client.fetch_tokens(code, shop)
            client.with_access_token(tokens.access_token)
            info = client.get_shop_info()
            warehouses = _read_locations(client)
        return Authorization(
            profile=shop_profile(info, str(shop), warehouses),
            access_token=tokens.access_token,
            access_expires_at=tokens.expires_at,
            refresh_token=tokens.refresh_token,
            refresh_expires_at=timezone.now() + REFRESH_TOKEN_LIFETIME,
            authorization_expires_at=info.authorization_expires_at,
        )

    def verify(self, credentials: protocol.Credentials, shop_id: str) -> ShopProfile:
        """Not used for Shopee: a partner key alone cannot reach a shop."""
        raise ValidationError(
            "Shopee shops are connected through Shopee's authorization page: the seller "
            "approves the hub there, and Shopee sends the hub a one-time code for the shop"
        )

    # --- a connected shop ----------------------------------------------------------------------

    def catalog_source(self, account) -> ShopeeCatalog:  # type: ignore[no-untyped-def]
        return ShopeeCatalog(ShopSession(account))

    def push_stock(self, account, pushes: list[StockPush]) -> list[PushOutcome]:  # type: ignore[no-untyped-def]
        located = _at_default_location(getattr(account, "shop_warehouses", None), pushes)
        session = ShopSession(account)
        try:
            return push_stock(session, located)
        finally:
            session.close()

    def push_prices(self, account, pushes: list[PricePush]) -> list[PushOutcome]:  # type: ignore[no-untyped-def]
        session = ShopSession(account)
        try:
            return push_prices(session, pushes)
        finally:
            session.close()

    def orders(self, account, *, interactive: bool = False) -> ShopeeOrders:  # type: ignore[no-untyped-def]
        """The integration's orders; the session is built on first use (no I/O here)."""
        policy = INTERACTIVE_RETRIES if interactive else None
        source = ShopeeOrders(account, lambda: ShopSession(account, retry_policy=policy))
        if interactive:
            source.document_wait = INTERACTIVE_DOCUMENT_WAIT
        return source


# --- stock push ----------------------------------------------------------------------------------


def push_stock(session: ShopSession, pushes: list[StockPush]) -> list[PushOutcome]:
    """Set absolute stock: one update_stock call per item (the client splits past 50 models),
    one outcome per row (``channels/pushing.py`` says what a failed call means for its rows).
    A refused authorization (``AuthorizationEnded``) or a shop no longer linked raises."""
    by_item, refused = group_pushes(pushes, parse_unit_id)

    def update(item_id: int, rows: Rows[int]) -> StockUpdateResult:
        # A shop pushed per location sets each location's seller_stock (Shopee refuses a stock
        # without location_id from a shop with several locations).
        stocks = [(model_id, push.by_location or push.quantity) for model_id, push in rows]
        return session.call(lambda client: client.update_stock(item_id, stocks))

    return refused + push_groups(by_item, update, _row_outcomes, PERMANENT_REASONS)


def _at_default_location(
    shop_warehouses: list[dict[str, object]] | None, pushes: list[StockPush]
) -> list[StockPush]:
    """A shop with several locations whose locations the seller has not mapped to hub
    warehouses: Shopee refuses a stock without ``location_id`` from it, so the quantity goes
    to the shop's default location and the others are set to 0 (as on TikTok Shop), and the
    shop shows exactly the hub's quantity."""
    ids = [str(w["id"]) for w in shop_warehouses or [] if w.get("id")]
    if len(ids) < 2:
        return pushes
    default = next((str(w["id"]) for w in shop_warehouses or [] if w.get("is_default")), ids[0])
    return [
        push
        if push.by_location
        else replace(push, by_location={i: push.quantity if i == default else 0 for i in ids})
        for push in pushes
    ]


def push_prices(session: ShopSession, pushes: list[PricePush]) -> list[PushOutcome]:
    """Set prices (whole rupiah): one update_price call per item, one outcome per row; a
    price refused as out of range or during a promotion is permanent
    (``errors.PRICE_REFUSAL_WORDS``)."""
    by_item, refused = group_pushes(pushes, parse_unit_id)

    def update(item_id: int, rows: Pushed[int, PricePush]) -> PriceUpdateResult:
        prices = [(model_id, float(push.price)) for model_id, push in rows]
        return session.call(lambda client: client.update_price(item_id, prices))

    outcomes = push_groups(by_item, update, _row_outcomes, PERMANENT_REASONS)
    return refused + price_refusals(outcomes, PRICE_REFUSAL_WORDS)


def _row_outcomes(
    rows: Pushed[int, T], result: StockUpdateResult | PriceUpdateResult
) -> list[PushOutcome]:
    """Shopee names refused models in ``failure_list`` and applied ones in ``success_list``; a
    model in neither got no answer, and is tried again."""
    failed = {row.model_id: row.failed_reason or "refused" for row in result.failure_list}
    applied = {row.model_id for row in result.success_list}

    def unanswered(model_id: int) -> str | None:
        return None if model_id in applied else "no answer for this model"

    return row_outcomes(rows, failed, unanswered, PERMANENT_REASONS)


# --- catalogue -----------------------------------------------------------------------------------


class ShopeeCatalog:
    """A shop's items as sellable units (one per model, or the item itself without models).

    ``page(n)`` reads items ``(n-1)*100 …`` on its own, so any page can be read again after a
    crash, and several pages at once from threads (each call gets its own client)."""

    def __init__(self, session: ShopSession) -> None:
        self.session = session

    def page(self, number: int) -> UnitPage:
        """Page ``number`` (from 1); a page past the end has no units."""
        if number < 1:
            raise ValidationError(f"pages are numbered from 1, not {number}")
        offset = (number - 1) * ITEMS_PER_PAGE
        listed = self.session.call(
            lambda client: client.get_item_page(offset, ITEMS_PER_PAGE, ITEM_STATUSES)
        )
        return UnitPage(number, self._units(listed.item_ids) if listed.item_ids else [])

    def close(self) -> None:
        self.session.close()

    def _units(self, item_ids: list[int]) -> list[ChannelUnit]:
        found = {item.item_id: item for item in self.session.call(lambda c: c.get_items(item_ids))}
        units: list[ChannelUnit] = []
        for item_id in item_ids:  # Shopee's order, whatever order the base info came in
            item = found.get(item_id)
            if item is None:
                continue  # deleted between the two calls
            models = self._models(item) if item.has_model else ModelList()
            if models.model:
                units += [_model_unit(item, model, models) for model in models.model]
            else:
                units.append(_item_unit(item))
        return units

    def _models(self, item: ItemBaseInfo) -> ModelList:
        return self.session.call(lambda client: client.get_models(item.item_id))


def _item_unit(item: ItemBaseInfo) -> ChannelUnit:
    """An item without models (or one whose models could not be listed): one unit, model 0."""
    stock = _stock(item.stock_info_v2, item.stock_info)
    return ChannelUnit(
        external_id=unit_id(item.item_id, NO_MODEL),
        sku=item.item_sku,
        name=item.item_name,
        is_active=item.item_status == ACTIVE_ITEM_STATUS and stock is not None,
        status_label=_item_label(item) if stock is not None else STOCK_UNKNOWN_LABEL,
        stock=stock or 0,
        price=round(item.price or 0),
    )


def _model_unit(item: ItemBaseInfo, model: Model, models: ModelList) -> ChannelUnit:
    options = ", ".join(name for name in model.option_names(models.tier_variation) if name)
    item_active = item.item_status == ACTIVE_ITEM_STATUS
    stock = _stock(model.stock_info_v2, model.stock_info)
    return ChannelUnit(
        external_id=unit_id(item.item_id, model.model_id),
        sku=model.model_sku,
        name=f"{item.item_name} — {options}" if options else item.item_name,
        is_active=item_active and model.is_available and stock is not None,
        status_label=_model_label(item, model, stock),
        stock=stock or 0,
        price=round(model.price or 0),
        parent_external_id=str(item.item_id),
        family_name=item.item_name,
    )


def _item_label(item: ItemBaseInfo) -> str:
    return STATUS_LABELS.get(item.item_status, item.item_status)


def _model_label(item: ItemBaseInfo, model: Model, stock: int | None) -> str:
    # The item's status first: a banned or unlisted item's models are not sellable, whatever
    # their own status, and the label says it is the parent's.
    if item.item_status != ACTIVE_ITEM_STATUS:
        return PARENT_STATUS_LABELS.get(item.item_status, _item_label(item))
    if not model.is_available:
        return MODEL_UNAVAILABLE_LABEL
    return _item_label(item) if stock is not None else STOCK_UNKNOWN_LABEL


def _stock(info: StockInfoV2 | None, legacy: list[LegacyStock]) -> int | None:
    """The seller's stock over every location (what update_stock sets); the summary's available
    figure when Shopee sends no per-location rows. Without ``stock_info_v2`` the older
    ``stock_info`` rows are read; with neither, the stock is unknown (None) — never a silent
    0, which would import the listing as sold out and push 0 over the shop's real stock."""
    if info is None:
        return legacy_seller_stock(legacy)
    if info.seller_stock:
        return info.seller_total
    return info.summary_info.total_available_stock if info.summary_info else 0
