"""Stock by upload: the template lists the stock per SKU and warehouse; each row of an uploaded
copy may set the on-hand quantity (a count) or add or remove units.

Template (one sheet, then a second listing the warehouses): one row per stock level the seller
may see — bundles (no stock of their own) and archived master products left out — plus one row,
in the main warehouse, for each SKU that has no stock anywhere yet. Columns: SKU, Name,
Warehouse (its code), On hand now, Reserved, **Set to**, **Add (+) / remove (−)**. A row for
another warehouse is added by typing its code.

Each row:

- both change columns blank: unchanged (the row is not checked further);
- **Set to** N: on hand becomes N (a count), as the preview shows it. If on hand moved between
  the preview and the confirmation (an order shipped, a return came back), the count no
  longer says what to write — it may predate the movement or not — so the confirmation is
  refused for that row (:class:`~satustok.uploads.plans.Stale`, ``on_hand_changed``, naming
  both values) and nothing is written: the seller checks the count and uploads again. A Set
  row equal to on hand at the preview changes nothing and is not checked again;
- **Add** +N or −N: N units received, or removed; removing more than is on hand is refused,
  at preview and again at confirmation (:class:`~satustok.uploads.plans.Stale`);
- errors, each with its row and column: no SKU, unknown SKU, a bundle, unknown warehouse or
  one the seller does not work in, not a whole number, both columns filled, a negative Set
  to, a number beyond :data:`~satustok.inventory.adjustments.MAX_QUANTITY`, removing more
  than is on hand, and the same SKU and warehouse on two rows (both rows named).

A blank Warehouse cell (or a file without the column) means the main warehouse (code
``utama``). The preview only reads: a hub without one yet gets it at the confirmation.

Confirmed, every change is one ledger line (reason *Stock upload*, reference ``upload:<id>``,
the acting user), written per warehouse through :func:`satustok.inventory.stock.move_many` in
one transaction, after the variants' rows are locked (a master-products upload confirmed at
the same moment cannot turn one into a bundle unseen); ``stock_changed`` then marks the
listings to push, chunk by chunk, and the pushers are nudged once per integration after the
commit. Everything is read in bulk (chunked ``IN`` lists): a 50,000-row file costs a few
hundred queries, never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satustok.catalog.models import BundleComponent, Variant
from satustok.catalog.sku import sku_key
from satustok.core.access import NotAllowed, Permission
from satustok.core.bulk import insert_rows, select_in
from satustok.core.formatting import grouped
from satustok.core.sheet_reading import Table, TableRow, cell_text, whole_number
from satustok.core.spreadsheet import INTEGER, TEXT, Column, Sheet
from satustok.inventory import stock
from satustok.inventory.access import allowed_warehouse_ids, visible_levels
from satustok.inventory.adjustments import MAX_QUANTITY, default_warehouse
from satustok.inventory.models import MovementReason, StockLevel, Warehouse
from satustok.inventory.warehouses import DEFAULT_CODE
from satustok.uploads.columns import Heading
from satustok.uploads.models import Upload, UploadKind
from satustok.uploads.plans import Plan, Problem, RowChange, Stale
from satustok.uploads.sheet_plan import SheetPlanner, Spec, describe_problem, in_chunks

SKU = Heading(gettext_lazy("SKU"), "SKU")
NAME = Heading(gettext_lazy("Name"), "Nama", ("Product", "Produk"))
WAREHOUSE = Heading(gettext_lazy("Warehouse"), "Gudang", ("Warehouse code", "Kode gudang"))
ON_HAND = Heading(gettext_lazy("On hand now"), "Stok fisik sekarang", ("On hand", "Stok fisik"))
RESERVED = Heading(gettext_lazy("Reserved"), "Dipesan")
SET_TO = Heading(gettext_lazy("Set to"), "Atur menjadi", ("Set", "Atur"))
ADD = Heading(
    gettext_lazy("Add (+) / remove (−)"),
    "Tambah (+) / kurangi (−)",
    ("Add (+) / remove (-)", "Tambah (+) / kurangi (-)", "Add", "Tambah", "Add / remove"),
)
CODE = Heading(gettext_lazy("Code"), "Kode")

MOVE_CHUNK = 2_000  # variants per move_many: its IN lists stay far below SQLite's 32,766


# What each problem code says (the plan stores codes; the preview reads in its own language).
MESSAGES: dict[str, Promise] = {
    "missing_column": gettext_lazy(
        "The file has no %(column)s column. Download the template and keep its first row."
    ),
    "missing_change_columns": gettext_lazy(
        "The file has neither a “%(set_to)s” nor an “%(add)s” column: nothing says what "
        "to change. Download the template and keep its first row."
    ),
    "sku_missing": gettext_lazy("The SKU is empty, but the row changes stock."),
    "unknown_sku": gettext_lazy("No master product has SKU %(value)s."),
    "bundle": gettext_lazy(
        "%(value)s is a bundle: it has no stock of its own. Change its components' stock."
    ),
    "unknown_warehouse": gettext_lazy(
        "No warehouse has the code %(value)s. The codes are: %(codes)s."
    ),
    "warehouse_gone": gettext_lazy("The warehouse %(value)s was deleted after the preview."),
    "warehouse_not_yours": gettext_lazy(
        "You work only in other warehouses: %(warehouse)s is not one of them."
    ),
    "not_whole_number": gettext_lazy(
        "“%(value)s” is not a whole number of units (write e.g. 12, -3 or +5)."
    ),
    "both_filled": gettext_lazy(
        "Fill in either “%(set_to)s” or “%(add)s”, not both: one says what the stock "
        "becomes, the other what it changes by."
    ),
    "negative_set": gettext_lazy("Stock cannot be set below 0 (%(value)s)."),
    "too_big": gettext_lazy(
        "%(value)s would be more than %(max)s, the most one SKU can hold in a warehouse."
    ),
    "remove_too_many": gettext_lazy("Only %(on_hand)s on hand: cannot remove %(quantity)s."),
    "on_hand_changed": gettext_lazy(
        "On hand changed since the preview (%(before)s then, %(now)s now), so this count may "
        "no longer be right. Check it and upload the file again."
    ),
    "duplicate_row": gettext_lazy(
        "Rows %(first)s and %(row)s both change %(sku)s in %(warehouse)s: keep one of them."
    ),
}


SPECS = (
    Spec("sku", SKU, TEXT, 24, required=True),
    Spec("name", NAME, TEXT, 40),
    Spec("warehouse", WAREHOUSE, TEXT, 14),
    Spec("on_hand", ON_HAND, INTEGER, 16),
    Spec("reserved", RESERVED, INTEGER, 12),
    Spec("set_to", SET_TO, INTEGER, 12),
    Spec("add", ADD, INTEGER, 22),
)


@dataclass
class _Today:
    """What the rows are checked against, read in bulk before the first row."""

    variants: dict[str, tuple[int, str]]  # SKU key → (id, SKU)
    bundles: set[int]
    levels: dict[tuple[int, int], int]  # (variant, warehouse) → on hand
    warehouses: dict[str, Warehouse]  # code and name, case-folded → warehouse
    main: Warehouse
    allowed: frozenset[int] | None


class StockKind:
    name = UploadKind.STOCK.value
    permission = Permission.ADJUST_STOCK

    # --- the template -----------------------------------------------------------------------

    def template(self, user: AbstractBaseUser) -> Sequence[Sheet]:
        warehouses = _warehouses_of(user)
        return [
            Sheet(_("Stock"), [spec.column for spec in SPECS], _template_rows(user, warehouses)),
            Sheet(
                _("Warehouses"),
                [Column(CODE.label, TEXT, 14), Column(NAME.label, TEXT, 30)],
                [(warehouse.code, warehouse.name) for warehouse in warehouses],
            ),
        ]

    # --- the preview ------------------------------------------------------------------------

    def plan(self, table: Table, user: AbstractBaseUser) -> Plan:
        return _Planner(table, user).run()

    # --- confirming -------------------------------------------------------------------------

    def apply(self, plan: Plan, upload: Upload, user: AbstractBaseUser) -> int:
        with transaction.atomic():
            by_warehouse = _by_warehouse(plan.changes)
            _check_still_yours(user, by_warehouse)
            _check_still_there(plan.changes)
            written = 0
            for warehouse_id in sorted(by_warehouse):
                written += _apply_warehouse(warehouse_id, by_warehouse[warehouse_id], upload)
            return written

    # --- words ------------------------------------------------------------------------------

    def describe(self, problem: Problem) -> str:
        return describe_problem(
            MESSAGES,
            problem,
            row=problem.row,
            max=grouped(MAX_QUANTITY),
            set_to=SET_TO.label,
            add=ADD.label,
        )


# --- the template's rows ------------------------------------------------------------------------


def _warehouses_of(user: Any) -> list[Warehouse]:
    allowed = allowed_warehouse_ids(user)
    warehouses = Warehouse.objects.order_by("code")
    return list(warehouses if allowed is None else warehouses.filter(pk__in=allowed))


def _stocked_variants() -> Any:
    """Variants whose stock an upload may change: not bundles, of masters still sold."""
    is_bundle = Exists(BundleComponent.objects.filter(bundle_id=OuterRef("pk")))
    return Variant.objects.filter(product__archived_at__isnull=True).exclude(is_bundle)


def _template_rows(user: Any, warehouses: list[Warehouse]) -> Iterator[tuple[object, ...]]:
    """Every visible level of a stocked variant, and a main-warehouse row for each stocked
    variant with none, by SKU then warehouse code."""
    variants = _stocked_variants()
    levels = visible_levels(StockLevel.objects.filter(variant__in=variants), user)
    rows = [
        (key, sku, _name(product, variant), code, on_hand, reserved)
        for key, sku, product, variant, code, on_hand, reserved in levels.values_list(
            "variant__sku_key",
            "variant__sku",
            "variant__product__name",
            "variant__name",
            "warehouse__code",
            "on_hand",
            "reserved",
        )
    ]
    home = _home_warehouse(warehouses)
    if home is not None:
        placed = visible_levels(StockLevel.objects.filter(variant_id=OuterRef("pk")), user)
        bare = variants.exclude(Exists(placed))
        rows += [
            (key, sku, _name(product, variant), home.code, 0, 0)
            for key, sku, product, variant in bare.values_list(
                "sku_key", "sku", "product__name", "name"
            )
        ]
    rows.sort(key=lambda row: (row[0], row[3]))
    for _key, *cells in rows:
        yield (*cells, None, None)


def _name(product: str, variant: str) -> str:
    return f"{product} — {variant}" if variant and variant != product else product


def _home_warehouse(warehouses: list[Warehouse]) -> Warehouse | None:
    """Where a SKU with no stock yet is offered: the main warehouse, else the user's first."""
    for warehouse in warehouses:
        if warehouse.code == "utama":
            return warehouse
    return warehouses[0] if warehouses else None


