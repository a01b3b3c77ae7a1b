"""Low stock: the SKUs whose available stock is at or below their threshold.

A variant's ``low_stock_threshold`` is its own threshold; without one (None) the hub's default,
``SATUSTOK_LOW_STOCK_DEFAULT``, applies. A threshold of 0 means *not watched*: a default of 0
switches the default off, so that only SKUs given a threshold of their own are listed, and a
SKU's own 0 leaves that SKU out whatever the default. (Oversold SKUs stay on the Dashboard's
*Oversold* list either way.)

Available is on hand − reserved summed over the warehouses a user works in
(:func:`~satustok.inventory.access.allowed_warehouse_ids`), computed by the database in one
grouped query, so the Inventory tab and the Dashboard stay fast at 100,000 SKUs. Archived
masters are no longer sold and are left out. The lowest come first: oversold (below zero)
before merely low.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import F, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from satustok.catalog.models import BundleComponent, Variant
from satustok.inventory.access import allowed_warehouse_ids

MAX_THRESHOLD = 1_000_000  # a typing slip, not a shelf


def default_threshold() -> int:
    """``SATUSTOK_LOW_STOCK_DEFAULT``; 0 when the default is switched off."""
    return int(settings.SATUSTOK_LOW_STOCK_DEFAULT)


def threshold_of(variant: Variant) -> int:
    """The threshold that applies to ``variant`` (its own, else the default); 0: not watched."""
    own = variant.low_stock_threshold
    return default_threshold() if own is None else own


def low_stock(user: Any = None) -> QuerySet[Variant]:
    """Variants low on stock in the warehouses ``user`` works in (None: every warehouse),
    lowest first, each annotated with ``available`` and ``threshold``."""
    default = default_threshold()
    # A bundle runs out when a component does: the components are the SKUs to restock.
    sold = Variant.objects.filter(product__archived_at__isnull=True).exclude(
        pk__in=BundleComponent.objects.values("bundle_id")
    )
    variants = _watched(sold, default)
    allowed = allowed_warehouse_ids(user)
    if allowed is not None:
        # Filtered before the sum, the join and the sum both keep only these warehouses' rows;
        # a SKU with no stock row in them is restocked by somebody else, not listed.
        variants = variants.filter(stock_levels__warehouse_id__in=allowed)
    available = Coalesce(
        Sum(F("stock_levels__on_hand") - F("stock_levels__reserved")),
        0,
        output_field=IntegerField(),
    )
    threshold = Coalesce(F("low_stock_threshold"), Value(default), output_field=IntegerField())
    return (
        variants.annotate(available=available, threshold=threshold)
        .filter(available__lte=F("threshold"))
        .select_related("product")
        .order_by("available", "sku_key")
    )


def _watched(variants: QuerySet[Variant], default: int) -> QuerySet[Variant]:
    """Leave out the SKUs whose threshold is 0 (their own, or the default they fall back on)."""
    variants = variants.exclude(low_stock_threshold=0)
    if default == 0:
        variants = variants.filter(low_stock_threshold__isnull=False)
    return variants


def set_threshold(variant: Variant, threshold: int | None) -> None:
    """Give ``variant`` its own threshold (None: back to the default)."""
    if threshold is not None and not 0 <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"threshold out of range: {threshold}")
    Variant.objects.filter(pk=variant.pk).update(low_stock_threshold=threshold)
    variant.low_stock_threshold = threshold


def is_low(available: int, threshold: int) -> bool:
    """Whether ``available`` is low for ``threshold`` (0: never, the SKU is not watched)."""
    return threshold > 0 and available <= threshold
