"""Bundles (``inventory/bundles.py``): a bundle's available is what its scarcest component
allows in each warehouse; selling, releasing, shipping and restocking a bundle move its
components in the ledger; a recipe is checked before it is saved, and refused while open orders
hold the bundle (``orders/bundles.py``). Random recipes and order streams (hypothesis) never
show a bundle above what its components allow, and the ledger always sums to the levels."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.inventory import bundles, stock
from satustok.inventory.bundles import BundleRefused, Part
from satustok.inventory.low_stock import low_stock
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse

pytestmark = pytest.mark.django_db


def variant(sku: str) -> Variant:
    product = MasterProduct.objects.create(name=f"Produk {sku}")
    return Variant.objects.create(product=product, sku=sku)


@pytest.fixture
def utama(db: Any) -> Warehouse:
    return Warehouse.objects.create(name="Gudang Utama", code="utama")


@pytest.fixture
def kit(utama: Warehouse) -> tuple[Variant, Variant, Variant]:
    """PAKET = 1 × KAOS + 2 × TOPI, with 10 KAOS and 7 TOPI on the shelf."""
    kaos, topi, paket = variant("KAOS"), variant("TOPI"), variant("PAKET")
    stock.set_on_hand(utama.pk, kaos.pk, 10)
    stock.set_on_hand(utama.pk, topi.pk, 7)
    bundles.set_recipe(paket, [Part(kaos, 1), Part(topi, 2)])
    return kaos, topi, paket


def level(warehouse: Warehouse, v: Variant) -> tuple[int, int]:
    found = StockLevel.objects.filter(warehouse=warehouse, variant=v).first()
    return (found.on_hand, found.reserved) if found else (0, 0)


def test_a_bundles_available_is_its_scarcest_components(utama: Warehouse, kit: Any) -> None:
    kaos, _topi, paket = kit
    assert stock.available(utama.pk, paket.pk) == 3  # min(10 ÷ 1, 7 ÷ 2 = 3)
    assert stock.available_many(utama.pk, [kaos.pk, paket.pk]) == {kaos.pk: 10, paket.pk: 3}
    with translation.override("en"):
        words = bundles.explanations(utama.pk, [paket.pk])[paket.pk]
    assert words == "bundle: min(KAOS 10 ÷ 1 = 10, TOPI 7 ÷ 2 = 3) = 3"


def test_each_warehouse_packs_its_own_bundles(utama: Warehouse, kit: Any) -> None:
    """Units in two warehouses cannot be packed into one bundle."""
    kaos, topi, paket = kit
    assert stock.available(utama.pk, kaos.pk) == 10
    cabang = Warehouse.objects.create(name="Cabang", code="cabang")
    stock.set_on_hand(cabang.pk, kaos.pk, 0)
    stock.set_on_hand(cabang.pk, topi.pk, 8)
    assert stock.available(cabang.pk, paket.pk) == 0
    assert bundles.available_everywhere([paket.pk]) == {paket.pk: 3}


def test_selling_a_bundle_reserves_and_ships_its_components(utama: Warehouse, kit: Any) -> None:
    kaos, topi, paket = kit
    stock.reserve(utama.pk, paket.pk, 2, "order:1")
    assert level(utama, kaos) == (10, 2) and level(utama, topi) == (7, 4)
    assert stock.available(utama.pk, paket.pk) == 1  # min(8, 3 ÷ 2)
    assert not StockLevel.objects.filter(variant=paket).exists(), "a bundle has no shelf"
    rows = StockMovement.objects.filter(reference="order:1", reason=MovementReason.ORDER_RESERVE)
    assert sorted(rows.values_list("level__variant__sku", "reserved_delta")) == [
        ("KAOS", 2),
        ("TOPI", 4),
    ]
    assert set(rows.values_list("note", flat=True)) == {bundles.PART_OF_A_BUNDLE}

    stock.ship(utama.pk, paket.pk, 2, "order:1")
    assert level(utama, kaos) == (8, 0) and level(utama, topi) == (3, 0)
    stock.restock(utama.pk, paket.pk, 1, "order:1")
    assert level(utama, kaos) == (9, 0) and level(utama, topi) == (5, 0)


def test_a_cancelled_bundle_gives_its_components_back(utama: Warehouse, kit: Any) -> None:
    kaos, topi, paket = kit
    stock.reserve(utama.pk, paket.pk, 3, "order:2")
    assert stock.available(utama.pk, paket.pk) == 0
    stock.release(utama.pk, paket.pk, 3, "order:2")
    assert level(utama, kaos) == (10, 0) and level(utama, topi) == (7, 0)
    assert stock.available(utama.pk, paket.pk) == 3


def test_a_component_change_announces_every_bundle_using_it(utama: Warehouse, kit: Any) -> None:
    _kaos, topi, paket = kit
    other = variant("PAKET-BESAR")
    bundles.set_recipe(other, [Part(topi, 3)])
    heard: list[list[int]] = []

    def listen(sender: Any, warehouse_id: int, variant_ids: list[int], **_: Any) -> None:
        heard.append(variant_ids)

    stock.stock_changed.connect(listen)
    try:
        stock.set_on_hand(utama.pk, topi.pk, 1)
    finally:
        stock.stock_changed.disconnect(listen)
    assert heard == [sorted([topi.pk, paket.pk, other.pk])]


def test_a_variant_becoming_a_bundle_leaves_its_own_stock_in_the_ledger(
    utama: Warehouse,
) -> None:
    kaos, paket = variant("KAOS"), variant("PAKET")
    stock.set_on_hand(utama.pk, kaos.pk, 6)
    stock.set_on_hand(utama.pk, paket.pk, 4)  # counted as kits before
    bundles.set_recipe(paket, [Part(kaos, 3)])
    assert level(utama, paket) == (0, 0)
    own = StockMovement.objects.filter(level__variant=paket).aggregate(total=Sum("on_hand_delta"))
    assert own["total"] == 0, "the ledger still sums to the level"
    assert stock.available(utama.pk, paket.pk) == 2
    assert not low_stock().filter(pk=paket.pk).exists(), "its components are what run out"


@pytest.mark.parametrize(
    ("recipe", "words"),
    [
        (lambda k, t, p: [Part(p, 1)], "cannot contain itself"),
        (lambda k, t, p: [Part(k, 1), Part(k, 2)], "listed twice"),
        (lambda k, t, p: [Part(k, 0)], "whole number from 1"),
        (lambda k, t, p: [Part(k, 10_001)], "whole number from 1"),
        (lambda k, t, p: [Part(k, 1)] * 21, "at most 20"),
    ],
)
def test_a_wrong_recipe_is_refused_and_nothing_changes(
    utama: Warehouse, recipe: Any, words: str
) -> None:
    kaos, topi, paket = variant("KAOS"), variant("TOPI"), variant("PAKET")
    with translation.override("en"), pytest.raises(BundleRefused, match=words):
        bundles.set_recipe(paket, recipe(kaos, topi, paket))
    assert not BundleComponent.objects.exists()


def test_bundles_do_not_nest(utama: Warehouse, kit: Any) -> None:
    kaos, _topi, paket = kit
    bigger = variant("PAKET-BESAR")
    with translation.override("en"):
        with pytest.raises(BundleRefused, match="is a bundle itself"):
            bundles.set_recipe(bigger, [Part(paket, 1)])
        with pytest.raises(BundleRefused, match="component of another bundle"):
            bundles.set_recipe(kaos, [Part(bigger, 1)])


def test_emptying_a_recipe_makes_an_ordinary_variant_again(utama: Warehouse, kit: Any) -> None:
    _kaos, _topi, paket = kit
    bundles.set_recipe(paket, [])
    assert not bundles.is_bundle(paket.pk)
    assert stock.available(utama.pk, paket.pk) == 0


# --- properties over random recipes and order streams ----------------------------------------

recipes_and_stream = st.fixed_dictionaries(
    {
        "shelves": st.lists(st.integers(0, 60), min_size=3, max_size=3),
        "recipe": st.lists(st.integers(1, 4), min_size=1, max_size=3),
        "orders": st.lists(
            st.tuples(
                st.sampled_from(["bundle", "component"]),
                st.integers(1, 5),
                st.sampled_from(["keep", "cancel", "ship"]),
            ),
            max_size=12,
        ),
    }
)


@given(case=recipes_and_stream)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_bundle_is_never_shown_more_than_its_components_allow(
    utama: Warehouse, case: dict[str, Any]
) -> None:
    StockMovement.objects.all().delete()
    StockLevel.objects.all().delete()
    BundleComponent.objects.all().delete()
    Variant.objects.all().delete()
    parts = [variant(f"K{i}") for i in range(3)]
    bundle = variant("B")
    for part, shelf in zip(parts, case["shelves"], strict=True):
        stock.set_on_hand(utama.pk, part.pk, shelf)
    recipe = list(zip(parts, case["recipe"], strict=False))
    bundles.set_recipe(bundle, [Part(part, quantity) for part, quantity in recipe])

    for number, (what, quantity, then) in enumerate(case["orders"]):
        sold = bundle if what == "bundle" else parts[0]
        if stock.available(utama.pk, sold.pk) < quantity:
            continue  # the marketplace shows no more than the hub pushed
        reference = f"order:{number}"
        stock.reserve(utama.pk, sold.pk, quantity, reference)
        if then == "cancel":
            stock.release(utama.pk, sold.pk, quantity, reference)
        elif then == "ship":
            stock.ship(utama.pk, sold.pk, quantity, reference)

        available = stock.available_many(utama.pk, [p.pk for p in parts])
        allowed = min(available[part.pk] // quantity for part, quantity in recipe)
        assert stock.available(utama.pk, bundle.pk) == allowed
        assert allowed >= 0, "sold only what was shown: never oversold"
    for part in parts:
        on_hand, reserved = level(utama, part)
        sums = StockMovement.objects.filter(level__variant=part).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
        assert (sums["on_hand"] or 0, sums["reserved"] or 0) == (on_hand, reserved)


@given(
    shelves=st.lists(st.integers(-5, 80), min_size=2, max_size=2),
    recipe=st.lists(st.integers(1, 5), min_size=2, max_size=2),
    percent=st.integers(0, 100),
    buffer=st.integers(0, 20),
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_pushed_bundle_never_exceeds_its_scarcest_component_and_equals_its_words(
    utama: Warehouse, shelves: list[int], recipe: list[int], percent: int, buffer: int
) -> None:
    import re

    from roles_support import an_integration
    from satustok.channels.models import ChannelAccount, LinkMethod, Listing
    from satustok.sync import controls, pusher
    from satustok.sync.rules import Rule

    Listing.objects.all().delete()
    ChannelAccount.objects.all().delete()
    StockMovement.objects.all().delete()
    StockLevel.objects.all().delete()
    BundleComponent.objects.all().delete()
    Variant.objects.all().delete()
    account = an_integration()
    parts = [variant("A"), variant("B")]
    for part, shelf in zip(parts, shelves, strict=True):
        stock.set_on_hand(account.warehouse_id, part.pk, shelf)
    kit = variant("KIT")
    bundles.set_recipe(kit, [Part(p, q) for p, q in zip(parts, recipe, strict=True)])
    listing = Listing.objects.create(
        account=account, external_id="1", sku="KIT", variant=kit, link_method=LinkMethod.AUTO_SKU
    )
    controls.set_rule(account, Rule(percent=percent, buffer=buffer))

    with translation.override("en"):
        found = pusher.explained_quantities(account, [listing])[listing.pk]
    allowed = min(shelf // q for shelf, q in zip(shelves, recipe, strict=True))
    assert 0 <= found.quantity <= max(allowed, 0)
    assert int(re.findall(r"-?\d+", found.text)[-1]) == found.quantity
    assert found.text.startswith(f"bundle: min(A {shelves[0]} ÷ {recipe[0]}")