# --- planning -----------------------------------------------------------------------------------


class _Planner(SheetPlanner):
    """Reads every row against today's data (read in bulk first) into the plan."""

    specs = SPECS

    def __init__(self, table: Table, user: Any) -> None:
        super().__init__(table)
        self.user = user
        self.seen: dict[tuple[int, int | None], int] = {}  # (variant, warehouse) → first row

    def run(self) -> Plan:
        self.locate()
        if "set_to" not in self.columns and "add" not in self.columns:
            self.plan.problems.append(Problem.of(0, "", "missing_change_columns"))
        if self.plan.problems:
            return self.plan
        self.today = self._read_today()
        for row in self.table.rows:
            self._row(row)
        self.plan.problems.sort(key=lambda problem: problem.row)
        return self.plan

    def _read_today(self) -> _Today:
        skus = {sku_key(cell_text(self.cell(row, "sku"))) for row in self.table.rows}
        found = select_in(Variant, ["id", "sku", "sku_key"], "sku_key", sorted(skus - {""}))
        variants = {key: (pk, sku) for pk, sku, key in found}
        ids = sorted(pk for pk, _sku in variants.values())
        bundles = {bundle for (bundle,) in select_in(BundleComponent, ["bundle"], "bundle", ids)}
        levels = {
            (variant, warehouse): on_hand
            for variant, warehouse, on_hand in select_in(
                StockLevel, ["variant", "warehouse", "on_hand"], "variant", ids
            )
        }
        main = _main_warehouse()
        warehouses: dict[str, Warehouse] = {}
        for warehouse in Warehouse.objects.order_by("-pk"):  # a code wins over another's name
            warehouses[warehouse.name.casefold()] = warehouse
            warehouses[warehouse.code.casefold()] = warehouse
        warehouses.setdefault(main.code.casefold(), main)  # "utama" typed before it exists
        allowed = allowed_warehouse_ids(self.user)
        return _Today(variants, bundles, levels, warehouses, main, allowed)

    def _row(self, row: TableRow) -> None:
        set_cell, add_cell = self.cell(row, "set_to"), self.cell(row, "add")
        if set_cell is None and add_cell is None:
            self.plan.unchanged += 1
            return
        problems_before = len(self.plan.problems)
        target = self._target(row)
        amount = self._amount(row, set_cell, add_cell)
        if target is None or amount is None or len(self.plan.problems) > problems_before:
            return
        (variant_id, sku), warehouse = target
        place = (variant_id, warehouse.pk)
        if place in self.seen:
            first = self.seen[place]
            params = {"first": first, "sku": sku, "warehouse": warehouse.name}
            self.add_problem(row.number, "sku", "duplicate_row", sku, **params)
            return
        self.seen[place] = row.number
        on_hand = self.today.levels.get((variant_id, warehouse.pk or 0), 0)
        self._change(row, (variant_id, sku, warehouse), amount, on_hand)

    def _target(self, row: TableRow) -> tuple[tuple[int, str], Warehouse] | None:
        """The row's variant and warehouse, or None with the problems added."""
        sku = cell_text(self.cell(row, "sku"))
        variant = self.today.variants.get(sku_key(sku))
        if not sku:
            self.add_problem(row.number, "sku", "sku_missing", "")
        elif variant is None:
            self.add_problem(row.number, "sku", "unknown_sku", sku)
        elif variant[0] in self.today.bundles:
            self.add_problem(row.number, "sku", "bundle", sku)
        warehouse = self._warehouse(row)
        if variant is None or warehouse is None or variant[0] in self.today.bundles:
            return None
        return variant, warehouse

    def _warehouse(self, row: TableRow) -> Warehouse | None:
        written = cell_text(self.cell(row, "warehouse"))
        today = self.today
        warehouse = today.warehouses.get(written.casefold()) if written else today.main
        if warehouse is None:
            codes = ", ".join(sorted({w.code for w in today.warehouses.values()}))
            self.add_problem(row.number, "warehouse", "unknown_warehouse", written, codes=codes)
            return None
        if today.allowed is not None and warehouse.pk not in today.allowed:
            shown = written or warehouse.code
            self.add_problem(row.number, "warehouse", "warehouse_not_yours", shown, warehouse=shown)
            return None
        return warehouse

    def _amount(self, row: TableRow, set_cell: object, add_cell: object) -> tuple[str, int] | None:
        """("set", N) or ("add", ±N) from the row's change columns, or None with a problem."""
        if set_cell is not None and add_cell is not None:
            both = f"{self.headers['set_to']} / {self.headers['add']}"
            self.plan.problems.append(Problem.of(row.number, both, "both_filled"))
            return None
        mode, cell = ("set", set_cell) if set_cell is not None else ("add", add_cell)
        key = "set_to" if mode == "set" else "add"
        try:
            quantity = whole_number(cell)
        except ValueError:
            self.add_problem(row.number, key, "not_whole_number", cell_text(cell))
            return None
        if mode == "set" and quantity < 0:
            self.add_problem(row.number, key, "negative_set", quantity)
            return None
        if abs(quantity) > MAX_QUANTITY:
            self.add_problem(row.number, key, "too_big", grouped(quantity))
            return None
        return mode, quantity

    def _change(
        self,
        row: TableRow,
        place: tuple[int, str, Warehouse],
        amount: tuple[str, int],
        on_hand: int,
    ) -> None:
        variant_id, sku, warehouse = place
        mode, quantity = amount
        after = quantity if mode == "set" else on_hand + quantity
        if after == on_hand:
            self.plan.unchanged += 1
            return
        key = "set_to" if mode == "set" else "add"
        if after < 0:
            params = {"on_hand": grouped(on_hand), "quantity": grouped(-quantity)}
            self.add_problem(row.number, key, "remove_too_many", quantity, **params)
            return
        if after > MAX_QUANTITY:
            self.add_problem(row.number, key, "too_big", grouped(after))
            return
        action = "set" if mode == "set" else ("add" if quantity > 0 else "remove")
        data = {"variant": variant_id, "warehouse": warehouse.pk, mode: quantity}
        target = f"{sku} · {warehouse.name}"
        self.plan.changes.append(RowChange(row.number, action, target, on_hand, after, data))


