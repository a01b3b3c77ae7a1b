"""A shop's own warehouses (channel warehouses, stock locations) mapped to hub warehouses.

Each integration is fed by one hub warehouse (``ChannelAccount.warehouse``). A shop that keeps
stock in several places of its own can have each of them fed by a hub warehouse instead: its
:class:`~satustok.channels.models.ShopLocation` rows, one per shop warehouse seen when
connecting, each with an optional hub warehouse (none: the integration's).

Such a shop is pushed **per location** once the seller has mapped at least one location
(:func:`push_plan`): every location shows what its hub warehouse has. A hub warehouse's stock is
shown in one location only (the first mapped to it, the shop's default first), the others
mapped to the same warehouse show 0 — two locations showing the same units would sell them
twice. With nothing mapped, nothing changes: one quantity per listing, as before.

This module only reads and writes the rows; changing a mapping (refused while orders hold
stock, then every listing pushed again) is the flow ``orders/location_mapping.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction

from satustok.channels.models import ChannelAccount, ShopLocation
from satustok.inventory.models import Warehouse


@dataclass(frozen=True, slots=True)
class LocationFeed:
    """What one shop location shows: the stock of ``warehouse_id``, or 0 when another location
    of the shop already shows that warehouse (``shown_by`` names it)."""

    location_id: str
    name: str
    warehouse_id: int
    shown_by: str = ""  # the name of the location that shows this warehouse's stock instead

    @property
    def label(self) -> str:
        return self.name or self.location_id


def seen_locations(shop_warehouses: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """The shop warehouses as stored on the integration, cleaned: one per id, ids as text."""
    found: dict[str, dict[str, object]] = {}
    for row in shop_warehouses or []:
        location_id = str(row.get("id") or "").strip()[:64]
        if location_id and location_id not in found:
            name = str(row.get("name") or "")[:255]
            found[location_id] = {"name": name, "is_default": bool(row.get("is_default"))}
    return [{"location_id": key, **value} for key, value in found.items()]


def refresh_locations(account: ChannelAccount) -> list[ShopLocation]:
    """Make the integration's location rows match its ``shop_warehouses`` (after connecting or
    reconnecting): new ones are added unmapped, known ones keep their mapping and get the
    shop's current name, ones the shop no longer has are removed."""
    seen = seen_locations(account.shop_warehouses)
    with transaction.atomic():
        known = {row.location_id: row for row in ShopLocation.objects.filter(account=account)}
        for found in seen:
            row = known.pop(str(found["location_id"]), None)
            if row is None:
                ShopLocation.objects.create(account=account, **found)
            elif (row.name, row.is_default) != (found["name"], found["is_default"]):
                row.name, row.is_default = str(found["name"]), bool(found["is_default"])
                row.save(update_fields=["name", "is_default"])
        if known:
            ShopLocation.objects.filter(pk__in=[row.pk for row in known.values()]).delete()
    return shop_locations(account, fill=False)


def shop_locations(account: ChannelAccount, *, fill: bool = True) -> list[ShopLocation]:
    """The integration's locations, the shop's default first. Filled from ``shop_warehouses``
    on first use when it has none yet (an integration connected before mapping existed)."""
    rows = list(ShopLocation.objects.filter(account=account).select_related("warehouse"))
    if not rows and fill and account.shop_warehouses:
        return refresh_locations(account)
    return rows


def push_plan(account: ChannelAccount) -> list[LocationFeed]:
    """Where each location's stock comes from, in push order; empty when the integration is
    pushed as one quantity (fewer than two locations, or none mapped by the seller)."""
    rows = list(
        ShopLocation.objects.filter(account=account).values_list(
            "location_id", "name", "warehouse_id"
        )
    )
    if len(rows) < 2 or all(warehouse_id is None for _, _, warehouse_id in rows):
        return []
    plan: list[LocationFeed] = []
    shown_in: dict[int, LocationFeed] = {}
    for location_id, name, warehouse_id in rows:  # the model's order: the default first
        hub = warehouse_id or account.warehouse_id
        first = shown_in.get(hub)
        feed = LocationFeed(location_id, name, hub, first.label if first else "")
        shown_in.setdefault(hub, feed)
        plan.append(feed)
    return plan


def accounts_fed_through_locations(warehouse_id: int) -> set[int]:
    """Integrations one of whose locations is mapped to ``warehouse_id``."""
    found = ShopLocation.objects.filter(warehouse_id=warehouse_id)
    return set(found.values_list("account_id", flat=True).distinct())


def mapped_warehouse(account_id: int, location_id: str) -> int | None:
    """The hub warehouse mapped to one location of the shop (None: not mapped, or unknown).
    A shop with one location is pushed as one quantity from the integration's warehouse
    (:func:`push_plan`), so its orders reserve there too, whatever a mapping says: the stock
    shown and the stock moved are always the same warehouse's."""
    if not location_id:
        return None
    rows = ShopLocation.objects.filter(account_id=account_id)
    if rows.count() < 2:
        return None
    return rows.filter(location_id=location_id).values_list("warehouse_id", flat=True).first()


class UnknownLocation(ValueError):
    """A mapping named a location the shop does not have, or a warehouse that does not exist."""


def changes(
    account: ChannelAccount, wanted: Mapping[str, int | None]
) -> list[tuple[ShopLocation, Warehouse | None]]:
    """The rows whose hub warehouse ``wanted`` changes (``{location id: warehouse id or None}``;
    locations not named keep theirs). Raises :class:`UnknownLocation` for an id that is not
    the shop's or a warehouse that does not exist."""
    rows = {row.location_id: row for row in shop_locations(account)}
    unknown = sorted(set(wanted) - set(rows))
    if unknown:
        raise UnknownLocation(", ".join(unknown))
    ids = {pk for pk in wanted.values() if pk is not None}
    warehouses = Warehouse.objects.in_bulk(ids)
    missing = ids - set(warehouses)
    if missing:
        raise UnknownLocation(", ".join(str(pk) for pk in sorted(missing)))
    return [
        (rows[location_id], warehouses.get(pk) if pk is not None else None)
        for location_id, pk in wanted.items()
        if rows[location_id].warehouse_id != pk
    ]


def apply(changed: Iterable[tuple[ShopLocation, Warehouse | None]]) -> None:
    for row, warehouse in changed:
        row.warehouse = warehouse
        row.save(update_fields=["warehouse"])
