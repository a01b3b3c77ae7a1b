"""Integrations: list, show, connect a shop (*Add Integrations*), switch pushing on and off."""

from datetime import datetime
from typing import Any, Literal

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from satustok.api.errors import errors_for_form, not_found
from satustok.api.pagination import Page
from satustok.api.schemas import Input, errors
from satustok.channels.connect import connect_shop
from satustok.channels.forms import DIGITS, TokopediaConnectForm
from satustok.channels.models import ChannelAccount
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
    fs_id: str = Field(description="Tokopedia's FS ID (the app id)")
    client_id: str
    client_secret: str = Field(description="masked: never more than the last four characters")
    health: str
    health_message: str
    health_checked_at: datetime | None
    push_stock: bool
    push_price: bool
    warehouse: WarehouseOut = Field(description="the master warehouse feeding this channel")
    shop_warehouses: list[dict[str, Any]] = Field(description="the shop's own warehouses")
    listings: int
    created_at: datetime

    @staticmethod
    def resolve_fs_id(account: ChannelAccount) -> str:
        return account.app_id

    @staticmethod
    def resolve_client_secret(account: ChannelAccount) -> str:
        return account.client_secret.masked() if account.client_secret else ""

    @staticmethod
    def resolve_listings(account: ChannelAccount) -> int:
        return account.listing_count  # type: ignore[attr-defined]


def _digits(example: str) -> Any:
    # The pattern is documented here and checked by the connect form, whose message ("FS ID is
    # a number, e.g. 15001.") is the UI's, rather than pydantic's, which quotes the regex.
    return Field(max_length=22, examples=[example], json_schema_extra={"pattern": DIGITS})


class ConnectIn(Input):
    channel: Literal["tokopedia"] = "tokopedia"
    fs_id: str = _digits("15001")
    shop_id: str = _digits("480001")
    client_id: str = Field(min_length=1, max_length=255)
    client_secret: str = Field(
        min_length=1, max_length=255, description="stored encrypted, never returned"
    )


class SettingsIn(Input):
    push_stock: bool | None = Field(
        None, description="switching on pushes every linked listing's stock once"
    )
    push_price: bool | None = None


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
def list_integrations(request: HttpRequest) -> QuerySet[ChannelAccount]:
    return accounts()


@router.get("/{integration_id}", response={200: IntegrationOut, **errors(404)})
def get_integration(request: HttpRequest, integration_id: int) -> ChannelAccount:
    return get_account(integration_id)


@router.post(
    "",
    response={201: IntegrationOut, **errors(400, 409, 422, 429, 502, 503)},
    summary="Connect a shop",
)
def connect(request: HttpRequest, payload: ConnectIn) -> Status[ChannelAccount]:
    """Checks the credentials with the channel before saving anything; each way this can fail
    has its own ``code`` (see docs/api.md). *Push stock* starts off."""
    form = TokopediaConnectForm(payload.model_dump(exclude={"channel"}))
    if not form.is_valid():
        raise errors_for_form(form)
    account = connect_shop(payload.channel, form.credentials(), form.shop_id_value())
    return Status(201, get_account(account.pk))


@router.patch("/{integration_id}", response={200: IntegrationOut, **errors(404, 422)})
def change_settings(request: HttpRequest, integration_id: int, payload: SettingsIn) -> Any:
    """Switching *push stock* on pushes every linked listing once, so the channel shows the
    master stock from then on."""
    account = get_account(integration_id)
    if payload.push_stock is not None and payload.push_stock != account.push_stock:
        pusher.set_push_stock(account, payload.push_stock)
    if payload.push_price is not None and payload.push_price != account.push_price:
        ChannelAccount.objects.filter(pk=account.pk).update(push_price=payload.push_price)
    return get_account(integration_id)
