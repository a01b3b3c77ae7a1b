"""Linking a listing to a master variant by hand, for what the import could not link."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.channels.models import LinkMethod, Listing
from satustok.core import activity

# Why a listing is not linked when the seller unlinked it (an import's buckets give the other
# reasons; a later import links it again by SKU only if its channel SKU is a master's).
UNLINKED_BY_HAND = "unlinked_by_hand"
UNLINKED_BY_HAND_LABEL = gettext_lazy("Unlinked by hand")


class LinkRefused(ValueError):
    pass


def link_by_hand(listing: Listing, master_sku: str) -> Listing:
    variant = Variant.objects.filter(sku_key=sku_key(master_sku)).first()
    if variant is None:
        raise LinkRefused(
            _("No master product has SKU %(sku)s. Check the SKU in the Product Catalog.")
            % {"sku": master_sku.strip()}
        )
    was = listing.variant.sku if listing.variant else None
    before = {"variant": was, "link": listing.link_method}
    listing.variant = variant
    listing.link_method = LinkMethod.MANUAL
    listing.unlinked_reason = ""
    listing.save(update_fields=["variant", "link_method", "unlinked_reason"])
    # Now it follows the master stock: due a push, like any listing whose desired value moved.
    Listing.objects.filter(pk=listing.pk).update(
        needs_push=True,
        dirty_version=F("dirty_version") + 1,
        price_needs_push=True,  # and the integration's price, where it pushes prices
        price_dirty_version=F("price_dirty_version") + 1,
    )
    after = {"variant": variant.sku, "link": LinkMethod.MANUAL}
    activity.record(None, activity.Action.LISTING_LINKED, listing, before=before, after=after)
    return listing
