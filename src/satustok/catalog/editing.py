"""Editing masters: a product's name, a variant's SKU and details, archiving.

Every change is one transaction and one activity-log entry with before/after. A SKU change is
two steps: :func:`change_sku` returns a :class:`SkuChange` that says what the change means for
the listings (shown to the seller before anything is saved), and :meth:`SkuChange.apply` saves
it. satustok never renames SKUs on the channels: listings stay linked by id, so a linked
listing whose channel SKU no longer matches keeps its link and is only reported.

What a change means for the pushes (an archived master's listings show 0) is the pusher's
business: these functions return the variants whose listings need a push, and the front end
hands them to ``sync`` (this layer does not import it).

Listings belong to a higher layer; they are reached here through the variants' reverse
relation (``Variant.listings``), never by importing their module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.catalog.models import MasterProduct, Variant
from satustok.catalog.sku import MAX_SKU_LENGTH, sku_key
from satustok.core import activity

NAME_LENGTH = 255
BARCODE_LENGTH = 64
MANUAL_LINK = "manual"  # the link method a seller's own choice records (as linking by hand)
UNLINKED = "unlinked"


class EditRefused(ValueError):
    """The change cannot be saved; the message says why, in the seller's words."""


def _listings() -> QuerySet[Any]:
    """Every listing, through the reverse relation (the model lives in a higher layer)."""
    listing: type[Model] = Variant._meta.get_field("listings").related_model  # type: ignore[assignment]
    return listing._default_manager.select_related("account")


# --- names and details ----------------------------------------------------------------------


def rename(product: MasterProduct, name: str) -> MasterProduct:
    name = name.strip()
    if not name:
        raise EditRefused(_("A product needs a name."))
    if len(name) > NAME_LENGTH:
        raise EditRefused(_("A name has at most %(n)d characters.") % {"n": NAME_LENGTH})
    if name == product.name:
        return product
    with transaction.atomic():
        before = product.name
        product.name = name
        product.save(update_fields=["name", "updated_at"])
        _record(activity.Action.MASTER_EDITED, product, {"name": before}, {"name": name})
    return product


DETAILS = ("name", "barcode", "weight_grams", "low_stock_threshold", "price", "cost")
MAX_PRICE = 10_000_000_000  # Rp 10 billion: above any single item a marketplace lists


def set_details(variant: Variant, **changes: Any) -> Variant:
    """Change a variant's name, barcode, weight (grams), low-stock threshold (None: the hub's
    default), master price or unit cost (whole rupiah; None: not set). Only the fields given
    are touched; the log holds only what changed."""
    unknown = set(changes) - set(DETAILS)
    if unknown:
        raise TypeError(f"not a variant detail: {', '.join(sorted(unknown))}")
    cleaned = {name: _clean_detail(name, value) for name, value in changes.items()}
    changed = {name: v for name, v in cleaned.items() if getattr(variant, name) != v}
    if not changed:
        return variant
    with transaction.atomic():
        before = {name: getattr(variant, name) for name in changed}
        for name, value in changed.items():
            setattr(variant, name, value)
        variant.save(update_fields=list(changed))
        _record(activity.Action.MASTER_EDITED, variant, before, changed)
    return variant


def _clean_detail(name: str, value: Any) -> Any:
    if name in ("name", "barcode"):
        text = (value or "").strip()
        limit = NAME_LENGTH if name == "name" else BARCODE_LENGTH
        if len(text) > limit:
            raise EditRefused(_("At most %(n)d characters.") % {"n": limit})
        return text
    if value is None or value == "":
        return None
    whole = isinstance(value, int) and not isinstance(value, bool)
    if name == "price" and not (whole and 1 <= value <= MAX_PRICE):
        raise EditRefused(
            _("A price is a whole number of rupiah from 1 to %(most)s.")
            % {"most": f"{MAX_PRICE:,}".replace(",", ".")}
        )
    if name == "cost" and not (whole and 0 <= value <= MAX_PRICE):
        raise EditRefused(
            _("A cost is a whole number of rupiah from 0 to %(most)s.")
            % {"most": f"{MAX_PRICE:,}".replace(",", ".")}
        )
    if not whole or value < 0:
        raise EditRefused(_("Weight and low-stock threshold are whole numbers, 0 or more."))
    return value


