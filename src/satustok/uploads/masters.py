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
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Model, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from satustok.catalog import editing
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.catalog.sku import MAX_SKU_LENGTH, sku_key
from satustok.core import activity
from satustok.core.access import Permission
from satustok.core.bulk import IN_CHUNK, update_rows, update_values
from satustok.core.models import Activity
from satustok.core.sheet_reading import Table, TableRow, cell_text, whole_number
from satustok.core.spreadsheet import INTEGER, RUPIAH, TEXT, Column, Sheet
from satustok.inventory import bundles
from satustok.inventory.bundles import MAX_COMPONENT_QUANTITY, MAX_COMPONENTS, BundleRefused, Part
from satustok.inventory.models import StockLevel
from satustok.orders import bundles as order_bundles
from satustok.orders.models import OrderLine
from satustok.sync import prices, pusher, tasks
from satustok.uploads.columns import Heading, header_at
from satustok.uploads.models import UploadKind
from satustok.uploads.plans import Plan, Problem, RowChange, Stale

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from satustok.uploads.models import Upload

CLEAR = "-"  # a cell holding only this clears an optional value
MAX_WHOLE = 2_147_483_647  # weights and thresholds: what the database's integer column holds
MAX_ID = 9_223_372_036_854_775_807  # ids are 64-bit: a larger number names no variant
DIGITS_READ = 18  # a longer run of digits is beyond every bound (and is never parsed)


# --- columns, shared with the links upload ----------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One column of a template: its key, its header (both languages), its spreadsheet type."""

    key: str
    heading: Heading
    kind: str = TEXT
    width: int = 0
    required: bool = False  # a file without this column is refused as a whole

    @property
    def column(self) -> Column:
        return Column(self.heading.label, self.kind, self.width)


class CellRefused(ValueError):
    """A cell that cannot be read as its column needs; becomes a :class:`Problem`."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class SheetPlanner:
    """What planning any of these kinds starts with: the columns found in the uploaded table,
    and problems named by row and by the column's header as the file spells it."""

    specs: Sequence[Spec] = ()

    def __init__(self, table: Table) -> None:
        self.table = table
        self.plan = Plan(rows=len(table.rows))
        self.columns: dict[str, int] = {}  # key → index in the table
        self.headers: dict[str, str] = {}  # key → the header as shown in problems

    def locate(self) -> bool:
        """Find every column; False (a problem for each) when a required one is missing."""
        for spec in self.specs:
            index = spec.heading.find(self.table)
            self.headers[spec.key] = header_at(self.table, index, spec.heading)
            if index is not None:
                self.columns[spec.key] = index
            elif spec.required:
                self.plan.problems.append(Problem.of(0, spec.heading.label, "missing_column"))
        return not self.plan.problems

    def cell(self, table_row: TableRow, key: str) -> object:
        index = self.columns.get(key)
        if index is None or index >= len(table_row.values):
            return None
        return table_row.values[index]

    def add_problem(self, number: int, key: str, code: str, value: object, **params: Any) -> None:
        self.plan.problems.append(Problem.of(number, self.headers[key], code, value, **params))


def describe_problem(messages: Mapping[str, Promise], problem: Problem) -> str:
    """A problem in words: its code's message, filled in with its value, column and params."""
    message = messages.get(problem.code)
    if message is None:
        return problem.code
    params = {"value": problem.value or "—", "column": problem.column, **problem.params}
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):  # a plan stored by another version
        return str(message)


def in_chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices small enough for one ``IN (…)`` on every database."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def a_whole_number(value: object) -> int:
    """A cell as a whole number (see :func:`satustok.core.sheet_reading.whole_number`), or a
    :class:`CellRefused` saying why not."""
    text = cell_text(value)
    if sum(character.isdigit() for character in text) > DIGITS_READ:
        raise CellRefused("too_large")
    try:
        return whole_number(value)
    except ValueError:
        raise CellRefused("not_whole") from None


GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+")  # 150.000 or 150,000
RUPIAH_PREFIX = re.compile(r"^rp\.?\s*", re.IGNORECASE)


def rupiah(value: object) -> int:
    """A cell of whole rupiah: a whole number, also as the hub and a spreadsheet write money —
    ``Rp 150.000``, ``150.000`` or ``150,000`` (rupiah have no cents, so a group of three
    digits after the mark is thousands, never a fraction)."""
    if isinstance(value, str):
        text = RUPIAH_PREFIX.sub("", value.strip()).replace(" ", "")
        sign, digits = ("-", text[1:]) if text[:1] in ("-", "\u2212") else ("", text)
        if GROUPED.fullmatch(digits):
            value = sign + digits.replace(".", "").replace(",", "")
        else:
            value = text
    return a_whole_number(value)


