"""Shopee's documented error codes, each read for what it is: a dead access token (refresh it),
wrong keys or sign (reconnect; spending the single-use refresh token would lose the shop), the
shop not linked or closed, throttling, a transient failure (retry), a listing that is gone
(permanent), and a request Shopee could not read (our bug: logged loudly, never blamed on the
listing). Table-driven through the sandbox, which answers the given error, and as a table.

And the stock of an item without ``stock_info_v2``: the older ``stock_info`` is read, and with
neither the unit is reported as "stock unknown", never imported as a silent 0."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import translation
from shopee_client_helpers import DEMO_SHOP, FAST_RETRIES, api_stats

from satustok.channels.http.errors import (
    Action,
    ActionRejected,
    ChannelError,
    CredentialsRejected,
    NotAssociated,
    NotFound,
    RateLimited,
    ServerError,
    ShopClosed,
    TokenExpired,
)
from satustok.channels.protocol import STOCK_UNKNOWN_LABEL, StockPush
from satustok.channels.shopee import adapter
from satustok.channels.shopee.client import CANCEL_ORDER, TOKEN_REFRESH, UPDATE_STOCK
from satustok.channels.shopee.errors import (
    RULES,
    UNKNOWN_CODE,
    RequestShapeRefused,
    ShopBanned,
    rule_for,
)
from satustok.channels.shopee.schemas import ItemBaseInfo, ModelList
from satustok.channels.shopee.tokens import ShopSession
from satustok.sync.models import Bucket, ImportRow
from satustok.sync.report import reason_for

if TYPE_CHECKING:
    from satustok.channels.models import ChannelAccount
    from satustok.channels.shopee.client import ShopeeClient
    from satustok_sandbox.shopee.handle import ShopeeControl

SINGLE = 20000100001  # an item without models in the demo shop
REFRESH = "auth/access_token/get"
STOCK_API = "product/update_stock"

# --- the table: every code researched from Shopee's published lists has its own row ---------

# (code, a message Shopee sends with it, what it is, what the client does)
DOCUMENTED: list[tuple[str, str, type[ChannelError], Action]] = [
    # the access token is dead: refresh it once
    ("error_auth", "Invalid access_token.", TokenExpired, Action.REFRESH_TOKEN),
    ("invalid_acceess_token", "Invalid access_token.", TokenExpired, Action.REFRESH_TOKEN),
    ("error_invalid_access_token", "", TokenExpired, Action.REFRESH_TOKEN),
    ("error_access_token_expired", "", TokenExpired, Action.REFRESH_TOKEN),
    # keys or sign wrong: reconnect, never refresh
    ("error_auth", "Invalid partner_id or shopid.", CredentialsRejected, Action.FAIL),
    ("error_auth", "Invalid sign", CredentialsRejected, Action.FAIL),
    ("error_auth", "You have no valid partnerid.", CredentialsRejected, Action.FAIL),
    ("error_sign", "Wrong sign.", CredentialsRejected, Action.FAIL),
    ("error_param", "Invalid partner_id.", CredentialsRejected, Action.FAIL),
    # the shop: not linked to the app, closed, on holiday
    ("error_auth", "No permission to current api.", NotAssociated, Action.FAIL),
    ("error_auth", "partner does not have permission to operate shop", NotAssociated, Action.FAIL),
    ("error_auth", "You are not authorized", NotAssociated, Action.FAIL),
    (
        "error_permission",
        "Please link shop and partner on seller center.",
        NotAssociated,
        Action.FAIL,
    ),
    (
        "order. error_permission",
        "Please link shop and partner on seller center first.",
        NotAssociated,
        Action.FAIL,
    ),
    ("shop_no_linked", "", NotAssociated, Action.FAIL),
    ("error_shop_not_found", "Shop is not found.", NotAssociated, Action.FAIL),
    ("error_auth_shop_not_found", "Shop is not found.", NotAssociated, Action.FAIL),
    ("error_param_shop_id_not_found", "Shop_id is not found.", NotAssociated, Action.FAIL),
    ("shopid_invalid", "Shopid is invalid.", NotAssociated, Action.FAIL),
    (
        "error_param",
        "The shop id you provided is not found. Please check your shop id.",
        NotAssociated,
        Action.FAIL,
    ),
    ("error_busi_invalid_shop_status", "Shop status invalid.", ShopClosed, Action.FAIL),
    ("error_busi_invalid_account_status", "Account status is invalid.", ShopClosed, Action.FAIL),
    (
        "error_holiday_mode_change_stock",
        "Cannot change stock in holiday mode.",
        ShopClosed,
        Action.FAIL,
    ),
    (
        "error_auth",
        "Please wait for the holiday mode set then to edit item. Please try later.",
        ShopClosed,
        Action.FAIL,
    ),
    # throttled
    ("error_rate_limit", "", RateLimited, Action.RATE_LIMITED),
    ("error_limit", "", RateLimited, Action.RATE_LIMITED),
    ("error_server", "Too many requests, please try again later", RateLimited, Action.RATE_LIMITED),
    # transient: the same request may succeed later
    ("error_network", "Inner http call failed", ServerError, Action.RETRY),
    ("error_get_shop_fail", "Get shop failed. please try later.", ServerError, Action.RETRY),
    (
        "error_database",
        "Database connection issue. Please try again later.",
        ServerError,
        Action.RETRY,
    ),
    ("error_config", "Something is wrong, please try again later.", ServerError, Action.RETRY),
    ("error_order", "Something wrong. Please try again later.", ServerError, Action.RETRY),
    ("error_shop", "System error, please try again later.", ServerError, Action.RETRY),
    ("error_unknown", "Core server error.", ServerError, Action.RETRY),
    ("get_item_error_server", "Get item failed.", ServerError, Action.RETRY),
    ("internal_error", "Something wrong. Please try again later.", ServerError, Action.RETRY),
    ("server_internal_error", "", ServerError, Action.RETRY),
    (
        "error_busi_update_sock_failed",
        "Update normal_stock failed, please try later.",
        ServerError,
        Action.RETRY,
    ),
    (
        "error_update_price_fail",
        "Update price failed, please try later.",
        ServerError,
        Action.RETRY,
    ),
    ("error_data", "Something wrong. Please try later. [20]", ServerError, Action.RETRY),
    ("error_data", "Query order info failed. Please try later.", ServerError, Action.RETRY),
    (
        "error_not_found",
        "Fail to get order fulfillment group, please try again later.",
        ServerError,
        Action.RETRY,
    ),
    ("error_brand_new", "Boost item failed. please try later.", ServerError, Action.RETRY),
    # the item or model is gone: permanent for the listing
    ("error_item_not_found", "Item_id is not found.", NotFound, Action.FAIL),
    ("error_item_or_variation_not_found", "Item or model doesn't exist.", NotFound, Action.FAIL),
    ("error_item_not_belong_shop", "Item not belong to shop.", NotFound, Action.FAIL),
    ("product.item_not_exist", "Item (ID 1) is not exist.", NotFound, Action.FAIL),
    ("error_data", "data not exist", NotFound, Action.FAIL),
    (
        "order_not_found",
        "Order SN provided is invalid or does not belong to you.",
        NotFound,
        Action.FAIL,
    ),
    (
        "error_wrong_modelid",
        "The model_id is wrong or not related to this item",
        NotFound,
        Action.FAIL,
    ),
    ("error_model_invalid_model_id", "Invalid model_id.", NotFound, Action.FAIL),
    (
        "error_item_model_not_match",
        "Input item_id and model_id are not match.",
        NotFound,
        Action.FAIL,
    ),
    ("error_param", "Wrong model_id.", NotFound, Action.FAIL),
    ("error_edit_item_stock_for_item_has_model", "", NotFound, Action.FAIL),
    # business rules: well formed, refused for now
    ("error_auth", "Stock should be larger than reserved stock.", ActionRejected, Action.FAIL),
    (
        "error_param",
        "Can not update item with stock less than reserved stock",
        ActionRejected,
        Action.FAIL,
    ),
    ("error_auth", "Lack of location_id, please double check.", ActionRejected, Action.FAIL),
    ("error_promotion_cantnot_update_stock", "", ActionRejected, Action.FAIL),
    ("error_cannt_edit_stock_in_promotion", "", ActionRejected, Action.FAIL),
    ("error_model_update_stock_model_in_promotion", "", ActionRejected, Action.FAIL),
    ("error_stock_bigger_then_limit", "", ActionRejected, Action.FAIL),
    ("error_stock_less_then_min_limit", "", ActionRejected, Action.FAIL),
    ("error_item_uneditable", "", ActionRejected, Action.FAIL),
    ("error_busi_item_status_invalid", "Invalid item status.", ActionRejected, Action.FAIL),
    (
        "error_auth_model_is_pff",
        "Item/Model Fulfillment by Shopee  can not be update.",
        ActionRejected,
        Action.FAIL,
    ),
    (
        "error_wms_shop_block_upate_stock",
        "Warehouse shop can't update stock.",
        ActionRejected,
        Action.FAIL,
    ),
    ("order.cancel_order_invalid_status", "", ActionRejected, Action.FAIL),
    ("order.order_status_invalid", "", ActionRejected, Action.FAIL),
    # the request's shape: the hub's bug
    ("error_data", "parse data failed", RequestShapeRefused, Action.FAIL),
    ("error_data", "lack of param", RequestShapeRefused, Action.FAIL),
    (
        "product.error_param",
        "mpsku_item.StockList: decode slice: expect [",
        RequestShapeRefused,
        Action.FAIL,
    ),
    ("invalid_request", "Parse the request failed", RequestShapeRefused, Action.FAIL),
    ("invalid_param", "Parameters in the request are invalid", RequestShapeRefused, Action.FAIL),
    ("error_param_format", "Core server error.", RequestShapeRefused, Action.FAIL),
    ("error_duplicate_modelid", "The model_id is duplicate", RequestShapeRefused, Action.FAIL),
    ("error_invalid_item_list", "Invalid item_id_list", RequestShapeRefused, Action.FAIL),
    ("error_query_limit_max", "Limit is above the maximum", RequestShapeRefused, Action.FAIL),
    (
        "exceed_max_limit",
        "Your request exceeds the max limit of 50 orders.",
        RequestShapeRefused,
        Action.FAIL,
    ),
    (
        "time_period_too_large",
        "The param error: time period too large.",
        RequestShapeRefused,
        Action.FAIL,
    ),
    ("order.order_list_invalid_time", "", RequestShapeRefused, Action.FAIL),
]


@pytest.mark.dbless
@pytest.mark.parametrize(("code", "message", "error", "action"), DOCUMENTED)
def test_each_documented_code_is_read_for_what_it_is(
    code: str, message: str, error: type[ChannelError], action: Action
) -> None:
    rule = rule_for(200, code, message)
    assert (rule.error, rule.action) == (error, action)
    assert rule is not RULES[UNKNOWN_CODE]


@pytest.mark.dbless
def test_an_error_auth_that_names_no_token_never_asks_for_a_refresh() -> None:
    refreshing = [
        (code, message)
        for code, message, _error, _action in DOCUMENTED
        if code == "error_auth"
        and "access_token" not in message
        and rule_for(200, code, message).action is Action.REFRESH_TOKEN
    ]
    assert refreshing == []
    assert rule_for(200, "error_auth", "").action is not Action.REFRESH_TOKEN


@pytest.mark.dbless
def test_non_permanent_explanations_do_not_sound_permanent() -> None:
    """A refused call's message ends with the table's explanation, and the adapter marks a
    listing permanently failed on words ("not found", "deleted"…): only NotFound rows and
    Shopee's own words may say so."""
    for key, rule in RULES.items():
        # ShopBanned: Shopee's own message ("The shop is banned.") says it anyway.
        if issubclass(rule.error, NotFound | ShopBanned):
            continue
        said = rule.explanation.lower()
        assert not any(words in said for words in adapter.PERMANENT_REASONS), key