def _main_warehouse() -> Warehouse:
    """The main warehouse, read only (a preview writes nothing, and may be a cross-site GET
    away from a write): a hub without one yet is offered an unsaved one, made at the
    confirmation (``None`` as the plan's warehouse)."""
    found = Warehouse.objects.filter(code=DEFAULT_CODE).first()
    return found or Warehouse(code=DEFAULT_CODE, name="Gudang Utama")


# --- applying -----------------------------------------------------------------------------------


def _by_warehouse(changes: Sequence[RowChange]) -> dict[int, list[RowChange]]:
    """The changes per warehouse id; the plan's None is the main warehouse, not made yet at
    the preview and made now (as a stock adjustment makes it)."""
    found: dict[int, list[RowChange]] = defaultdict(list)
    main: int | None = None
    for change in changes:
        warehouse_id = change.data["warehouse"]
        if warehouse_id is None:
            main = main or default_warehouse().pk
            warehouse_id = main
        found[warehouse_id].append(change)
    return found


def _check_still_yours(user: Any, by_warehouse: dict[int, list[RowChange]]) -> None:
    """The confirming user works in every warehouse the upload changes (it may not be the
    user who previewed it)."""
    allowed = allowed_warehouse_ids(user)
    if allowed is None:
        return
    refused = sorted(set(by_warehouse) - allowed)
    if refused:
        names = Warehouse.objects.filter(pk__in=refused).values_list("name", flat=True)
        raise NotAllowed(
            _("You work only in other warehouses: %(warehouse)s is not one of them.")
            % {"warehouse": ", ".join(names) or "—"}
        )


