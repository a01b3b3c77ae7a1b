"""Master products by upload: create and edit names, SKUs, barcodes, weights, prices, costs,
low-stock thresholds and bundles' components from one spreadsheet.

The template holds one row per variant of every master that is not archived, with the variant's
id. A row with an ID edits that variant; a row without one creates a new master product (one
per row: the catalogue creates a master with one variant and has no way yet to add a variant to
an existing master). A blank cell leaves the value as it is; a single ``-`` clears an optional
value (variant name, barcode, weight, price, cost, low-stock threshold — back to the hub's
default) or removes a bundle's components. The product's name is the product's, shared by its
variants: a row renames it, and rows of one product must agree.

Everything a seller can fix is found by :meth:`MastersKind.plan`, each row checked against the
catalogue as it will be *after* the upload (a component may be a SKU created or renamed in the
same file; the file's recipes together must not nest bundles), with the same rules as the
catalogue's own editing (``catalog/editing.py``, ``inventory/bundles.py``, ``orders/bundles.py``).
:meth:`MastersKind.apply` checks again under row locks what the preview read — whatever no
longer holds raises :class:`Stale` and nothing is written — then writes names, details, SKUs and
new masters in bulk, each change logged in the activity log as those editing functions log it,
naming the upload; recipes go through ``orders/bundles.change_recipe`` one by one. A new price is
marked for the price pushes and a new SKU for the stock pushes, as the catalogue's pages do.

The kind is split in three: this module (the columns, the messages, the template and the
kind), :mod:`~satustok.uploads.masters_plan` (the preview) and
:mod:`~satustok.uploads.masters_apply` (the confirmation); the shared machinery is in
:mod:`~satustok.uploads.sheet_plan`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from satustok.catalog import editing
from satustok.catalog.models import BundleComponent, Variant
from satustok.catalog.sku import MAX_SKU_LENGTH
from satustok.core.access import Permission
from satustok.core.sheet_reading import Table
from satustok.core.spreadsheet import INTEGER, RUPIAH, TEXT, Sheet
from satustok.uploads.columns import Heading
from satustok.uploads.models import UploadKind
from satustok.uploads.plans import Plan, Problem, Stale
from satustok.uploads.sheet_plan import Spec, describe_problem, template_sheets

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from satustok.uploads.models import Upload


# --- the masters' columns and problems ----------------------------------------------------------

ID = Heading(gettext_lazy("ID"), "ID", ("Variant ID", "ID varian"))
PRODUCT = Heading(gettext_lazy("Product"), "Produk", ("Product name", "Nama produk"))
SKU = Heading(gettext_lazy("SKU"), "SKU")
VARIANT_NAME = Heading(gettext_lazy("Variant name"), "Nama varian")
BARCODE = Heading(gettext_lazy("Barcode"), "Barcode")
WEIGHT = Heading(gettext_lazy("Weight (g)"), "Berat (g)", ("Weight", "Berat"))
PRICE = Heading(gettext_lazy("Price (Rp)"), "Harga (Rp)", ("Price", "Harga"))
COST = Heading(gettext_lazy("Cost (Rp)"), "Harga pokok (Rp)", ("Cost", "Harga pokok"))
LOW_STOCK = Heading(gettext_lazy("Low stock at"), "Stok menipis pada")
COMPONENTS = Heading(gettext_lazy("Components"), "Komponen", ("Bundle components",))
SPECS = (
    Spec("id", ID, TEXT, 9, required=True),
    Spec("product", PRODUCT, TEXT, 32, required=True),
    Spec("sku", SKU, TEXT, 20, required=True),
    Spec("name", VARIANT_NAME, TEXT, 28),
    Spec("barcode", BARCODE, TEXT, 16),
    Spec("weight_grams", WEIGHT, INTEGER, 11),
    Spec("price", PRICE, RUPIAH, 14),
    Spec("cost", COST, RUPIAH, 14),
    Spec("low_stock_threshold", LOW_STOCK, INTEGER, 12),
    Spec("components", COMPONENTS, TEXT, 30),
)
SPEC = {spec.key: spec for spec in SPECS}
DETAILS = ("name", "barcode", "weight_grams", "price", "cost", "low_stock_threshold")
TEXT_LIMITS = {
    "product": editing.NAME_LENGTH,
    "sku": MAX_SKU_LENGTH,
    "name": editing.NAME_LENGTH,
    "barcode": editing.BARCODE_LENGTH,
}
OWN_STOCK = "own_stock"  # shown, not a column: the stock a variant gives up on becoming a bundle
OWN_STOCK_LABEL = gettext_lazy("Own stock")


def field_label(key: str) -> str:
    """What a key of a change's ``before``/``after`` is called, in the active language (the
    column's header; the variant's own stock, which becoming a bundle empties)."""
    if key == OWN_STOCK:
        return str(OWN_STOCK_LABEL)
    return SPEC[key].heading.label if key in SPEC else key


MESSAGES: dict[str, Promise] = {
    "missing_column": gettext_lazy(
        "The file has no %(column)s column: download the template and keep its header row."
    ),
    "unknown_id": gettext_lazy(
        "No variant has ID %(value)s (it may have been deleted). Leave ID blank to create a "
        "new product."
    ),
    "duplicate_id": gettext_lazy(
        "Variant %(value)s is also on row %(first)d: give each variant once."
    ),
    "required": gettext_lazy("A new product needs a %(column)s."),
    "cannot_clear": gettext_lazy("%(column)s cannot be cleared: leave it blank to keep it."),
    "sku_duplicate": gettext_lazy("SKU %(value)s is also on row %(first)d."),
    "sku_taken": gettext_lazy("SKU %(value)s is already used by %(other)s (%(product)s)."),
    "too_long": gettext_lazy("At most %(most)d characters (this cell has %(length)d)."),
    "bad_character": gettext_lazy("The cell holds a NUL character, which cannot be saved."),
    "not_whole": gettext_lazy("%(value)s is not a whole number: write digits only, e.g. 150000."),
    "negative": gettext_lazy("%(value)s is negative: write 0 or more."),
    "too_large": gettext_lazy("%(value)s is too large: at most %(most)s."),
    "price_range": gettext_lazy("A price is a whole number of rupiah from 1 to %(most)s."),
    "cost_range": gettext_lazy("A cost is a whole number of rupiah from 0 to %(most)s."),
    "product_name_differs": gettext_lazy(
        "Row %(first)d names this variant's product %(name)s: give a product one name."
    ),
    "bad_component": gettext_lazy(
        "Write components as SKU x quantity, separated by ; — e.g. KAOS-M x1; TOPI x2."
    ),
    "component_unknown": gettext_lazy("No master product has SKU %(value)s (a component)."),
    "component_quantity": gettext_lazy(
        "The quantity of %(value)s must be a whole number from 1 to %(most)s."
    ),
    "component_twice": gettext_lazy("%(value)s is listed twice: give it once, with its quantity."),
    "component_itself": gettext_lazy("A bundle cannot contain itself."),
    "too_many_components": gettext_lazy("A bundle has at most %(most)d components."),
    "nested_bundle": gettext_lazy("%(value)s is a bundle itself: add its components instead."),
    "bundle_is_component": gettext_lazy(
        "This variant is a component of bundle %(bundle)s, so it cannot be a bundle itself."
    ),
    "changed_since": gettext_lazy(
        "%(column)s of this variant was changed by someone else after the preview: upload the "
        "file again to see the change."
    ),
    "refused": gettext_lazy("The change was refused when saving: %(reason)s"),
}


def _held_message(problem: Problem) -> str:
    orders, units = problem.params.get("orders", 0), problem.params.get("units", 0)
    return ngettext(
        "%(orders)d open order holds %(units)d of this bundle: change its components after it "
        "ships or is cancelled.",
        "%(orders)d open orders hold %(units)d of this bundle: change its components after they "
        "ship or are cancelled.",
        orders,
    ) % {"orders": orders, "units": units}


COMPONENT = re.compile(r"(?P<sku>.*?)\s+[x×]\s*(?P<quantity>[-+]?\d[\d.,]*)", re.IGNORECASE)


def parse_components(text: str) -> list[tuple[str, str]]:
    """``KAOS-M x1; TOPI x2`` as [(SKU, quantity as written)]; a part without ``x N`` is one
    unit."""
    parts = []
    for piece in re.split(r"[;\n]", text):
        piece = piece.strip()
        if piece:
            match = COMPONENT.fullmatch(piece)
            sku, quantity = (match["sku"], match["quantity"]) if match else (piece, "1")
            parts.append((sku.strip(), quantity))
    return parts


def recipe_text(parts: Iterable[tuple[str, int]]) -> str:
    """A recipe as the Components column writes it: ``KAOS-M x1; TOPI x2``."""
    return "; ".join(f"{sku} x{quantity}" for sku, quantity in parts)


# --- the template -------------------------------------------------------------------------------


def _template_rows() -> Iterator[list[object]]:
    recipes: dict[int, list[tuple[str, int]]] = defaultdict(list)
    lines = BundleComponent.objects.order_by("bundle_id", "component_id")
    for bundle, sku, quantity in lines.values_list("bundle_id", "component__sku", "quantity"):
        recipes[bundle].append((sku, quantity))
    variants = (
        Variant.objects.filter(product__archived_at__isnull=True)
        .order_by("product__name", "product_id", "sku_key")
        .values_list(
            "pk", "product__name", "sku", "name", "barcode", "weight_grams", "price", "cost",
            "low_stock_threshold",
        )
    )  # fmt: skip
    for pk, *values in variants.iterator(5_000):
        yield [pk, *values, recipe_text(recipes.get(pk, ())) or None]


def _notes() -> list[str]:
    return [
        _("One row per variant. A row with an ID changes that variant; a row without an ID "
          "creates a new master product."),
        _("A blank cell leaves the value as it is. A single - clears it: variant name, barcode, "
          "weight, price, cost, low stock at (back to the hub's default) or components."),
        _("Product and SKU are required on a new row. Changing a product's name on one of its "
          "rows renames the product for all its variants."),
        _("Weight (g) and low stock at: whole numbers, 0 or more. Price: whole rupiah from 1. "
          "Cost: whole rupiah from 0."),
        _("Components (bundles): SKU x quantity, separated by ; — e.g. KAOS-M x1; TOPI x2. "
          "A component cannot be a bundle itself."),
        _("Archived products are not listed. Nothing is saved until you confirm the preview."),
    ]  # fmt: skip


# --- the kind -----------------------------------------------------------------------------------


class MastersKind:
    """Master products by upload (see the module's docstring)."""

    name = UploadKind.MASTERS
    permission = Permission.EDIT_CATALOG

    def template(self, user: AbstractBaseUser) -> Sequence[Sheet]:
        return template_sheets(_("Master products"), SPECS, _template_rows(), _notes())

    def plan(self, table: Table, user: AbstractBaseUser) -> Plan:
        from satustok.uploads.masters_plan import Planner  # it imports this module's columns

        return Planner(table).run()

    def apply(self, plan: Plan, upload: Upload, user: AbstractBaseUser) -> int:
        if plan.problems:  # never written: the preview's errors stand
            raise Stale(plan.problems)
        with transaction.atomic():
            from satustok.uploads.masters_apply import (  # it imports this module's columns
                Applier,
                last_activity,
                tag_activity,
            )

            since = last_activity()
            applier = Applier(plan, upload.reference)
            applier.run()
            tag_activity(since, applier.targets(), upload.reference)
        return len(plan.changes)

    def describe(self, problem: Problem) -> str:
        if problem.code == "bundle_held":
            return _held_message(problem)
        return describe_problem(MESSAGES, problem)
