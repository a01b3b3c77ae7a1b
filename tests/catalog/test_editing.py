"""Editing masters (catalog/editing.py): rename, details, the SKU change with its preview, and
archiving — with the pusher's rule that an archived master's listings are pushed 0."""

from __future__ import annotations

import pytest

from satustok.catalog import editing
from satustok.catalog.editing import EditRefused
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.activity import Action
from satustok.core.models import Activity
from satustok.inventory import stock
from satustok.inventory.models import Warehouse
from satustok.sync import pusher

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> ChannelAccount:
    warehouse = Warehouse.objects.create(name="Gudang", code="gudang")
    return ChannelAccount.objects.create(
        channel="tokopedia", shop_id="1", app_id="1", client_id="c", client_secret="s",
        warehouse=warehouse, shop_name="Toko A",
    )  # fmt: skip


def master(sku: str, name: str = "Kaos Polos") -> Variant:
    return Variant.objects.create(product=MasterProduct.objects.create(name=name), sku=sku)


def listing(
    account: ChannelAccount, external_id: str, sku: str, variant: Variant | None = None
) -> Listing:
    return Listing.objects.create(
        account=account, external_id=external_id, sku=sku, variant=variant,
        link_method=LinkMethod.AUTO_SKU if variant else LinkMethod.UNLINKED,
    )  # fmt: skip


def logged(action: str) -> list[Activity]:
    return list(Activity.objects.filter(action=action).order_by("id"))


# --- names and details ----------------------------------------------------------------------


def test_rename_saves_and_logs_before_and_after() -> None:
    product = master("KAOS-01").product
    editing.rename(product, "  Kaos Oversize  ")
    product.refresh_from_db()
    assert product.name == "Kaos Oversize"
    (entry,) = logged(Action.MASTER_EDITED)
    assert (entry.before, entry.after) == ({"name": "Kaos Polos"}, {"name": "Kaos Oversize"})


def test_rename_refuses_an_empty_name() -> None:
    product = master("KAOS-01").product
    with pytest.raises(EditRefused):
        editing.rename(product, "   ")
    assert not logged(Action.MASTER_EDITED)


def test_details_log_only_what_changed() -> None:
    variant = master("KAOS-01")
    editing.set_details(variant, barcode=" 899123 ", weight_grams=250, low_stock_threshold=None)
    variant.refresh_from_db()
    assert (variant.barcode, variant.weight_grams, variant.low_stock_threshold) == (
        "899123",
        250,
        None,
    )
    (entry,) = logged(Action.MASTER_EDITED)
    assert entry.after == {"barcode": "899123", "weight_grams": 250}
    editing.set_details(variant, barcode="899123")  # the same again: nothing to log
    assert len(logged(Action.MASTER_EDITED)) == 1


def test_details_refuse_a_negative_weight() -> None:
    with pytest.raises(EditRefused):
        editing.set_details(master("KAOS-01"), weight_grams=-1)


# --- SKU ------------------------------------------------------------------------------------


def test_a_sku_taken_by_another_variant_is_refused_naming_it(account: ChannelAccount) -> None:
    variant = master("KAOS-01")
    master("KAOS-02", name="Kaos Hitam")
    change = editing.change_sku(variant, " kaos-02 ")
    assert change.conflict is not None and change.conflict.sku == "KAOS-02"
    assert "KAOS-02" in change.refusal and "Kaos Hitam" in change.refusal
    with pytest.raises(EditRefused):
        change.apply()
    variant.refresh_from_db()
    assert variant.sku == "KAOS-01" and not logged(Action.MASTER_EDITED)


def test_the_preview_lists_every_consequence(account: ChannelAccount) -> None:
    variant = master("KAOS-01")
    kept = listing(account, "L1", "KAOS-01", variant)
    matching = listing(account, "L2", " kaos-01b ")
    old_spelling = listing(account, "L3", "Kaos-01")
    listing(account, "L4", "KAOS-01B-X")  # contains the key, is not it

    change = editing.change_sku(variant, "KAOS-01B")
    assert change.refusal == ""
    assert [f.id for f in change.linked] == [kept.pk]
    assert [f.channel_sku for f in change.differing] == ["KAOS-01"]  # stays linked, now differs
    assert [f.id for f in change.linkable] == [matching.pk]
    assert [f.id for f in change.left_unlinked] == [old_spelling.pk]


def test_apply_saves_links_the_chosen_and_logs(account: ChannelAccount) -> None:
    variant = master("KAOS-01")
    kept = listing(account, "L1", "KAOS-01", variant)
    matching = listing(account, "L2", "KAOS-01B")
    old_spelling = listing(account, "L3", "kaos-01")

    applied = editing.change_sku(variant, "KAOS-01B").apply(link=[matching.pk, old_spelling.pk])

    variant.refresh_from_db()
    assert (variant.sku, variant.sku_key) == ("KAOS-01B", "kaos-01b")
    for row in (kept, matching, old_spelling):
        row.refresh_from_db()
    assert kept.variant_id == variant.pk  # links are by id
    assert matching.variant_id == variant.pk and matching.link_method == LinkMethod.MANUAL
    assert matching.needs_push
    assert old_spelling.variant_id is None  # not offered, so not linked
    assert applied.variant_ids == [variant.pk] and applied.linked == [f"{account.pk}:L2"]
    (entry,) = logged(Action.MASTER_EDITED)
    assert entry.before == {"sku": "KAOS-01"}
    assert entry.after == {"sku": "KAOS-01B", "linked": [f"{account.pk}:L2"]}


def test_apply_checks_again_for_a_sku_taken_meanwhile() -> None:
    variant = master("KAOS-01")
    change = editing.change_sku(variant, "KAOS-09")
    master("KAOS-09")  # another seller's tab saved it first
    with pytest.raises(EditRefused, match="KAOS-09"):
        change.apply()


def test_a_case_only_change_is_allowed() -> None:
    variant = master("kaos-01")
    editing.change_sku(variant, "KAOS-01").apply()
    variant.refresh_from_db()
    assert variant.sku == "KAOS-01"


# --- archiving and the pusher ----------------------------------------------------------------


def test_archive_pushes_0_and_restore_pushes_the_real_stock(account: ChannelAccount) -> None:
    variant = master("KAOS-01")
    shown = listing(account, "L1", "KAOS-01", variant)
    stock.set_on_hand(account.warehouse_id, variant.pk, 12)
    assert pusher.desired_quantities(account, [shown]) == {shown.pk: 12}
    Listing.objects.filter(pk=shown.pk).update(needs_push=False)

    applied = editing.archive(variant.product)
    assert applied.variant_ids == [variant.pk]
    assert pusher.mark_variants_dirty(applied.variant_ids) == {account.pk}
    shown.refresh_from_db()
    assert shown.needs_push
    assert pusher.desired_quantities(account, [shown]) == {shown.pk: 0}
    assert [f.id for f in editing.listings_of(variant.product)] == [shown.pk]

    editing.restore(variant.product)
    assert pusher.desired_quantities(account, [shown]) == {shown.pk: 12}
    actions = [a.action for a in Activity.objects.order_by("id") if a.action.startswith("master")]
    assert actions == [Action.MASTER_ARCHIVED, Action.MASTER_RESTORED]


def test_archiving_twice_changes_nothing() -> None:
    product = master("KAOS-01").product
    editing.archive(product)
    assert editing.archive(product).variant_ids == []
    assert len(logged(Action.MASTER_ARCHIVED)) == 1