def _check_still_there(changes: Sequence[RowChange]) -> None:
    """Raise :class:`Stale` for rows whose SKU was deleted or became a bundle, or whose
    warehouse was deleted, since the preview. The variants' rows are locked first, in id
    order as a master-products confirmation locks them, so that none becomes a bundle between
    this check and the commit (PostgreSQL; SQLite's IMMEDIATE transaction holds the
    database)."""
    variant_ids = sorted({change.data["variant"] for change in changes})
    existing = _locked_variants(variant_ids)
    bundles = {pk for (pk,) in select_in(BundleComponent, ["bundle"], "bundle", variant_ids)}
    warehouses = set(Warehouse.objects.values_list("pk", flat=True))
    problems = []
    for change in changes:
        sku, _at, warehouse = change.target.partition(" · ")
        if change.data["variant"] not in existing:
            problems.append(Problem.of(change.row, SKU.label, "unknown_sku", sku))
        elif change.data["variant"] in bundles:
            problems.append(Problem.of(change.row, SKU.label, "bundle", sku))
        elif change.data["warehouse"] is not None and change.data["warehouse"] not in warehouses:
            problems.append(Problem.of(change.row, WAREHOUSE.label, "warehouse_gone", warehouse))
    if problems:
        raise Stale(problems)


def _locked_variants(variant_ids: list[int]) -> set[int]:
    """The ids of the variants still there, their rows locked until commit."""
    found: set[int] = set()
    for chunk in in_chunks(variant_ids, MOVE_CHUNK):
        locked = Variant.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        found.update(locked.values_list("pk", flat=True))
    return found


