"""The bulk writers the import and the pusher rely on."""

import pytest
from django.utils import timezone

from satustok.catalog.models import MasterProduct, Variant
from satustok.catalog.sku import sku_key
from satustok.core.bulk import COPY_UPDATE_FROM, insert_rows, update_values


@pytest.mark.django_db
def test_update_values_writes_each_row_by_primary_key() -> None:
    first, second = MasterProduct.objects.bulk_create(
        [MasterProduct(name="Kaos"), MasterProduct(name="Topi")]
    )
    update_values(MasterProduct, ["name"], [("Kaos Polos", first.pk), ("Topi Rimba", second.pk)])
    names = dict(MasterProduct.objects.values_list("pk", "name"))
    assert names == {first.pk: "Kaos Polos", second.pk: "Topi Rimba"}


@pytest.mark.django_db
def test_update_values_with_match_skips_rows_whose_column_changed_meanwhile() -> None:
    """The pusher's version check: a row is cleared only if its version is still the one read."""
    kept, changed = MasterProduct.objects.bulk_create(
        [MasterProduct(name="v1"), MasterProduct(name="v1")]
    )
    MasterProduct.objects.filter(pk=changed.pk).update(name="v2")  # moved on since it was read
    update_values(
        MasterProduct,
        ["name"],
        [("done", kept.pk, "v1"), ("done", changed.pk, "v1")],
        match=["name"],
    )
    names = dict(MasterProduct.objects.values_list("pk", "name"))
    assert names == {kept.pk: "done", changed.pk: "v2"}


def _variants(count: int) -> list[Variant]:
    product = MasterProduct.objects.create(name="Kaos")
    return Variant.objects.bulk_create(
        [Variant(product=product, sku=f"KAOS-{n}", sku_key=f"KAOS-{n}") for n in range(count)]
    )


@pytest.mark.django_db
def test_many_rows_update_by_key_with_the_version_check() -> None:
    """Enough rows for PostgreSQL's COPY path (``COPY_UPDATE_FROM``): each row found by its
    key, and left alone where the matched column changed meanwhile, as with a few rows."""
    variants = _variants(COPY_UPDATE_FROM + 100)
    moved_on = {v.pk for v in variants[::2]}
    Variant.objects.filter(pk__in=moved_on).update(sku="MOVED")
    update_values(
        Variant, ["name"], [(f"done {v.sku}", v.pk, v.sku) for v in variants], match=["sku"]
    )
    names = dict(Variant.objects.values_list("pk", "name"))
    assert all(names[v.pk] == ("" if v.pk in moved_on else f"done {v.sku}") for v in variants)


@pytest.mark.django_db
def test_insert_rows_counts_only_what_a_conflict_did_not_skip() -> None:
    product = MasterProduct.objects.create(name="Topi")
    Variant.objects.create(product=product, sku="TOPI-0", sku_key=sku_key("TOPI-0"))
    now = timezone.now()
    rows = [(product.pk, f"TOPI-{n}", sku_key(f"TOPI-{n}"), "", now) for n in range(700)]
    fields = ["product", "sku", "sku_key", "name", "created_at"]
    assert insert_rows(Variant, fields, rows, ignore_conflicts=True) == 699  # TOPI-0 was there
    assert Variant.objects.filter(product=product).count() == 700
    more = [(product.pk, f"TOPI-{n}", sku_key(f"TOPI-{n}"), "", now) for n in range(700, 1_300)]
    assert insert_rows(Variant, fields, more) == 600
    assert Variant.objects.filter(product=product).count() == 1_300


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, COPY_UPDATE_FROM + 10])
def test_update_values_adds_to_the_columns_named_in_add_and_sets_the_others(count: int) -> None:
    """How a batch of orders moves its stock levels in one statement: the database adds each
    delta to what the row holds (few rows: one statement per row; many on PostgreSQL: COPY)."""
    from satustok.channels.connect import default_warehouse
    from satustok.inventory.models import StockLevel

    warehouse = default_warehouse()
    levels = StockLevel.objects.bulk_create(
        [StockLevel(warehouse=warehouse, variant=v, on_hand=10) for v in _variants(count)]
    )
    deltas = {level.pk: n % 5 - 2 for n, level in enumerate(levels)}
    update_values(
        StockLevel,
        ["on_hand", "reserved"],
        [(d, 1, pk) for pk, d in deltas.items()],
        add=["on_hand"],
    )
    stored = {
        pk: (on_hand, reserved)
        for pk, on_hand, reserved in StockLevel.objects.values_list("pk", "on_hand", "reserved")
    }
    assert stored == {pk: (10 + d, 1) for pk, d in deltas.items()}
