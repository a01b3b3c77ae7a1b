"""Integrations: list, show, connect a shop (*Add Integrations*), switch pushing on and off."""

import json
from datetime import datetime
from typing import Any, cast

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Field, Router, Schema, Status
from ninja.pagination import paginate

from satustok.api.access import requires
from satustok.api.errors import ApiError, errors_for_form, field_errors, invalid, not_found
from satustok.api.pagination import Page
from satustok.api.schemas import Input, errors
from satustok.channels import registry
from satustok.channels.connect import connect_shop
from satustok.channels.forms import ConnectForm
from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission, require
from satustok.inventory.models import Warehouse
from satustok.orders.moving import MoveRefused, move_integration
from satustok.orders.warehouse_switch import SwitchRefused, switch_warehouse
from satustok.sync import pusher

router = Router(tags=["integrations"])


class WarehouseOut(Schema):
    id: int
    code: str
    name: str


class IntegrationOut(Schema):
    id: int
    channel: str
    shop_id: str
    shop_name: str
    shop_url: str
    app_id: str = Field(description="the channel's app id (FS ID, Partner ID, App Key…)")
    client_id: str
    client_secret: str = Field(description="masked: never more than the last four characters")
    health: str
    health_message: str
    health_checked_at: datetime | None
    push_stock: bool
    warehouse: WarehouseOut = Field(description="the master warehouse feeding this channel")
    shop_warehouses: list[dict[str, Any]] = Field(description="the shop's own warehouses")
    listings: int
    created_at: datetime

    @staticmethod
    def resolve_client_secret(account: ChannelAccount) -> str:
        return account.client_secret.masked() if account.client_secret else ""

    @staticmethod
    def resolve_listings(account: ChannelAccount) -> int:
        return account.listing_count  # type: ignore[attr-defined]


def _connect_fields() -> str:
    lines = []
    for description in registry.descriptions():
        if description.by_approval_page:
            lines.append(f"- `{description.code}`: connects on its approval page (web UI or CLI)")
        else:
            form = registry.connect_form(description.code)
            lines.append(
                f"- `{description.code}`: " + ", ".join(f"`{f}`" for f in form.base_fields)
            )
    return "\n".join(lines)


def _credential_channels() -> list[str]:
    return [d.code for d in registry.descriptions() if not d.by_approval_page]


def _connect_example() -> dict[str, str]:
    channel = _credential_channels()[0]
    fields = registry.connect_form(channel).base_fields
    return {"channel": channel, **{name: "…" for name in fields}}


ConnectBody = dict[str, Any]
CONNECT_BODY = Body(..., examples=[_connect_example()])


def _text(value: object) -> str:
    """Numbers are accepted for ids (as the UI's text fields would read them)."""
    return value if isinstance(value, str) else json.dumps(value).strip('"')


def _connect_form(channel: str, fields: dict[str, str]) -> ConnectForm:
    """The channel's form, bound to the payload; a channel or field it does not know is a 422."""
    if channel not in _credential_channels():
        raise field_errors({"channel": [_channel_refusal(channel)]})
    form = registry.connect_form(channel)(fields)
    unknown = sorted(set(fields) - set(form.fields))
    if unknown:
        raise field_errors({name: [_("Unknown field.")] for name in unknown})
    if not form.is_valid():
        raise errors_for_form(form)
    return cast(ConnectForm, form)


def _channel_refusal(code: str) -> str:
    if code in registry.codes():
        return _(
            "%(channel)s connects on its own approval page: use the web UI or "
            "`satustok integrations authorize %(code)s`."
        ) % {"channel": registry.label(code), "code": code}
    return _("Unknown channel. Known: %(codes)s.") % {"codes": ", ".join(registry.codes())}


class SettingsIn(Input):
    push_stock: bool | None = Field(
        None, description="switching on pushes every linked listing's stock once"
    )
    warehouse: str | None = Field(
        None,
        description="code of the warehouse feeding the integration (Owners and Admins); "
        "open orders keep the warehouse they reserved in",
    )


def accounts() -> QuerySet[ChannelAccount]:
    return (
        ChannelAccount.objects.select_related("warehouse")
        .annotate(listing_count=Count("listings"))
        .order_by("pk")
    )