def create_master(name: str, sku: str) -> Variant:
    """A new master product with one variant (a bundle the seller is about to describe, or a
    product not yet on any shop). The SKU must be new to the hub."""
    name, sku = name.strip(), sku.strip()
    if "\x00" in name or "\x00" in sku:
        raise EditRefused(_("A name or SKU cannot contain a NUL character."))
    if not name or len(name) > NAME_LENGTH:
        raise EditRefused(
            _("A product needs a name of at most %(n)d characters.") % {"n": NAME_LENGTH}
        )
    if not sku_key(sku) or len(sku) > MAX_SKU_LENGTH:
        raise EditRefused(
            _("A product needs a SKU of at most %(n)d characters.") % {"n": MAX_SKU_LENGTH}
        )
    taken = Variant.objects.filter(sku_key=sku_key(sku)).select_related("product").first()
    if taken is not None:
        raise EditRefused(
            _("SKU %(sku)s is already %(product)s's.") % {"sku": sku, "product": taken.product}
        )
    try:
        with transaction.atomic():
            product = MasterProduct.objects.create(name=name)
            variant = Variant.objects.create(product=product, sku=sku, name=name)
            _record(activity.Action.MASTER_EDITED, product, {}, {"name": name, "sku": sku})
    except IntegrityError as clash:  # the same SKU saved at the same moment
        raise EditRefused(
            _("SKU %(sku)s was just taken; choose another.") % {"sku": sku}
        ) from clash
    return variant


# --- SKU ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingFact:
    """One listing as the preview shows it."""

    id: int
    integration: str
    external_id: str
    channel_sku: str
    name: str

    @classmethod
    def of(cls, listing: Any) -> ListingFact:
        return cls(listing.pk, str(listing.account), listing.external_id, listing.sku, listing.name)


@dataclass
class SkuChange:
    """What changing ``variant``'s SKU to ``new_sku`` means, before it is saved.

    ``conflict`` is the other variant that already has the new SKU (the change is refused);
    ``linked`` are this variant's listings, which keep their link (``differing`` of them now
    carry a channel SKU other than the master's); ``linkable`` are unlinked listings whose
    channel SKU matches the new SKU, which the seller may link on saving; ``left_unlinked`` are
    unlinked listings spelled like the old SKU, which stay unlinked."""

    variant: Variant
    old_sku: str
    new_sku: str
    conflict: Variant | None = None
    linked: list[ListingFact] = field(default_factory=list)
    linkable: list[ListingFact] = field(default_factory=list)
    left_unlinked: list[ListingFact] = field(default_factory=list)

    @property
    def refusal(self) -> str:
        if not sku_key(self.new_sku):
            return _("A SKU cannot be empty.")
        if len(self.new_sku) > MAX_SKU_LENGTH:
            return _("A SKU has at most %(n)d characters.") % {"n": MAX_SKU_LENGTH}
        if self.conflict is not None:
            return _("SKU %(sku)s is already used by %(other)s (%(product)s).") % {
                "sku": self.new_sku,
                "other": self.conflict.sku,
                "product": self.conflict.product.name,
            }
        return ""

    @property
    def unchanged(self) -> bool:
        return self.new_sku == self.old_sku

    @property
    def differing(self) -> list[ListingFact]:
        return [f for f in self.linked if sku_key(f.channel_sku) != sku_key(self.new_sku)]

    def apply(self, link: Iterable[int] = ()) -> Applied:
        """Save the SKU and link the chosen ``linkable`` listings, in one transaction. Checked
        again inside it: a SKU taken meanwhile is refused, and a listing linked meanwhile (or
        not offered) is left alone."""
        if self.refusal:
            raise EditRefused(self.refusal)
        chosen = {f.id for f in self.linkable} & set(link)
        try:
            with transaction.atomic():
                return self._save(chosen)
        except IntegrityError:
            raise EditRefused(fresh_refusal(self.variant, self.new_sku)) from None

    def _save(self, chosen: set[int]) -> Applied:
        variant = Variant.objects.select_for_update().get(pk=self.variant.pk)
        again = change_sku(variant, self.new_sku)
        if again.refusal:
            raise EditRefused(again.refusal)
        before = variant.sku
        variant.sku = self.new_sku
        variant.save(update_fields=["sku", "sku_key"])
        linked = _link(variant, chosen & {f.id for f in again.linkable})
        after: dict[str, Any] = {"sku": variant.sku, "linked": linked}
        _record(activity.Action.MASTER_EDITED, variant, {"sku": before}, after)
        self.variant.sku, self.variant.sku_key = variant.sku, variant.sku_key
        return Applied([variant.pk], linked)


