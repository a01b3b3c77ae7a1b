"""The bulk writers the import and the pusher rely on."""

import pytest

from satustok.catalog.models import MasterProduct
from satustok.core.bulk import update_values


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