def get_account(pk: int) -> ChannelAccount:
    account = accounts().filter(pk=pk).first()
    if account is None:
        raise not_found("integration", pk)
    return account


@router.get("", response=list[IntegrationOut])
@paginate(Page)
@requires(Permission.MANAGE_INTEGRATIONS)
def list_integrations(request: HttpRequest) -> QuerySet[ChannelAccount]:
    return accounts()


@router.get("/{integration_id}", response={200: IntegrationOut, **errors(404)})
@requires(Permission.MANAGE_INTEGRATIONS)
def get_integration(request: HttpRequest, integration_id: int) -> ChannelAccount:
    return get_account(integration_id)


@router.post(
    "",
    response={201: IntegrationOut, **errors(400, 409, 422, 429, 502, 503)},
    summary="Connect a shop",
    description="Fields per channel:\n" + _connect_fields(),
)
@requires(Permission.MANAGE_INTEGRATIONS)
def connect(request: HttpRequest, payload: ConnectBody = CONNECT_BODY) -> Status[ChannelAccount]:
    """``channel`` (by default the first channel that connects with typed credentials) and its
    connect fields, checked by the same form as the web UI, then with the channel before
    anything is saved; each way this can fail has its own ``code`` (see docs/api.md). *Push
    stock* starts off."""
    fields = {name: _text(value) for name, value in payload.items()}
    channel = fields.pop("channel", "") or _credential_channels()[0]
    form = _connect_form(channel, fields)
    account = connect_shop(channel, form.credentials(), form.shop_id_value())
    return Status(201, get_account(account.pk))


@router.patch("/{integration_id}", response={200: IntegrationOut, **errors(404, 409, 422)})
@requires(Permission.SWITCH_PUSH)
def change_settings(request: HttpRequest, integration_id: int, payload: SettingsIn) -> Any:
    """Switching *push stock* on pushes every linked listing once, so the channel shows the
    master stock from then on."""
    account = get_account(integration_id)
    if payload.warehouse is not None:
        _switch_warehouse(request, account, payload.warehouse)
    if payload.push_stock is not None and payload.push_stock != account.push_stock:
        try:
            pusher.set_push_stock(account, payload.push_stock)
        except pusher.PushRefused as refused:
            raise invalid("push_stock", str(refused)) from None
    return get_account(integration_id)


def _switch_warehouse(request: HttpRequest, account: ChannelAccount, code: str) -> None:
    """Feed ``account`` from the warehouse with ``code`` (see orders/warehouse_switch.py)."""
    require(request.user, Permission.MANAGE_INTEGRATIONS)
    warehouse = Warehouse.objects.filter(code=code.strip()).first()
    if warehouse is None:
        raise invalid("warehouse", _("No warehouse with code %(code)s.") % {"code": code})
    try:
        switch_warehouse(account, warehouse)
    except SwitchRefused as refused:
        raise ApiError(409, "switch_refused", str(refused)) from None


class MoveIn(Input):
    to: int = Field(description="the integration that serves the shop now")


class MovedOut(Schema):
    moved: int
    to: int
    carried_over: int = Field(description="masters listed by both integrations")
    not_on_successor: list[str] = Field(description="SKUs only the old integration listed")
    open_orders: int = Field(description="orders the old integration follows until done")
    handed_over: int = Field(description="orders whose effect was undone: the other counts them")


@router.post(
    "/{integration_id}/move",
    response={200: MovedOut, **errors(404, 409, 422)},
    summary="Move a shop's integration onto another",
)
@requires(Permission.MANAGE_INTEGRATIONS)
def move(request: HttpRequest, integration_id: int, payload: MoveIn) -> MovedOut:
    """The shop of this integration is served by ``to`` now (a legacy Tokopedia integration onto
    the shop's TikTok Shop one): see docs/channels/tiktokshop.md. A refusal is a 409 whose
    ``reason`` says why; nothing is changed then."""
    legacy, successor = get_account(integration_id), get_account(payload.to)
    try:
        moved = move_integration(legacy, successor)
    except MoveRefused as refused:
        raise ApiError(409, "move_refused", str(refused), reason=refused.reason) from None
    return MovedOut(
        moved=legacy.pk,
        to=successor.pk,
        carried_over=moved.carried_over,
        not_on_successor=moved.not_on_successor,
        open_orders=moved.open_orders,
        handed_over=moved.handed_over,
    )