def grouped(number: int) -> str:
    """``10000000000`` as ``10.000.000.000``, as the hub writes numbers."""
    return f"{number:,}".replace(",", ".")


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


# --- reading a row ------------------------------------------------------------------------------


@dataclass
class _Row:
    """One row as read: the variant it edits (None: a new master) and the values it gives
    (a key is absent when its cell is blank; cleared values are already ``""``, None or [])."""

    number: int
    variant_id: int | None = None
    given: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # the cells that hold something, as text
    failed: bool = False


@dataclass(frozen=True)
class _Ref:
    """What a component names after the upload: an existing variant, or a new row's."""

    variant_id: int | None = None
    row: int | None = None

    def to_json(self) -> dict[str, int]:
        return {"id": self.variant_id} if self.variant_id else {"row": self.row or 0}


def _read_cell(row: _Row, key: str, value: object, text: str) -> None:
    """Put one cell's value into ``row.given`` (or ``row.variant_id``), or refuse it."""
    if key == "id":
        row.variant_id = _an_id(value)
    elif key in TEXT_LIMITS:
        row.given[key] = _text(key, text)
    elif key == "components":
        row.given[key] = [] if text == CLEAR else parse_components(text)
        if text != CLEAR and not row.given[key]:
            raise CellRefused("bad_component")  # only separators: ";" is not "-"
    elif text == CLEAR:
        row.given[key] = None
    else:
        row.given[key] = _number(key, value)


def _an_id(value: object) -> int:
    try:
        number = a_whole_number(value)
    except CellRefused as refused:
        if refused.code != "too_large":
            raise
        number = 0  # more digits than any id has
    if not 1 <= number <= MAX_ID:
        raise CellRefused("unknown_id")
    return number


def _text(key: str, text: str) -> str:
    if text == CLEAR:
        if key in ("product", "sku"):
            raise CellRefused("cannot_clear")
        return ""
    if "\x00" in text:
        raise CellRefused("bad_character")
    if len(text) > TEXT_LIMITS[key]:
        raise CellRefused("too_long", most=TEXT_LIMITS[key], length=len(text))
    return text


def _number(key: str, value: object) -> int:
    try:
        number = rupiah(value) if key in ("price", "cost") else a_whole_number(value)
    except CellRefused as refused:
        if refused.code != "too_large":
            raise
        number = MAX_ID + 1  # more digits than any bound: refused by the range below
    if number < 0:
        raise CellRefused("negative")
    if key == "price" and not 1 <= number <= editing.MAX_PRICE:
        raise CellRefused("price_range", most=grouped(editing.MAX_PRICE))
    if key == "cost" and number > editing.MAX_PRICE:
        raise CellRefused("cost_range", most=grouped(editing.MAX_PRICE))
    if key in ("weight_grams", "low_stock_threshold") and number > MAX_WHOLE:
        raise CellRefused("too_large", most=grouped(MAX_WHOLE))
    return number


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