def fresh_refusal(variant: Variant, new_sku: str) -> str:
    return change_sku(variant, new_sku).refusal or _("The SKU could not be saved; try again.")


@dataclass(frozen=True)
class Applied:
    """A saved change: the variants whose listings need a push, and listings newly linked."""

    variant_ids: list[int]
    linked: list[str] = field(default_factory=list)


def change_sku(variant: Variant, new_sku: str) -> SkuChange:
    """The preview of a SKU change (nothing is saved)."""
    new_sku = (new_sku or "").strip()
    change = SkuChange(variant, variant.sku, new_sku)
    new_key, old_key = sku_key(new_sku), variant.sku_key
    if not new_key:
        return change
    others = Variant.objects.select_related("product").exclude(pk=variant.pk)
    change.conflict = others.filter(sku_key=new_key).first()
    listings = _listings().order_by("account_id", "external_id")
    change.linked = [ListingFact.of(lst) for lst in listings.filter(variant=variant)]
    unlinked = listings.filter(variant__isnull=True)
    if new_key != old_key:
        change.linkable = [ListingFact.of(lst) for lst in _spelled(unlinked, new_key)]
        change.left_unlinked = [ListingFact.of(lst) for lst in _spelled(unlinked, old_key)]
    return change


def _spelled(listings: QuerySet[Any], key: str) -> list[Any]:
    """Listings whose channel SKU has this key. Narrowed in SQL (case-insensitive contains),
    decided in Python with the one comparison rule (:func:`sku_key`)."""
    return [lst for lst in listings.filter(sku__icontains=key) if sku_key(lst.sku) == key]


def _link(variant: Variant, listing_ids: set[int]) -> list[str]:
    """Link the chosen listings, like linking by hand (the seller chose each one)."""
    if not listing_ids:
        return []
    chosen = _listings().filter(pk__in=listing_ids, variant__isnull=True)
    linked = [f"{lst.account_id}:{lst.external_id}" for lst in chosen]
    chosen.update(
        variant=variant,
        link_method=MANUAL_LINK,
        unlinked_reason="",
        needs_push=True,
        dirty_version=F("dirty_version") + 1,
        price_needs_push=True,
        price_dirty_version=F("price_dirty_version") + 1,
    )
    return sorted(linked)


# --- archiving ------------------------------------------------------------------------------


def listings_of(product: MasterProduct) -> list[ListingFact]:
    """The listings linked to any variant of the product (what archiving pushes 0)."""
    found = _listings().filter(variant__product=product).order_by("account_id", "external_id")
    return [ListingFact.of(lst) for lst in found]


def archive(product: MasterProduct) -> Applied:
    """No longer sold: every listing of its variants is to show 0 (the caller marks them for a
    push); it leaves the catalogue list. Archiving an archived product changes nothing."""
    return _set_archived(product, timezone.now(), activity.Action.MASTER_ARCHIVED)


def restore(product: MasterProduct) -> Applied:
    """Sold again: its listings show the real stock again (the caller marks them)."""
    return _set_archived(product, None, activity.Action.MASTER_RESTORED)


def _set_archived(product: MasterProduct, when: Any, action: str) -> Applied:
    with transaction.atomic():
        current = MasterProduct.objects.select_for_update().get(pk=product.pk)
        if (current.archived_at is None) == (when is None):
            return Applied([])
        before = current.archived_at
        current.archived_at = when
        current.save(update_fields=["archived_at", "updated_at"])
        product.archived_at = when
        _record(action, current, {"archived_at": before}, {"archived_at": when})
        return Applied(list(current.variants.values_list("pk", flat=True)))


def _record(
    action: str, target: Model, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    activity.record(None, action, target, before=_plain(before), after=_plain(after))


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready values (dates as ISO text)."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