def _apply_warehouse(warehouse_id: int, changes: list[RowChange], upload: Upload) -> int:
    """One warehouse's changes against its levels as they are now, locked; the number of
    ledger lines written."""
    changes = sorted(changes, key=lambda change: change.data["variant"])
    variant_ids = [change.data["variant"] for change in changes]
    _create_missing_levels(warehouse_id, variant_ids)
    on_hand = _locked_on_hand(warehouse_id, variant_ids)
    moves, problems = [], []
    for change in changes:
        now = on_hand[change.data["variant"]]
        delta = change.data["set"] - now if "set" in change.data else change.data["add"]
        column = SET_TO.label if "set" in change.data else ADD.label
        if "set" in change.data and now != change.before:
            params = {"before": grouped(change.before or 0), "now": grouped(now)}
            value = change.data["set"]
            problems.append(Problem.of(change.row, column, "on_hand_changed", value, **params))
        elif now + delta < 0:
            params = {"on_hand": grouped(now), "quantity": grouped(-delta)}
            problems.append(Problem.of(change.row, column, "remove_too_many", delta, **params))
        elif now + delta > MAX_QUANTITY:
            problems.append(Problem.of(change.row, column, "too_big", grouped(now + delta)))
        elif delta:
            moves.append(_ledger_line(change, delta, upload))
    if problems:
        raise Stale(problems)
    for chunk in in_chunks(moves, MOVE_CHUNK):
        stock.move_many(warehouse_id, list(chunk))
    return len(moves)