def _help_rows() -> list[list[object]]:
    notes = [
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
    return [[note] for note in notes]


# --- planning -----------------------------------------------------------------------------------


class _Planner(SheetPlanner):
    """Reads a table into rows, checks them against the catalogue in a few bulk queries, and
    builds the plan."""

    specs = SPECS

    def __init__(self, table: Table) -> None:
        super().__init__(table)
        self.rows: list[_Row] = []
        self.by_number: dict[int, _Row] = {}
        self.by_variant: dict[int, _Row] = {}  # the first row of each variant
        self.variants: dict[int, Variant] = {}  # named by ID
        self.by_key: dict[str, Variant] = {}  # named by SKU (given, or a component's)
        self.recipes: dict[int, list[tuple[int, int]]] = {}  # of every variant above
        self.parts: dict[int, list[tuple[_Ref, int, str]]] = {}  # row → its recipe, resolved
        self.namer: dict[int, int] = {}  # product → the first row naming it
        self.own_stock: dict[int, int] = {}  # variants becoming bundles → their own on hand
        self.component_skus: dict[int, str] = {}  # today's recipes' components → their SKUs

    def run(self) -> Plan:
        if not self.locate():
            return self.plan
        self.rows = [self._read(row) for row in self.table.rows]
        self.by_number = {row.number: row for row in self.rows}
        for row in self.rows:
            if row.variant_id:
                self.by_variant.setdefault(row.variant_id, row)
        self._load()
        self._check_ids()
        self._check_skus()
        self._check_product_names()
        self._check_components()
        self.own_stock = _own_stock(
            row.variant_id
            for row in self.rows
            if row.variant_id and self.parts.get(row.number) and row.variant_id not in self.recipes
        )
        for row in self.rows:
            if not row.failed:
                self._change(row)
        self.plan.problems.sort(key=lambda problem: problem.row)
        return self.plan

    def problem(self, row: _Row, key: str, code: str, value: object = "", **params: Any) -> None:
        self.add_problem(row.number, key, code, value, **params)
        row.failed = True

    def _read(self, table_row: TableRow) -> _Row:
        row = _Row(table_row.number)
        for key in self.columns:
            value = self.cell(table_row, key)
            text = cell_text(value)
            if not text:
                continue  # blank: leave as it is
            row.raw[key] = text
            try:
                _read_cell(row, key, value, text)
            except CellRefused as refused:
                self.problem(row, key, refused.code, text, **refused.params)
        return row

    def _load(self) -> None:
        """Every variant the file names by ID or by SKU, and their recipes: chunked queries."""
        ids = sorted(self.by_variant)
        for chunk in in_chunks(ids):
            found = Variant.objects.filter(pk__in=chunk).select_related("product")
            self.variants.update((variant.pk, variant) for variant in found)
        keys = {sku_key(row.given["sku"]) for row in self.rows if "sku" in row.given}
        for row in self.rows:
            keys.update(sku_key(sku) for sku, _q in row.given.get("components", ()))
        keys = {key for key in keys if key and "\x00" not in key}  # PostgreSQL refuses NUL
        for chunk in in_chunks(sorted(keys)):
            found = Variant.objects.filter(sku_key__in=chunk).select_related("product")
            self.by_key.update((variant.sku_key, variant) for variant in found)
        known = set(self.variants) | {variant.pk for variant in self.by_key.values()}
        self.recipes = recipes_of(known)

    # checks ------------------------------------------------------------------------------

    def _check_ids(self) -> None:
        for row in self.rows:
            if row.variant_id is None and "id" in row.raw:
                continue  # an ID that could not be read: that is its problem
            if row.variant_id is None:
                for key in ("product", "sku"):
                    if key not in row.raw:
                        self.problem(row, key, "required")
            elif row.variant_id not in self.variants:
                self.problem(row, "id", "unknown_id", row.variant_id)
            elif self.by_variant[row.variant_id] is not row:
                first = self.by_variant[row.variant_id].number
                self.problem(row, "id", "duplicate_id", row.variant_id, first=first)

    def _check_skus(self) -> None:
        first: dict[str, int] = {}
        for row in self.rows:
            if "sku" not in row.given:
                continue
            sku = row.given["sku"]
            key = sku_key(sku)
            taken = self.by_key.get(key)
            if key in first:
                self.problem(row, "sku", "sku_duplicate", sku, first=first[key])
            elif taken is not None and taken.pk != row.variant_id:
                other = {"other": taken.sku, "product": taken.product.name}
                self.problem(row, "sku", "sku_taken", sku, **other)
            first.setdefault(key, row.number)

    def _check_product_names(self) -> None:
        """A product is named once: rows of its variants that name it must agree."""
        for row in self.rows:
            variant = self.variants.get(row.variant_id or 0)
            if variant is None or "product" not in row.given:
                continue
            first = self.by_number[self.namer.setdefault(variant.product_id, row.number)]
            name = first.given["product"]
            if row.given["product"] != name:
                self.problem(
                    row, "product", "product_name_differs", row.given["product"],
                    first=first.number, name=name,
                )  # fmt: skip

    def _check_components(self) -> None:
        """Each recipe the file gives, resolved against the catalogue as it will be after the
        upload, and the rules of ``inventory/bundles.py`` checked on that final state."""
        final = self._final_skus()
        for row in self.rows:
            if "components" in row.given and not row.failed:
                self._resolve_parts(row, final)
        self._check_nesting()
        self._check_held()

    def _final_skus(self) -> dict[str, _Ref]:
        """What each SKU the file gives will name once it is applied."""
        return {
            sku_key(row.given["sku"]): self._ref(row)
            for row in self.rows
            if "sku" in row.given and not row.failed
        }

    def _ref(self, row: _Row) -> _Ref:
        return _Ref(row.variant_id) if row.variant_id else _Ref(row=row.number)

    def _target(self, key: str, final: dict[str, _Ref]) -> _Ref | None:
        """What a component's SKU names after the upload: a SKU the file gives, else today's
        variant with it — unless the file gives that variant another SKU."""
        if key in final:
            return final[key]
        variant = self.by_key.get(key)
        moving = variant is not None and "sku" in self.by_variant.get(variant.pk, _Row(0)).given
        return None if variant is None or moving else _Ref(variant.pk)

    def _resolve_parts(self, row: _Row, final: dict[str, _Ref]) -> None:
        given = row.given["components"]
        if len(given) > MAX_COMPONENTS:
            self.problem(row, "components", "too_many_components", most=MAX_COMPONENTS)
            return
        resolved: list[tuple[_Ref, int, str]] = []
        for sku, quantity in given:
            part = self._resolve_part(row, sku, quantity, final)
            if part is None:
                continue
            if any(ref == part[0] for ref, _q, _s in resolved):
                self.problem(row, "components", "component_twice", sku)
            resolved.append(part)
        if not row.failed:
            self.parts[row.number] = resolved

    def _resolve_part(
        self, row: _Row, sku: str, quantity: str, final: dict[str, _Ref]
    ) -> tuple[_Ref, int, str] | None:
        ref = self._target(sku_key(sku), final)
        if not sku_key(sku) or "\x00" in sku:
            self.problem(row, "components", "bad_component", sku)
        elif ref is None:
            self.problem(row, "components", "component_unknown", sku)
        elif ref == self._ref(row):
            self.problem(row, "components", "component_itself", sku)
        elif not (quantity.isdigit() and len(quantity) <= 9) or not (
            1 <= int(quantity) <= MAX_COMPONENT_QUANTITY
        ):
            most = grouped(MAX_COMPONENT_QUANTITY)
            self.problem(row, "components", "component_quantity", sku, most=most)
        else:
            return ref, int(quantity), sku
        return None

    def _check_nesting(self) -> None:
        """After the upload, no variant may be both a bundle and a component."""
        given = {self._ref(self.by_number[number]): parts for number, parts in self.parts.items()}
        bundles_after = {ref for ref, parts in given.items() if parts}
        bundles_after |= {_Ref(bundle) for bundle in self.recipes if _Ref(bundle) not in given}
        for number, parts in self.parts.items():
            for ref, _quantity, sku in parts:
                if ref in bundles_after:
                    self.problem(self.by_number[number], "components", "nested_bundle", sku)
        becoming = [ref.variant_id for ref, parts in given.items() if parts and ref.variant_id]
        for bundle, component, bundle_sku in _used_in(becoming):
            if _Ref(bundle) not in given:  # a bundle the file leaves as it is uses it
                row = self.by_variant[component]
                self.problem(row, "components", "bundle_is_component", bundle=bundle_sku)

    def _check_held(self) -> None:
        """A recipe changes only while no open order holds the bundle (``orders/bundles.py``)."""
        changing = {
            row.variant_id: row
            for row in self.rows
            if row.variant_id and not row.failed and self._recipe_differs(row)
        }
        for variant_id, (orders, units) in _holding(list(changing)).items():
            row = changing[variant_id]
            self.problem(row, "components", "bundle_held", orders=orders, units=units)

    def _recipe_differs(self, row: _Row) -> bool:
        parts = self.parts.get(row.number)
        if parts is None:
            return False
        now = self.recipes.get(row.variant_id or 0, [])
        return _recipe_key(parts) != sorted((component, 0, q) for component, q in now)

    # changes -----------------------------------------------------------------------------

    def _change(self, row: _Row) -> None:
        if row.variant_id is None:
            self._create(row)
            return
        variant = self.variants[row.variant_id]
        before, after = self._differences(row, variant)
        if not after:
            self.plan.unchanged += 1
            return
        data: dict[str, Any] = {"variant": variant.pk, "product": variant.product_id}
        if "components" in after:
            self._add_recipe(row, data, before, after)
        target = f"{variant.sku} · {variant.product.name}"
        self.plan.changes.append(RowChange(row.number, "edit", target, before, after, data))

    def _differences(self, row: _Row, variant: Variant) -> tuple[dict[str, Any], dict[str, Any]]:
        now = {key: getattr(variant, key) for key in ("sku", *DETAILS)}
        now["product"] = variant.product.name
        if self.namer.get(variant.product_id) != row.number:
            now.pop("product")  # another row renames it (or nothing does)
        before, after = {}, {}
        for key, value in row.given.items():
            if key in now and _comparable(now[key]) != value:
                before[key], after[key] = now[key], value
        if self._recipe_differs(row):
            before["components"] = self._recipe_words(self.recipes.get(variant.pk, []))
            after["components"] = recipe_text((s, q) for _r, q, s in self.parts[row.number])
        return before, after

    def _recipe_words(self, recipe: list[tuple[int, int]]) -> str:
        """Today's recipe as the Components column writes it (its components' SKUs read once,
        for every recipe the file changes)."""
        if not self.component_skus:
            components = {component for lines in self.recipes.values() for component, _q in lines}
            self.component_skus = _skus_of(components)
        skus = self.component_skus
        return recipe_text((skus.get(c, str(c)), quantity) for c, quantity in recipe)

    def _add_recipe(
        self, row: _Row, data: dict[str, Any], before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        parts = self.parts[row.number]
        data["parts"] = [[ref.to_json(), quantity, sku] for ref, quantity, sku in parts]
        was = self.recipes.get(row.variant_id or 0, [])
        data["was_parts"] = [[component, quantity] for component, quantity in was]
        if parts and not was and row.variant_id:
            own = self.own_stock.get(row.variant_id, 0)
            if own:  # set_recipe empties a variant's own stock as it becomes a bundle
                before[OWN_STOCK], after[OWN_STOCK] = own, 0

    def _create(self, row: _Row) -> None:
        after = {key: value for key, value in row.given.items() if key != "components"}
        data: dict[str, Any] = {}
        parts = self.parts.get(row.number)
        if parts:
            after["components"] = recipe_text((sku, q) for _r, q, sku in parts)
            data["parts"] = [[ref.to_json(), q, sku] for ref, q, sku in parts]
        target = f"{row.given['sku']} · {row.given['product']}"
        self.plan.changes.append(RowChange(row.number, "create", target, None, after, data))


def _comparable(value: Any) -> Any:
    """Today's value as a cell can give it: a cell is trimmed, so a name saved with spaces
    around it (an import's) is not "changed" by the same name in a downloaded template."""
    return value.strip() if isinstance(value, str) else value


def _recipe_key(parts: Iterable[tuple[_Ref, int, str]]) -> list[tuple[int, int, int]]:
    return sorted((ref.variant_id or 0, ref.row or 0, quantity) for ref, quantity, _s in parts)


# --- applying ---------------------------------------------------------------------------------


class _Applier:
    """Writes a plan, after checking under row locks that what the preview read still holds.

    Names, details, SKUs and new masters are written in bulk statements (5,000 rows in about a
    second, where the editing functions one row at a time took up to 50 s), checked by the plan
    as ``catalog/editing.py`` checks them and logged as it logs them. Recipes go through
    ``orders/bundles.change_recipe`` one by one: it refuses a recipe open orders hold, empties
    a new bundle's own stock in the ledger and announces the stock change."""

    def __init__(self, plan: Plan, reference: str) -> None:
        self.reference = reference
        self.edits = [change for change in plan.changes if change.action == "edit"]
        self.creates = [change for change in plan.changes if change.action == "create"]
        self.variants: dict[int, Variant] = {}  # edited, locked
        self.components: dict[int, Variant] = {}  # existing variants named as components
        self.created: dict[int, Variant] = {}  # row → its new variant
        self.problems: list[Problem] = []
        self.repriced: list[int] = []
        self.renamed_skus: list[int] = []

    def run(self) -> None:
        self._lock()
        self._check()
        if self.problems:
            raise Stale(self.problems)
        self._in_bulk(self._rename)
        self._in_bulk(self._set_details)
        self._in_bulk(self._change_skus)
        self._in_bulk(self._create)
        for change in sorted(self._recipe_changes(), key=_recipe_phase):
            self._guarded(change, self._set_recipe)
        if self.renamed_skus:  # as the SKU page does: its listings are pushed again
            tasks.nudge_after_commit(pusher.mark_variants_dirty(self.renamed_skus))
        if self.repriced:
            tasks.nudge_prices_after_commit(prices.mark_prices_dirty(self.repriced))

    def problem(self, change: RowChange, key: str, code: str, value: object = "", **p: Any) -> None:
        column = SPEC[key].heading.label if key in SPEC else ""
        self.problems.append(Problem.of(change.row, column, code, value, **p))

    def targets(self) -> set[tuple[str, str]]:
        """The (model, id) of the records whose activity entries the editing functions wrote
        (the recipes, ``inventory/bundles.set_recipe``); this class writes the others itself,
        naming the upload."""
        return {("catalog.variant", str(self._variant(c).pk)) for c in self._recipe_changes()}

    # checking ----------------------------------------------------------------------------

    def _lock(self) -> None:
        ids = sorted({change.data["variant"] for change in self.edits})
        for chunk in in_chunks(ids):
            locked = Variant.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            self.variants.update((v.pk, v) for v in locked.select_related("product"))

    def _check(self) -> None:
        recipes = recipes_of(c.data["variant"] for c in self.edits if "parts" in c.data)
        for change in self.edits:
            variant = self.variants.get(change.data["variant"])
            if variant is None:
                self.problem(change, "id", "unknown_id", change.data["variant"])
                continue
            for key, was in change.before.items():
                if _now(variant, key, recipes) != _now_of_plan(key, was, change):
                    self.problem(change, key, "changed_since")
        self._check_skus()
        self._check_components()

    def _check_skus(self) -> None:
        giving = [change for change in self.edits + self.creates if "sku" in change.after]
        keys = sorted({sku_key(change.after["sku"]) for change in giving})
        taken: dict[str, Variant] = {}
        for chunk in in_chunks(keys):
            found = Variant.objects.filter(sku_key__in=chunk).select_related("product")
            taken.update((variant.sku_key, variant) for variant in found)
        for change in giving:
            sku = change.after["sku"]
            other = taken.get(sku_key(sku))
            if other is not None and other.pk != change.data.get("variant"):
                names = {"other": other.sku, "product": other.product.name}
                self.problem(change, "sku", "sku_taken", sku, **names)

    def _check_components(self) -> None:
        changes = self._recipe_changes()
        ids = sorted({ref["id"] for c in changes for ref, _q, _s in c.data["parts"] if "id" in ref})
        for chunk in in_chunks(ids):
            self.components.update(Variant.objects.in_bulk(chunk))
        for change in changes:
            for ref, _quantity, sku in change.data["parts"]:
                if "id" in ref and ref["id"] not in self.components:
                    self.problem(change, "components", "component_unknown", sku)

    def _recipe_changes(self) -> list[RowChange]:
        return [change for change in self.edits + self.creates if "parts" in change.data]

    # writing -----------------------------------------------------------------------------

    def _guarded(self, change: RowChange, write: Callable[[RowChange], None]) -> None:
        """One row's writes in a savepoint; a refusal (something changed in between that the
        checks above do not see) becomes a :class:`Stale` for that row."""
        try:
            with transaction.atomic():
                write(change)
        except order_bundles.HeldByOrders:
            variant = self._variant(change)
            orders, units = order_bundles.holding_orders(variant)
            self.problem(change, "components", "bundle_held", orders=orders, units=units)
        except BundleRefused as refused:
            self.problem(change, "components", "refused", reason=str(refused))
        except IntegrityError:
            self.problem(change, "components", "changed_since")
        if self.problems:
            raise Stale(self.problems)

    def _in_bulk(self, write: Callable[[], None]) -> None:
        """Writes of many rows at once in a savepoint; a SKU taken in between (the database's
        unique index refuses it) becomes a :class:`Stale` naming the rows."""
        try:
            with transaction.atomic():
                write()
        except IntegrityError:
            self._check_skus()
            if not self.problems:
                self.problems.append(Problem.of(0, SKU.label, "changed_since"))
            raise Stale(self.problems) from None

    def _rename(self) -> None:
        """Products' new names in one statement, logged as ``editing.rename`` logs each (the
        plan checked each name as it does)."""
        entries: list[tuple[Model, dict[str, Any], dict[str, Any]]] = []
        rows = []
        now = timezone.now()
        for change in self.edits:
            if "product" in change.after:
                product = self.variants[change.data["variant"]].product
                old, product.name = product.name, change.after["product"]
                entries.append((product, {"name": old}, self._noted({"name": product.name})))
                rows.append((product.name, now, product.pk))
        update_values(MasterProduct, ["name", "updated_at"], rows)
        activity.record_many(activity.Action.MASTER_EDITED, entries)

    def _set_details(self) -> None:
        """Variants' details, one statement per set of fields changed together, logged as
        ``editing.set_details`` logs each (only what changed; the plan checked each value as
        it does)."""
        by_fields: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        entries: list[tuple[Model, dict[str, Any], dict[str, Any]]] = []
        for change in self.edits:
            details = {key: change.after[key] for key in DETAILS if key in change.after}
            if not details:
                continue
            variant = self.variants[change.data["variant"]]
            before = {key: getattr(variant, key) for key in details}
            for key, value in details.items():
                setattr(variant, key, value)
            by_fields[tuple(details)].append((*details.values(), variant.pk))
            entries.append((variant, before, self._noted(details)))
            if "price" in details:
                self.repriced.append(variant.pk)
        for fields, rows in by_fields.items():
            update_values(Variant, fields, rows)
        activity.record_many(activity.Action.MASTER_EDITED, entries)

    def _noted(self, after: dict[str, Any]) -> dict[str, Any]:
        """An activity entry's ``after``, naming the upload."""
        return {**after, "upload": self.reference}

    def _change_skus(self) -> None:
        """Every SKU change in one statement, logged as ``SkuChange.apply`` logs one. As there,
        listings keep their links (links are by id); the upload links none of the listings a
        new SKU matches (the links upload does that). Checked above: every new SKU is free."""
        changing = [change for change in self.edits if "sku" in change.after]
        entries: list[tuple[Variant, dict[str, Any], dict[str, Any]]] = []
        for change in changing:
            variant = self.variants[change.data["variant"]]
            old, variant.sku = variant.sku, change.after["sku"]
            variant.sku_key = sku_key(variant.sku)
            after = self._noted({"sku": variant.sku, "linked": []})
            entries.append((variant, {"sku": old}, after))
        rows = [(variant.sku, variant.sku_key, variant.pk) for variant, _b, _a in entries]
        update_values(Variant, ["sku", "sku_key"], rows)
        activity.record_many(activity.Action.MASTER_EDITED, entries)
        self.renamed_skus = [variant.pk for variant, _b, _a in entries]

    def _create(self) -> None:
        """The new masters, one product and variant each, in bulk inserts, logged as
        ``create_master`` and ``set_details`` log them."""
        products = MasterProduct.objects.bulk_create(
            MasterProduct(name=change.after["product"]) for change in self.creates
        )
        variants = Variant.objects.bulk_create(
            _new_variant(product, change.after)
            for product, change in zip(products, self.creates, strict=True)
        )
        entries: list[tuple[Model, dict[str, Any], dict[str, Any]]] = []
        for product, variant, change in zip(products, variants, self.creates, strict=True):
            self.created[change.row] = variant
            entries.append((product, {}, self._noted({"name": product.name, "sku": variant.sku})))
            details = {key: getattr(variant, key) for key in DETAILS if key in change.after}
            defaults = {"name": product.name, "barcode": ""}
            changed = {k: v for k, v in details.items() if v != defaults.get(k)}
            if changed:
                before = {key: defaults.get(key) for key in changed}
                entries.append((variant, before, self._noted(changed)))
        activity.record_many(activity.Action.MASTER_EDITED, entries)

    def _set_recipe(self, change: RowChange) -> None:
        parts = [
            Part(self.components[ref["id"]] if "id" in ref else self.created[ref["row"]], q)
            for ref, q, _sku in change.data["parts"]
        ]
        order_bundles.change_recipe(self._variant(change), parts)

    def _variant(self, change: RowChange) -> Variant:
        if change.action == "create":
            return self.created[change.row]
        return self.variants[change.data["variant"]]


def _recipe_phase(change: RowChange) -> tuple[int, int]:
    """The order recipes are saved in, so that each is allowed when its turn comes (the plan
    checked the state after all of them): recipes removed first, then bundles' new recipes,
    then variants becoming bundles."""
    if not change.data["parts"]:
        return 0, change.row
    return (1 if change.data.get("was_parts") else 2), change.row


def _now(variant: Variant, key: str, recipes: dict[int, list[tuple[int, int]]]) -> Any:
    if key == "product":
        return variant.product.name
    if key == "components":
        return [list(line) for line in recipes.get(variant.pk, [])]
    if key == OWN_STOCK:
        return None  # shown only: set_recipe empties whatever there is then
    return getattr(variant, key)


def _now_of_plan(key: str, was: Any, change: RowChange) -> Any:
    """What the preview read, as :func:`_now` gives it."""
    if key == "components":
        return [list(line) for line in change.data.get("was_parts", [])]
    if key == OWN_STOCK:
        return None
    return was


def _new_variant(product: MasterProduct, given: Mapping[str, Any]) -> Variant:
    """A new master's variant as ``create_master`` then ``set_details`` make it (its name is
    the product's unless the row gives one)."""
    details = {key: given[key] for key in DETAILS if key in given}
    return Variant(
        product=product,
        sku=given["sku"],
        sku_key=sku_key(given["sku"]),
        **{"name": product.name, "barcode": "", **details},
    )


def tag_activity(since: int, targets: set[tuple[str, str]], reference: str) -> None:
    """Name the upload in the activity entries the recipe functions wrote: they record each
    change themselves and take no reference (``core/activity.record`` has none), so the
    entries written after ``since`` about these records get it added (a concurrent edit of
    the same bundle at that moment would be refused by the bundle's row lock anyway)."""
    entries = list(
        Activity.objects.filter(pk__gt=since, action=activity.Action.MASTER_EDITED).only(
            "pk", "target_type", "target_id", "after"
        )
    )
    mine = [
        entry
        for entry in entries
        if (entry.target_type, entry.target_id) in targets and "upload" not in (entry.after or {})
    ]
    for entry in mine:
        entry.after = {**(entry.after or {}), "upload": reference}
    update_rows(Activity, mine, ["after"])


def last_activity() -> int:
    return Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- the kind -----------------------------------------------------------------------------------


class MastersKind:
    """Master products by upload (see the module's docstring)."""

    name = UploadKind.MASTERS
    permission = Permission.EDIT_CATALOG

    def template(self, user: AbstractBaseUser) -> Sequence[Sheet]:
        columns = [spec.column for spec in SPECS]
        notes = [Column(_("How to fill in"), TEXT, 110)]
        return [
            Sheet(_("Master products"), columns, _template_rows()),
            Sheet(_("How to fill in"), notes, _help_rows()),
        ]

    def plan(self, table: Table, user: AbstractBaseUser) -> Plan:
        return _Planner(table).run()

    def apply(self, plan: Plan, upload: Upload, user: AbstractBaseUser) -> int:
        if plan.problems:  # never written: the preview's errors stand
            raise Stale(plan.problems)
        with transaction.atomic():
            since = last_activity()
            applier = _Applier(plan, upload.reference)
            applier.run()
            tag_activity(since, applier.targets(), upload.reference)
        return len(plan.changes)

    def describe(self, problem: Problem) -> str:
        if problem.code == "bundle_held":
            return _held_message(problem)
        return describe_problem(MESSAGES, problem)


# --- bulk reads -------------------------------------------------------------------------------


def recipes_of(variant_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """The recipe of each bundle among these variants, in chunked queries."""
    found: dict[int, list[tuple[int, int]]] = {}
    for chunk in in_chunks(sorted(set(variant_ids))):
        found.update(bundles.recipes(chunk))
    return found


def _skus_of(variant_ids: Iterable[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in in_chunks(sorted(variant_ids)):
        found.update(Variant.objects.filter(pk__in=chunk).values_list("pk", "sku"))
    return found


def _used_in(component_ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """(bundle, component, bundle's SKU) for the bundles using any of these variants."""
    found = []
    for chunk in in_chunks(sorted(component_ids)):
        lines = BundleComponent.objects.filter(component_id__in=chunk)
        found += list(lines.values_list("bundle_id", "component_id", "bundle__sku"))
    return found


def _holding(variant_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """For the variants among these that open orders hold: (orders, units)."""
    found: dict[int, tuple[int, int]] = {}
    for chunk in in_chunks(sorted(variant_ids)):
        lines = OrderLine.objects.filter(
            variant_id__in=chunk, stock_effect__in=order_bundles.HOLDING
        )
        totals = lines.values("variant_id").annotate(
            orders=Count("order_id", distinct=True), units=Sum("quantity")
        )
        found.update((t["variant_id"], (t["orders"], t["units"] or 0)) for t in totals)
    return found


def _own_stock(variant_ids: Iterable[int | None]) -> dict[int, int]:
    """Each variant's on hand over every warehouse (variants without stock are absent)."""
    found: dict[int, int] = {}
    for chunk in in_chunks(sorted({pk for pk in variant_ids if pk})):
        levels = StockLevel.objects.filter(variant_id__in=chunk).values("variant_id")
        totals = levels.annotate(on_hand=Sum("on_hand")).values_list("variant_id", "on_hand")
        found.update((variant, int(on_hand or 0)) for variant, on_hand in totals)
    return found
