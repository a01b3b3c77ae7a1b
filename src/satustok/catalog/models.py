"""Master products and variants.

A master product groups one or more variants; each variant has exactly one SKU, unique across
the hub by its comparison key (:func:`satustok.catalog.sku.sku_key`). Listings on channels link
to variants, never to products, because a variant is what a buyer takes off the shelf.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.catalog.sku import MAX_SKU_LENGTH, sku_key


class MasterProduct(models.Model):
    name = models.CharField(_("name"), max_length=255)
    # Archived: no longer sold. Its listings are pushed 0 until it is brought back; it leaves
    # the catalogue's lists (a filter shows it).
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("master product")
        verbose_name_plural = _("master products")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    product = models.ForeignKey(MasterProduct, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=MAX_SKU_LENGTH)
    # Stored so the database itself enforces "one variant per SKU" with an index lookup.
    sku_key = models.CharField(max_length=MAX_SKU_LENGTH, unique=True, editable=False)
    name = models.CharField(_("variant name"), max_length=255, blank=True)
    # A database default too: imports write variants with plain multi-row INSERTs.
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, db_default="")
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    # Below or at this many available the SKU is low on stock (None: the hub's default,
    # SATUSTOK_LOW_STOCK_DEFAULT).
    low_stock_threshold = models.PositiveIntegerField(_("low stock at"), null=True, blank=True)
    # The master price in whole rupiah, the one price push starts from (None: not set yet).
    price = models.BigIntegerField(_("price (Rp)"), null=True, blank=True)
    # What one unit cost the seller, in whole rupiah (None: not known): stock value at cost.
    cost = models.BigIntegerField(_("cost (Rp)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["product_id", "sku_key"]

    def __str__(self) -> str:
        return self.sku

    def clean(self) -> None:
        if not sku_key(self.sku):
            raise ValidationError({"sku": _("SKU is required")})

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.sku = self.sku.strip()
        self.sku_key = sku_key(self.sku)
        if not self.sku_key:
            raise ValidationError({"sku": _("SKU is required")})
        super().save(*args, **kwargs)


class BundleComponent(models.Model):
    """One line of a bundle's recipe: ``quantity`` units of ``component`` go into one unit of
    ``bundle`` ("Paket 3 Kaos" = 3 × KAOS-01). A variant with components is a bundle: it has
    no stock of its own, its available is worked out from its components'
    (``inventory/bundles.py``). A component is never itself a bundle."""

    bundle = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="used_in")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        ordering = ["bundle_id", "component_id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="one_line_per_component"),
            models.CheckConstraint(
                condition=~models.Q(bundle=models.F("component")), name="bundle_not_its_own_part"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="component_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id} = {self.quantity} × {self.component_id}"
