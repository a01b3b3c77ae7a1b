"""Master products by upload, the confirmation: what the preview read checked again under row
locks, then written in bulk (see :mod:`satustok.uploads.masters`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from satustok.catalog.models import MasterProduct, Variant
from satustok.catalog.sku import sku_key
from satustok.core import activity
from satustok.core.bulk import update_rows, update_values
from satustok.core.models import Activity
from satustok.inventory.bundles import BundleRefused, Part
from satustok.orders import bundles as order_bundles
from satustok.sync import prices, pusher, tasks
from satustok.uploads.masters import DETAILS, OWN_STOCK, SKU, SPEC
from satustok.uploads.masters_plan import recipes_of
from satustok.uploads.plans import Plan, Problem, RowChange, Stale
from satustok.uploads.sheet_plan import in_chunks

# --- applying ---------------------------------------------------------------------------------


class Applier:
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
