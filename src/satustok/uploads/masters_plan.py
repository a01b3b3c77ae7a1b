"""Master products by upload, the preview: every row read and checked against the catalogue
as it will be *after* the upload, in a few bulk queries (see :mod:`satustok.uploads.masters`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum

from satustok.catalog import editing
from satustok.catalog.models import BundleComponent, Variant
from satustok.catalog.sku import sku_key
from satustok.core.formatting import grouped
from satustok.core.sheet_reading import Table, TableRow, cell_text
from satustok.inventory import bundles
from satustok.inventory.bundles import MAX_COMPONENT_QUANTITY, MAX_COMPONENTS
from satustok.inventory.models import StockLevel
from satustok.orders import bundles as order_bundles
from satustok.orders.models import OrderLine
from satustok.uploads.masters import (
    DETAILS,
    OWN_STOCK,
    SPECS,
    TEXT_LIMITS,
    parse_components,
    recipe_text,
)
from satustok.uploads.plans import Plan, RowChange
from satustok.uploads.sheet_plan import (
    CLEAR,
    CellRefused,
    SheetPlanner,
    a_whole_number,
    in_chunks,
    rupiah,
)

MAX_WHOLE = 2_147_483_647  # weights and thresholds: what the database's integer column holds
MAX_ID = 9_223_372_036_854_775_807  # ids are 64-bit: a larger number names no variant

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


# --- planning -----------------------------------------------------------------------------------


class Planner(SheetPlanner):
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
        return self.finish(self.rows)

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

    def plan_row(self, row: _Row) -> None:
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
