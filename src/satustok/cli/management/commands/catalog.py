"""``satustok catalog list [--json]``: master variants, their available stock and listings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import F, Prefetch, Sum
from django.db.models.functions import Coalesce
from rich.console import Console
from rich.table import Table

from satustok.catalog.models import Variant
from satustok.channels.models import Listing
from satustok.cli.output import print_json
from satustok.inventory import bundles


def variants() -> Any:
    available = Coalesce(Sum(F("stock_levels__on_hand") - F("stock_levels__reserved")), 0)
    listings = Listing.objects.select_related("account").order_by("account_id", "external_id")
    return (
        Variant.objects.select_related("product")
        .annotate(available=available)
        .prefetch_related(Prefetch("listings", queryset=listings))
        .order_by("sku_key")
    )


def with_bundles(found: Any) -> Iterator[Variant]:
    """The variants, a bundle's available its scarcest component's (it has no levels)."""
    made = bundles.available_everywhere(
        Variant.objects.filter(components__isnull=False).values_list("pk", flat=True).distinct()
    )
    for variant in found:
        if variant.pk in made:
            variant.available = made[variant.pk]
        yield variant


def variant_document(variant: Variant) -> dict[str, Any]:
    return {
        "sku": variant.sku,
        "product": variant.product.name,
        "name": variant.name,
        "available": variant.available,  # type: ignore[attr-defined]
        "listings": [
            {
                "integration": listing.account_id,
                "channel": listing.account.channel,
                "shop": listing.account.shop_name,
                "external_id": listing.external_id,
                "channel_sku": listing.sku,
                "stock": listing.stock,
                "link": listing.link_method,
            }
            for listing in variant.listings.all()
        ],
    }


class Command(BaseCommand):
    help = "List the master catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("list", help="master variants with stock and listings").add_argument(
            "--json", action="store_true"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["json"]:
            found = with_bundles(variants().iterator(chunk_size=1000))
            print_json([variant_document(v) for v in found])
            return
        table = Table("SKU", "Product", "Available", "Listings")
        for v in with_bundles(variants()):
            table.add_row(
                v.sku,
                v.product.name,
                str(v.available),  # type: ignore[attr-defined]
                ", ".join(f"{ls.account.shop_name}:{ls.external_id}" for ls in v.listings.all()),
            )
        Console().print(table)