def _ledger_line(change: RowChange, delta: int, upload: Upload) -> stock.Change:
    note = _("%(file)s, row %(row)s") % {"file": upload.file_name[:200], "row": change.row}
    return stock.Change(
        change.data["variant"],
        MovementReason.STOCK_UPLOAD,
        on_hand=delta,
        reference=upload.reference,
        note=note[:255],
    )


def _create_missing_levels(warehouse_id: int, variant_ids: list[int]) -> None:
    """Levels at zero for SKUs first stocked in this warehouse, in one statement (move_many
    would create them one by one)."""
    found = select_in(
        StockLevel, ["variant"], "variant", variant_ids, equal={"warehouse": warehouse_id}
    )
    missing = sorted(set(variant_ids) - {variant for (variant,) in found})
    now = timezone.now()
    insert_rows(
        StockLevel,
        ["warehouse", "variant", "on_hand", "reserved", "updated_at"],
        [(warehouse_id, variant, 0, 0, now) for variant in missing],
        ignore_conflicts=True,  # another writer created it meanwhile: the lock below reads it
    )


def _locked_on_hand(warehouse_id: int, variant_ids: list[int]) -> dict[int, int]:
    """On hand per variant, the levels locked until commit in variant order (PostgreSQL; on
    SQLite the IMMEDIATE transaction holds the database), as move_many locks them."""
    found: dict[int, int] = {}
    for chunk in in_chunks(variant_ids, MOVE_CHUNK):
        levels = StockLevel.objects.select_for_update().filter(
            warehouse_id=warehouse_id, variant_id__in=chunk
        )
        found.update(levels.order_by("variant_id").values_list("variant_id", "on_hand"))
    return found