# --- through the sandbox: what the push does with each kind ---------------------------------


@dataclass(frozen=True)
class Pushed:
    code: str
    message: str
    permanent: bool | None  # None: the push raises instead
    retried: bool


PUSHES = [
    Pushed("error_network", "Inner http call failed", permanent=False, retried=True),
    Pushed(
        "error_get_shop_fail", "Get shop failed. please try later.", permanent=False, retried=True
    ),
    Pushed("error_data", "parse data failed", permanent=False, retried=False),
    Pushed("error_item_not_found", "Item_id is not found.", permanent=True, retried=False),
    Pushed(
        "error_holiday_mode_change_stock",
        "Cannot change stock in holiday mode.",
        permanent=False,
        retried=False,
    ),
    Pushed(
        "error_promotion_cantnot_update_stock",
        "Cannot change stock when item is under promotion.",
        permanent=False,
        retried=False,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", PUSHES, ids=lambda case: f"{case.code}:{case.message[:20]}")
def test_a_refused_push_is_permanent_only_when_the_listing_is_gone(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl, case: Pushed
) -> None:
    shopee_hub.set_faults(forced={STOCK_API: {"error": case.code, "message": case.message}})
    session = ShopSession(shopee_account, retry_policy=FAST_RETRIES)
    try:
        [outcome] = adapter.push_stock(session, [StockPush(f"{SINGLE}:0", 7)])
    finally:
        session.close()
    assert (outcome.ok, outcome.permanent) == (False, case.permanent)
    assert case.message in outcome.message
    calls = api_stats(shopee_hub, STOCK_API)["calls"]
    assert calls == (FAST_RETRIES.max_attempts if case.retried else 1)
    assert api_stats(shopee_hub, REFRESH)["calls"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("message", "raised"),
    [
        ("Invalid partner_id or shopid.", CredentialsRejected),
        ("Invalid sign", CredentialsRejected),
        ("No permission to current api.", NotAssociated),
    ],
)
def test_an_error_auth_about_keys_or_permission_keeps_the_refresh_token(
    shopee_account: ChannelAccount,
    shopee_hub: ShopeeControl,
    message: str,
    raised: type[ChannelError],
) -> None:
    refresh_token = shopee_account.refresh_token.reveal()
    shopee_hub.set_faults(forced={STOCK_API: {"error": "error_auth", "message": message}})
    with pytest.raises(raised):
        adapter.ShopeeConnector().push_stock(shopee_account, [StockPush(f"{SINGLE}:0", 7)])
    assert api_stats(shopee_hub, REFRESH)["calls"] == 0
    shopee_account.refresh_from_db()
    assert shopee_account.refresh_token.reveal() == refresh_token
    assert api_stats(shopee_hub, STOCK_API)["calls"] == 1


@pytest.mark.django_db
def test_an_error_auth_about_the_access_token_refreshes_once_and_goes_through(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    forced = {"error": "error_auth", "message": "Invalid access_token.", "count": 1}
    shopee_hub.set_faults(forced={STOCK_API: forced})
    [outcome] = adapter.ShopeeConnector().push_stock(shopee_account, [StockPush(f"{SINGLE}:0", 7)])
    assert outcome.ok
    assert api_stats(shopee_hub, REFRESH)["calls"] == 1
    assert shopee_hub.model_stock(SINGLE)["stock"] == 7


@pytest.mark.django_db
def test_a_request_shopee_cannot_read_is_logged_as_the_hubs_bug(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl, caplog: pytest.LogCaptureFixture
) -> None:
    shopee_hub.set_faults(
        forced={STOCK_API: {"error": "error_data", "message": "parse data failed"}}
    )
    with caplog.at_level(logging.ERROR, logger="satustok.channels.shopee.client"):
        [outcome] = adapter.ShopeeConnector().push_stock(
            shopee_account, [StockPush(f"{SINGLE}:0", 7)]
        )
    assert not outcome.permanent
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert logged and "bug in satustok" in logged[0].getMessage()
    assert "parse data failed" in logged[0].getMessage()


# --- the sandbox refuses the shapes Shopee's typed decoder refuses ---------------------------


@pytest.mark.dbless
@pytest.mark.parametrize(
    "entry",
    [
        {"model_id": "0", "seller_stock": [{"stock": 5}]},
        {"model_id": 0, "seller_stock": [{"stock": "5"}]},
        {"model_id": 0, "seller_stock": 5},
        {"model_id": 0, "seller_stock": [{"stock": 5, "location_id": 1}]},
    ],
)
def test_update_stock_with_a_field_of_the_wrong_type_is_refused_as_a_whole(
    client: ShopeeClient, shopee: ShopeeControl, entry: dict[str, object]
) -> None:
    before = shopee.model_stock(SINGLE)["stock"]
    with pytest.raises(RequestShapeRefused) as refused:
        client._call(UPDATE_STOCK, body={"item_id": SINGLE, "stock_list": [entry]})
    assert refused.value.error_code == "product.error_param"
    assert shopee.model_stock(SINGLE)["stock"] == before


# --- an item without stock_info_v2 --------------------------------------------------------------


def _item(**fields: object) -> ItemBaseInfo:
    return ItemBaseInfo.model_validate(
        {"item_id": 5, "item_name": "Kaos", "item_sku": "K-1", "item_status": "NORMAL", **fields}
    )


@pytest.mark.dbless
def test_an_item_with_stock_info_v2_reads_the_sellers_stock() -> None:
    unit = adapter._item_unit(_item(stock_info_v2={"seller_stock": [{"stock": 4}, {"stock": 3}]}))
    assert (unit.stock, unit.is_active) == (7, True)


@pytest.mark.dbless
def test_without_stock_info_v2_the_older_stock_info_is_read() -> None:
    legacy = [
        {"stock_type": 2, "normal_stock": 6, "current_stock": 5},
        {"stock_type": 1, "normal_stock": 40},  # Shopee's warehouse: not the seller's to set
    ]
    unit = adapter._item_unit(_item(stock_info=legacy))
    assert (unit.stock, unit.is_active, unit.status_label) == (6, True, "Active")


@pytest.mark.dbless
def test_without_any_stock_field_the_unit_is_stock_unknown_never_zero() -> None:
    unit = adapter._item_unit(_item())
    assert not unit.is_active and unit.status_label == STOCK_UNKNOWN_LABEL
    models = ModelList.model_validate(
        {"tier_variation": [], "model": [{"model_id": 9, "model_sku": "K-1-M"}]}
    )
    model_unit = adapter._model_unit(_item(has_model=True), models.model[0], models)
    assert not model_unit.is_active and model_unit.status_label == STOCK_UNKNOWN_LABEL


@pytest.mark.dbless
def test_the_not_imported_list_says_the_stock_is_unknown() -> None:
    row = ImportRow(bucket=Bucket.SKIPPED_INACTIVE, status_label=STOCK_UNKNOWN_LABEL)
    with translation.override("en"):
        assert "did not say how much stock" in reason_for(row)
    assert "tidak menyebutkan berapa stok" in reason_for(row)  # the default language


@pytest.mark.dbless
@pytest.mark.parametrize("reason", ["out_of_stock", " OUT_OF_STOCK", 1])
def test_cancel_order_takes_the_reason_exactly_as_spelled(
    client: ShopeeClient, reason: object
) -> None:
    body = {"order_sn": "260101ABCDEFGH", "cancel_reason": reason}
    with pytest.raises(RequestShapeRefused) as refused:
        client._call(CANCEL_ORDER, body=body)
    assert refused.value.error_code == "order.error_param"
    assert "cancel_reason" in refused.value.message


@pytest.mark.dbless
@pytest.mark.parametrize("field", ["shop_id", "partner_id"])
def test_the_token_endpoint_takes_integers_as_integers(
    make_client: Any, shopee: ShopeeControl, field: str
) -> None:
    tokens = shopee.issue_tokens(DEMO_SHOP)
    body: dict[str, object] = {
        "refresh_token": tokens["refresh_token"],
        "partner_id": shopee.partner_id,
        "shop_id": DEMO_SHOP,
    }
    body[field] = str(body[field])  # "7700001": Shopee's typed decoder refuses it
    with pytest.raises(RequestShapeRefused, match="expect an integer"):
        make_client()._call(TOKEN_REFRESH, body=body)
    # The refresh token was not spent: it still renews.
    renewed = make_client().refresh_tokens(tokens["refresh_token"], DEMO_SHOP)
    assert renewed.access_token
