"""Listing links by upload: which master SKU each listing on each shop follows.

The template holds one row per listing: its integration (the integration's id, the key, with
the shop's name and channel beside it), its listing id on the channel (unique within the
integration; a variant's parent id is shown to help find it), the channel's SKU and name, and
the **Master SKU** it is linked to (blank: not linked). Only the Master SKU column is read
besides the two keys; the others are there to read.

Each row: a Master SKU other than today's links the listing to that variant, as linking by hand
does (``channels/linking.py``: the link counts as the seller's own, so an import never changes
it; the listing is due a stock push and a price push); a blank Master SKU (or ``-``) where the
listing is linked unlinks it; the same SKU as today changes nothing. An unlinked listing gets no
more pushes: the shop keeps the stock it last showed until the seller changes it there.
Bundles may be linked like any variant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satustok.catalog.models import Variant
from satustok.catalog.sku import MAX_SKU_LENGTH, sku_key
from satustok.channels.linking import UNLINKED_BY_HAND
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core import activity
from satustok.core.access import Permission
from satustok.core.bulk import select_in, update_values
from satustok.core.sheet_reading import Table, TableRow, cell_text
from satustok.core.spreadsheet import TEXT, Sheet
from satustok.sync import tasks
from satustok.uploads.columns import Heading
from satustok.uploads.models import UploadKind
from satustok.uploads.plans import Plan, Problem, RowChange, Stale
from satustok.uploads.sheet_plan import (
    CLEAR,
    CellRefused,
    SheetPlanner,
    Spec,
    a_whole_number,
    describe_problem,
    in_chunks,
    template_sheets,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from satustok.uploads.models import Upload

LISTING_ID_LENGTH = 64  # Listing.external_id

INTEGRATION_ID = Heading(gettext_lazy("Integration ID"), "ID integrasi")
INTEGRATION = Heading(gettext_lazy("Integration"), "Integrasi", ("Shop", "Toko"))
CHANNEL = Heading(gettext_lazy("Channel"), "Channel")
LISTING_ID = Heading(gettext_lazy("Listing ID"), "ID listing")
PARENT_ID = Heading(gettext_lazy("Parent listing ID"), "ID listing induk")
CHANNEL_SKU = Heading(gettext_lazy("Channel SKU"), "SKU channel")
LISTING_NAME = Heading(gettext_lazy("Listing name"), "Nama listing")
MASTER_SKU = Heading(gettext_lazy("Master SKU"), "SKU master")
SPECS = (
    Spec("integration", INTEGRATION_ID, TEXT, 13, required=True),
    Spec("shop", INTEGRATION, TEXT, 24),
    Spec("channel", CHANNEL, TEXT, 12),
    Spec("listing", LISTING_ID, TEXT, 22, required=True),
    Spec("parent", PARENT_ID, TEXT, 20),
    Spec("channel_sku", CHANNEL_SKU, TEXT, 20),
    Spec("listing_name", LISTING_NAME, TEXT, 40),
    Spec("master_sku", MASTER_SKU, TEXT, 20, required=True),
)
SPEC = {spec.key: spec for spec in SPECS}

MESSAGES: dict[str, Promise] = {
    "missing_column": gettext_lazy(
        "The file has no %(column)s column: download the template and keep its header row."
    ),
    "required": gettext_lazy("%(column)s is needed to find the listing."),
    "not_whole": gettext_lazy("%(value)s is not an integration's ID (a whole number)."),
    "unknown_integration": gettext_lazy("No integration has ID %(value)s."),
    "unknown_listing": gettext_lazy(
        "Integration %(integration)s has no listing %(value)s: import the shop again if it is new."
    ),
    "unknown_master_sku": gettext_lazy("No master product has SKU %(value)s."),
    "duplicate_row": gettext_lazy("This listing is also on row %(first)d: give each listing once."),
    "conflicting_rows": gettext_lazy(
        "Row %(first)d links this listing to %(sku)s: a listing follows one master SKU."
    ),
    "too_long": gettext_lazy("At most %(most)d characters (this cell has %(length)d)."),
    "bad_character": gettext_lazy("The cell holds a NUL character, which cannot be saved."),
    "changed_since": gettext_lazy(
        "This listing's link was changed after the preview (now: %(now)s): upload the file "
        "again to see the change."
    ),
}


# --- the template -----------------------------------------------------------------------------


def _template_rows() -> Iterator[list[object]]:
    accounts = {account.pk: account for account in ChannelAccount.objects.all()}
    listings = Listing.objects.order_by("account_id", "parent_external_id", "external_id")
    fields = ("account_id", "external_id", "parent_external_id", "sku", "name", "variant__sku")
    for account_id, external_id, parent, sku, name, master_sku in listings.values_list(
        *fields
    ).iterator(5_000):
        account = accounts[account_id]
        shop = account.shop_name or account.shop_id
        channel = account.get_channel_display()  # type: ignore[attr-defined]
        yield [account_id, shop, channel, external_id, parent, sku, name, master_sku]


def _notes() -> list[str]:
    return [
        _("One row per listing. Integration ID and Listing ID say which listing; only Master "
          "SKU is read besides them."),
        _("Master SKU: the master product the listing follows. Another SKU links it to that "
          "master (as linking by hand); blank (or -) unlinks it; the same SKU changes nothing."),
        _("A listing linked here is pushed the master's stock. An unlinked listing is no "
          "longer pushed: the shop keeps showing the stock it last received."),
        _("Rows left out of the file change nothing. Nothing is saved until you confirm the "
          "preview."),
    ]  # fmt: skip


# --- planning ---------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    account_id: int | None = None
    external_id: str = ""
    master_sku: str = ""  # "": not linked
    failed: bool = False


@dataclass(frozen=True)
class _Listing:
    pk: int
    variant_id: int | None
    channel_sku: str


class _Planner(SheetPlanner):
    specs = SPECS

    def __init__(self, table: Table) -> None:
        super().__init__(table)
        self.accounts = {account.pk: account for account in ChannelAccount.objects.all()}
        self.listings: dict[tuple[int, str], _Listing] = {}
        self.by_key: dict[str, tuple[int, str]] = {}  # sku key → (variant id, SKU)
        self.skus: dict[int, str] = {}  # today's linked variants' SKUs

    def run(self) -> Plan:
        if not self.locate():
            return self.plan
        rows = [self._read(row) for row in self.table.rows]
        self._load(rows)
        first: dict[tuple[int, str], _Row] = {}
        for row in rows:
            self._check(row, first)
        return self.finish(rows)

    def _read(self, table_row: TableRow) -> _Row:
        row = _Row(table_row.number)
        value = self.cell(table_row, "integration")
        try:
            row.account_id = _an_account(value, self.accounts)
        except CellRefused as refused:
            self.problem(row, "integration", refused.code, cell_text(value))
        row.external_id = cell_text(self.cell(table_row, "listing"))
        master_sku = cell_text(self.cell(table_row, "master_sku"))
        row.master_sku = "" if master_sku == CLEAR else master_sku
        self._check_text(row, "listing", row.external_id, LISTING_ID_LENGTH)
        self._check_text(row, "master_sku", row.master_sku, MAX_SKU_LENGTH)
        return row

    def _check_text(self, row: _Row, key: str, text: str, most: int) -> None:
        if key == "listing" and not text:
            self.problem(row, key, "required")
        elif "\x00" in text:
            self.problem(row, key, "bad_character", text)
        elif len(text) > most:
            self.problem(row, key, "too_long", text, most=most, length=len(text))

    def _load(self, rows: Sequence[_Row]) -> None:
        """The listings and master SKUs the file names, in chunked queries."""
        wanted: dict[int, set[str]] = defaultdict(set)
        for row in rows:
            if row.account_id is not None and row.external_id and "\x00" not in row.external_id:
                wanted[row.account_id].add(row.external_id)
        fields = ["id", "external_id", "variant_id", "sku"]
        for account_id, external_ids in wanted.items():
            for pk, external_id, variant_id, channel_sku in select_in(
                Listing, fields, "external_id", sorted(external_ids), equal={"account": account_id}
            ):
                self.listings[(account_id, external_id)] = _Listing(pk, variant_id, channel_sku)
        keys = sorted({sku_key(row.master_sku) for row in rows if "\x00" not in row.master_sku})
        keys = [key for key in keys if key]
        for pk, key, sku in select_in(Variant, ["id", "sku_key", "sku"], "sku_key", keys):
            self.by_key[key] = (pk, sku)
        linked = sorted({lst.variant_id for lst in self.listings.values() if lst.variant_id})
        self.skus = dict(select_in(Variant, ["id", "sku"], "id", linked))

    def _check(self, row: _Row, first: dict[tuple[int, str], _Row]) -> None:
        if row.failed or row.account_id is None:
            return
        key = (row.account_id, row.external_id)
        if key not in self.listings:
            self.problem(row, "listing", "unknown_listing", row.external_id,
                         integration=row.account_id)  # fmt: skip
        if row.master_sku and sku_key(row.master_sku) not in self.by_key:
            self.problem(row, "master_sku", "unknown_master_sku", row.master_sku)
        earlier = first.setdefault(key, row)
        if earlier is row:
            return
        if sku_key(earlier.master_sku) == sku_key(row.master_sku):
            self.problem(row, "listing", "duplicate_row", row.external_id, first=earlier.number)
        else:
            sku = earlier.master_sku or "—"
            self.problem(row, "master_sku", "conflicting_rows", row.master_sku,
                         first=earlier.number, sku=sku)  # fmt: skip

    def plan_row(self, row: _Row) -> None:
        assert row.account_id is not None
        listing = self.listings[(row.account_id, row.external_id)]
        variant_id, sku = self.by_key.get(sku_key(row.master_sku), (None, None))
        if variant_id == listing.variant_id:
            self.plan.unchanged += 1
            return
        account = self.accounts[row.account_id]
        shop = account.shop_name or account.shop_id
        target = f"{shop} · {row.external_id} ({listing.channel_sku or '—'})"
        was = self.skus.get(listing.variant_id) if listing.variant_id else None
        data = {"listing": listing.pk, "account": account.pk, "external_id": row.external_id,
                "variant": variant_id, "was": listing.variant_id}  # fmt: skip
        action = "link" if variant_id else "unlink"
        self.plan.changes.append(RowChange(row.number, action, target, was, sku, data))


def _an_account(value: object, accounts: dict[int, ChannelAccount]) -> int:
    if not cell_text(value):
        raise CellRefused("required")
    try:
        number = a_whole_number(value)
    except CellRefused as refused:
        code = "not_whole" if refused.code == "not_whole" else "unknown_integration"
        raise CellRefused(code) from None
    if number not in accounts:
        raise CellRefused("unknown_integration")
    return number


# --- applying ---------------------------------------------------------------------------------


class _Applier:
    """Writes a plan's links and unlinks in two bulk statements, after checking under row
    locks that each listing is still linked as the preview saw it."""

    def __init__(self, plan: Plan, reference: str) -> None:
        self.changes = plan.changes
        self.reference = reference
        self.listings: dict[int, Listing] = {}
        self.variants: dict[int, str] = {}  # id → SKU
        self.problems: list[Problem] = []

    def run(self) -> None:
        self._lock()
        self._check()
        if self.problems:
            raise Stale(self.problems)
        links = [change for change in self.changes if change.data["variant"]]
        unlinks = [change for change in self.changes if not change.data["variant"]]
        update_values(
            Listing,
            ["variant", "link_method", "unlinked_reason", "needs_push", "price_needs_push"],
            [(c.data["variant"], LinkMethod.MANUAL, "", True, True, c.data["listing"])
             for c in links],
            increment=["dirty_version", "price_dirty_version"],
        )  # fmt: skip
        update_values(
            Listing,
            ["variant", "link_method", "unlinked_reason", "needs_push", "push_urgent",
             "price_needs_push"],
            [(None, LinkMethod.UNLINKED, UNLINKED_BY_HAND, False, False, False, c.data["listing"])
             for c in unlinks],
            increment=["dirty_version", "price_dirty_version"],
        )  # fmt: skip
        self._record()
        accounts = {change.data["account"] for change in links}
        tasks.nudge_after_commit(accounts)  # the pushers, once this commits
        tasks.nudge_prices_after_commit(accounts)

    def problem(self, change: RowChange, key: str, code: str, value: object = "", **p: Any) -> None:
        self.problems.append(Problem.of(change.row, SPEC[key].heading.label, code, value, **p))

    def _lock(self) -> None:
        ids = sorted(change.data["listing"] for change in self.changes)
        fields = ("id", "account_id", "external_id", "sku", "variant_id", "link_method")
        for chunk in in_chunks(ids):
            locked = Listing.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            self.listings.update((lst.pk, lst) for lst in locked.only(*fields))
        wanted = {c.data[k] for c in self.changes for k in ("variant", "was") if c.data[k]}
        self.variants = dict(select_in(Variant, ["id", "sku"], "id", sorted(wanted)))

    def _check(self) -> None:
        for change in self.changes:
            listing = self.listings.get(change.data["listing"])
            if listing is None:
                where = {"integration": change.data["account"]}
                self.problem(
                    change, "listing", "unknown_listing", change.data["external_id"], **where
                )
            elif listing.variant_id != change.data["was"]:
                now = self.variants.get(listing.variant_id or 0) or _sku_of(listing.variant_id)
                self.problem(change, "master_sku", "changed_since", change.after, now=now or "—")
            elif change.data["variant"] and change.data["variant"] not in self.variants:
                self.problem(change, "master_sku", "unknown_master_sku", change.after)

    def _record(self) -> None:
        """One activity entry per listing, as linking by hand writes it, naming the upload."""
        linked: list[tuple[Listing, dict[str, Any], dict[str, Any]]] = []
        unlinked: list[tuple[Listing, dict[str, Any], dict[str, Any]]] = []
        for change in self.changes:
            listing = self.listings[change.data["listing"]]
            method = LinkMethod.MANUAL if change.data["variant"] else LinkMethod.UNLINKED
            before = {"variant": change.before, "link": listing.link_method}
            after = {"variant": change.after, "link": method, "upload": self.reference}
            (linked if change.data["variant"] else unlinked).append((listing, before, after))
        activity.record_many(activity.Action.LISTING_LINKED, linked)
        activity.record_many(activity.Action.LISTING_UNLINKED, unlinked)


def _sku_of(variant_id: int | None) -> str | None:
    if variant_id is None:
        return None
    return Variant.objects.filter(pk=variant_id).values_list("sku", flat=True).first()


# --- the kind -----------------------------------------------------------------------------------


class LinksKind:
    """Listing links by upload (see the module's docstring)."""

    name = UploadKind.LINKS
    permission = Permission.IMPORT  # as linking by hand

    def template(self, user: AbstractBaseUser) -> Sequence[Sheet]:
        return template_sheets(_("Listing links"), SPECS, _template_rows(), _notes())

    def plan(self, table: Table, user: AbstractBaseUser) -> Plan:
        return _Planner(table).run()

    def apply(self, plan: Plan, upload: Upload, user: AbstractBaseUser) -> int:
        if plan.problems:  # never written: the preview's errors stand
            raise Stale(plan.problems)
        with transaction.atomic():
            _Applier(plan, upload.reference).run()
        return len(plan.changes)

    def describe(self, problem: Problem) -> str:
        return describe_problem(MESSAGES, problem)
