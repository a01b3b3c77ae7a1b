"""``/api/integrations/{id}/locations``: the shop's own warehouses and the hub warehouse feeding
each (``channels/locations.py``); changing them is ``orders/location_mapping.py``."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from satustok.api.access import requires
from satustok.api.errors import invalid, not_found
from satustok.api.schemas import Input, errors
from satustok.channels import locations
from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission
from satustok.inventory.models import Warehouse
from satustok.orders.location_mapping import UnknownMapping, set_locations

router = Router(tags=["integrations"])


class LocationOut(Schema):
    location_id: str = Field(description="the channel's id of the shop warehouse / location")
    name: str
    is_default: bool
    warehouse: str | None = Field(description="the hub warehouse mapped to it (code); null: none")
    stock_from: str = Field(description="the hub warehouse whose stock it shows (code)")


class LocationsOut(Schema):
    per_location: bool = Field(
        description="pushed per shop warehouse (two or more, at least one mapped)"
    )
    locations: list[LocationOut]


class LocationIn(Input):
    location_id: str
    warehouse: str | None = Field(
        None, description="a hub warehouse code; null: the integration's own warehouse"
    )


class LocationsIn(Input):
    locations: list[LocationIn] = Field(description="the shop warehouses to change; others keep")


def _account(pk: int) -> ChannelAccount:
    account = ChannelAccount.objects.select_related("warehouse").filter(pk=pk).first()
    if account is None:
        raise not_found("integration", pk)
    return account


def _out(account: ChannelAccount) -> LocationsOut:
    rows = locations.shop_locations(account)
    return LocationsOut(
        per_location=bool(locations.push_plan(account)),
        locations=[
            LocationOut(
                location_id=row.location_id,
                name=row.name,
                is_default=row.is_default,
                warehouse=row.warehouse.code if row.warehouse else None,
                stock_from=(row.warehouse or account.warehouse).code,
            )
            for row in rows
        ],
    )


@router.get("/{integration_id}/locations", response={200: LocationsOut, **errors(404)})
@requires(Permission.MANAGE_INTEGRATIONS)
def get_locations(request: HttpRequest, integration_id: int) -> LocationsOut:
    """The shop's own warehouses as seen when connecting, each with its hub warehouse."""
    return _out(_account(integration_id))


@router.put("/{integration_id}/locations", response={200: LocationsOut, **errors(404, 422)})
@requires(Permission.MANAGE_INTEGRATIONS)
def put_locations(request: HttpRequest, integration_id: int, payload: LocationsIn) -> LocationsOut:
    """Map shop warehouses to hub warehouses; every linked listing is pushed again. Open
    orders keep the hub warehouse they reserved in; the orders after it follow the mapping."""
    account = _account(integration_id)
    codes = {row.warehouse.strip() for row in payload.locations if row.warehouse}
    found = dict(Warehouse.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = sorted(codes - set(found))
    if missing:
        raise invalid(
            "warehouse", _("No warehouse with code %(code)s.") % {"code": ", ".join(missing)}
        )
    wanted = {
        row.location_id: found[row.warehouse.strip()] if row.warehouse else None
        for row in payload.locations
    }
    try:
        set_locations(account, wanted)
    except UnknownMapping as unknown:
        raise invalid("location_id", str(unknown)) from None
    return _out(_account(integration_id))
