"""The SKU doctor: each kind, the false friends it must leave alone, the demo seed's messy shop
imported over loopback HTTP, a generated catalogue with known true pairs, linking, and speed."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.models import Activity
from satustok.inventory.models import Warehouse
from satustok.sync import doctor, imports, tasks
from satustok.sync.doctor import Kind, ListingInfo, VariantInfo
from satustok.sync.models import RunMode


def variants(*skus: str, names: dict[str, str] | None = None) -> list[VariantInfo]:
    names = names or {}
    return [
        VariantInfo(number, sku, "", number, names.get(sku, f"Product {number}"))
        for number, sku in enumerate(skus, start=1)
    ]


def suggest(sku: str, *master_skus: str, name: str = "") -> tuple[str, str] | str | None:
    """(kind, master SKU) of the one suggestion, "ambiguous:<kind>", or None."""
    listing = ListingInfo(1, 1, "L1", sku, name)
    result = doctor.diagnose([listing], variants(*master_skus))
    if result.ambiguous:
        return f"ambiguous:{result.ambiguous[0].kind}"
    if result.suggestions:
        return result.suggestions[0].kind, result.suggestions[0].variant.sku
    return None


@pytest.mark.parametrize(
    ("listing_sku", "master", "kind"),
    [
        ("KAOS-007", "KAOS-007", Kind.SAME_SKU),
        ("KAOS 007", "KAOS007", Kind.SPACES),
        ("KAOS\u00a0-\u00a0007", "KAOS-007", Kind.SPACES),  # non-breaking spaces
        ("KAOS-\u200b007", "kaos-007", Kind.SPACES),  # a zero-width space pasted along
        ("ＫＡＯＳ－００７", "KAOS-007", Kind.UNICODE),  # full-width
        ("CAFE\u0301-1", "CAFÉ-1", Kind.UNICODE),  # a combining accent vs the composed letter
        ("KAOS-007", "KAOS-7", Kind.LEADING_ZEROS),
        ("KAOS-7-010", "kaos-07-10", Kind.LEADING_ZEROS),
        ("KAOS-OO7", "KAOS-007", Kind.LOOK_ALIKE),
        ("KAOS-1l0", "KAOS-110", Kind.LOOK_ALIKE),
        ("KAOS-I2", "KAOS-12", Kind.LOOK_ALIKE),
        ("KAOS_007", "KAOS-007", Kind.EDIT_DISTANCE),
        ("KAOS007", "KAOS-007", Kind.EDIT_DISTANCE),
        ("KAOS-007.", "KAOS-007", Kind.EDIT_DISTANCE),
        ("KOAS-007", "KAOS-007", Kind.EDIT_DISTANCE),  # two adjacent letters swapped
        ("KAOS 7", "KAOS-007", Kind.EDIT_DISTANCE),  # spaces, zeros and a separator at once
    ],
)
def test_each_kind_finds_its_pair(listing_sku: str, master: str, kind: Kind) -> None:
    assert suggest(listing_sku, master, "OTHER-1") == (kind, master)


@pytest.mark.parametrize(
    ("listing_sku", "master"),
    [
        ("KAOS-01", "KAOS-02"),  # a changed digit is another product
        ("ABC-1", "ABC-7"),
        ("SIZE-S", "SIZE-M"),  # a changed letter too
        ("SIZE-L", "SIZE-1"),  # l reads as 1 only inside a number, never a size
        ("SIZE-O", "SIZE-0"),
        ("BOX-1", "B0X-1"),  # O inside a word stays a letter
        ("KAOS-10", "KAOS-01"),  # swapped digits change the number
        ("KAOS-SM", "KAOS-MS"),  # swapped letters only inside words of 3+
        ("KAOS--01", "KAOS01"),  # two separator edits are more than one edit
        ("KAOS-01A", "KAOS-01"),  # an added letter
        ("CAFE-1", "CAFÉ-1"),  # an accent is a real letter
        ("A-12", "A1-2"),  # a moved separator regroups the code
    ],
)
def test_false_friends_are_never_suggested(listing_sku: str, master: str) -> None:
    assert suggest(listing_sku, master) is None


def test_two_candidates_of_one_kind_are_ambiguous_and_not_suggested() -> None:
    assert suggest("KAOS-007", "KAOS-7", "KAOS-07") == "ambiguous:leading_zeros"
    assert suggest("KAOS007", "KAOS-007", "KAOS_007") == "ambiguous:edit_distance"


def test_an_earlier_kind_wins_over_a_later_one() -> None:
    assert suggest("KAOS 007", "KAOS007", "KAOS-7") == (Kind.SPACES, "KAOS007")


def test_name_kind_needs_a_single_variant_or_a_variant_name() -> None:
    one = [VariantInfo(1, "X-1", "", 10, "Kemeja Batik Parang")]
    two = [VariantInfo(2, "Y-1", "Merah", 20, "Dress Batik"), VariantInfo(3, "Y-2", "", 20, "")]
    listing = ListingInfo(1, 1, "L1", "", "kemeja  batik, PARANG!")
    assert doctor.diagnose([listing], one).suggestions[0].kind == Kind.NAME
    by_product = ListingInfo(2, 1, "L2", "", "Dress Batik")
    assert not doctor.diagnose([by_product], two).suggestions  # two variants: which one?
    by_variant = ListingInfo(3, 1, "L3", "", "merah")
    assert doctor.diagnose([by_variant], two).suggestions[0].variant.id == 2
    twins = [*one, VariantInfo(4, "Z-1", "", 40, "Kemeja Batik Parang")]
    assert doctor.diagnose([listing], twins).ambiguous[0].kind == Kind.NAME


def test_a_sku_match_is_preferred_to_a_name_match() -> None:
    catalogue = [VariantInfo(1, "KAOS-7", "", 1, "Kaos"), VariantInfo(2, "X", "", 2, "Kemeja")]
    listing = ListingInfo(1, 1, "L1", "KAOS-007", "Kemeja")
    assert doctor.diagnose([listing], catalogue).suggestions[0].variant.id == 1


# --- the generated catalogue ---------------------------------------------------------------


def _messy(rng: random.Random, sku: str) -> str:
    """The same SKU as sellers retype it: spaces, case or a leading zero."""
    how = rng.choice(["space", "case", "zero", "nbsp"])
    head, number = sku.rsplit("-", 1)
    if how == "space":
        return f"{head} - {number}"
    if how == "case":
        return sku.lower()
    if how == "nbsp":
        return f"{head}-\u00a0{number}"
    return f"{head}-0{number}"


def _real_change(rng: random.Random, sku: str, taken: set[str]) -> str | None:
    """A SKU one real character away (a digit or a letter changed), not a master's."""
    position = rng.choice([i for i, c in enumerate(sku) if c.isalnum()])
    alphabet = "0123456789" if sku[position].isdigit() else "ABCDEFGHJKMNPQRTUVWXYZ"
    other = sku[:position] + rng.choice(alphabet) + sku[position + 1 :]
    return None if other.casefold() in taken or other == sku else other


def generated_catalogue(
    masters: int = 400, seed: int = 15
) -> tuple[list[VariantInfo], list[ListingInfo], dict[int, int]]:
    """Masters with random codes; half get a listing with a messy copy of their SKU (the true
    pairs), and as many distractor listings differ from a master by one real character."""
    rng = random.Random(seed)
    skus: list[str] = []
    while len(skus) < masters:
        family = rng.choice(["KAOS", "KMJ", "DRS", "TAS"])
        sku = f"{family}-{rng.choice('ABCDEF')}-{rng.randint(1, 99)}"
        if sku not in skus:
            skus.append(sku)
    catalogue = [VariantInfo(i, sku, "", i, f"Produk {i}") for i, sku in enumerate(skus, 1)]
    taken = {sku.casefold() for sku in skus}
    listings: list[ListingInfo] = []
    truth: dict[int, int] = {}
    for variant in rng.sample(catalogue, masters // 2):
        listing = ListingInfo(len(listings) + 1, 1, f"T{variant.id}", _messy(rng, variant.sku), "")
        listings.append(listing)
        truth[listing.id] = variant.id
    while len(listings) < masters:
        distractor = _real_change(rng, rng.choice(skus), taken)
        if distractor and distractor.casefold() not in {x.sku.casefold() for x in listings}:
            listings.append(ListingInfo(len(listings) + 1, 1, "D", distractor, ""))
    return catalogue, listings, truth


def test_generated_catalogue_every_true_pair_found_and_no_false_link() -> None:
    catalogue, listings, truth = generated_catalogue()
    result = doctor.diagnose(listings, catalogue)
    proposed = {s.listing.id: s.variant.id for s in result.suggestions}
    found = sum(
        1 for listing_id, variant_id in truth.items() if proposed.get(listing_id) == variant_id
    )
    false = sum(
        1 for listing_id, variant_id in proposed.items() if truth.get(listing_id) != variant_id
    )
    print(f"\nSKU doctor, generated catalogue: found {found}/{len(truth)}, false proposals {false}")
    assert len(truth) == 200 and len(listings) == 400
    assert found == len(truth)
    assert false == 0


def large_world(size: int) -> tuple[list[VariantInfo], list[ListingInfo]]:
    rng = random.Random(300)
    catalogue = [
        VariantInfo(i, f"SKU-{rng.choice('ABCDEFGH')}{i:06d}", "", i, f"Produk {i}")
        for i in range(1, size // 3 + 1)
    ]
    listings = []
    for i in range(1, size + 1):
        target = catalogue[rng.randrange(len(catalogue))].sku
        sku = rng.choice([target.replace("-", " "), target.lower(), target + "X", f"NEW-{i}", ""])
        listings.append(ListingInfo(i, 1 + i % 3, str(i), sku, f"Nama Produk {i}"))
    return catalogue, listings


def test_three_hundred_thousand_listings_take_seconds_not_minutes() -> None:
    catalogue, listings = large_world(300_000)
    started = time.perf_counter()
    result = doctor.diagnose(listings, catalogue)
    elapsed = time.perf_counter() - started
    print(
        f"\nSKU doctor, {len(listings)} listings x {len(catalogue)} variants: {elapsed:.2f} s, "
        f"{len(result.suggestions)} suggestions, {len(result.ambiguous)} ambiguous"
    )
    assert len(result.suggestions) > 100_000
    assert elapsed < 30  # measured ~ a few seconds; the bound only catches a quadratic slip


# --- the database, linking and the messy demo shop -------------------------------------------


@pytest.fixture
def shop(db: Any) -> ChannelAccount:
    warehouse = Warehouse.objects.create(name="Gudang")
    return ChannelAccount.objects.create(
        channel="tokopedia",
        shop_id="1",
        app_id="1",
        client_id="c",
        client_secret="s",
        warehouse=warehouse,
    )


def master(sku: str, name: str = "Kaos") -> Variant:
    product = MasterProduct.objects.create(name=name)
    return Variant.objects.create(product=product, sku=sku)


def unlinked(
    shop: ChannelAccount, external_id: str, sku: str, reason: str = "skipped_no_stock"
) -> Listing:
    return Listing.objects.create(
        account=shop, external_id=external_id, sku=sku, unlinked_reason=reason
    )


def test_linking_one_suggestion_links_logs_and_marks_for_push(shop: ChannelAccount) -> None:
    variant = master("KAOS-007")
    listing = unlinked(shop, "1", "KAOS 7")
    outcome = doctor.link_suggestions([(listing.pk, variant.pk)])
    assert [s.listing.id for s in outcome.linked] == [listing.pk] and not outcome.skipped
    listing.refresh_from_db()
    assert listing.variant == variant and listing.link_method == LinkMethod.MANUAL
    assert listing.needs_push
    assert Activity.objects.filter(action="listing.linked").count() == 1


def test_linking_rechecks_each_suggestion(shop: ChannelAccount) -> None:
    variant, other = master("KAOS-007"), master("TAS-1")
    gone = unlinked(shop, "1", "KAOS 7")
    moved = unlinked(shop, "2", "TAS 1")
    wrong = unlinked(shop, "3", "KAOS-07")
    Listing.objects.filter(pk=gone.pk).update(variant=other, link_method=LinkMethod.MANUAL)
    outcome = doctor.link_suggestions(
        [(gone.pk, variant.pk), (moved.pk, other.pk), (wrong.pk, other.pk)]
    )
    assert [s.listing.id for s in outcome.linked] == [moved.pk]
    assert [listing_id for listing_id, _why in outcome.skipped] == [gone.pk, wrong.pk]
    wrong.refresh_from_db()
    assert wrong.variant is None


def test_archived_masters_are_not_proposed(shop: ChannelAccount) -> None:
    from django.utils import timezone

    variant = master("KAOS-007")
    MasterProduct.objects.filter(pk=variant.product_id).update(archived_at=timezone.now())
    unlinked(shop, "1", "KAOS 007")
    assert not doctor.diagnose_catalogue().suggestions


SKIPPED = ("skipped_inactive", "skipped_no_stock")


def _retyped(index: int, sku: str) -> str:
    """The seller's own spelling of a SKU in their master list."""
    head, number = sku.rsplit("-", 1)
    spellings = [
        f"{head}-{int(number)}",  # leading zeros dropped
        f"{head}- {number}",  # a space typed in
        sku.lower(),  # case only: the same SKU, skipped by the import for its stock or status
        f"{head}-\u200b{number}",  # an invisible zero-width space pasted along
    ]
    return spellings[index % len(spellings)]


@pytest.mark.django_db
def test_messy_demo_shop_what_the_doctor_finds(
    fast_sandbox: Any, demo_credentials: Callable[..., Any]
) -> None:
    """Import the demo seed's messy shop (480001) over loopback HTTP and ask the doctor; then
    the seller types masters for the skipped SKUs in their own spelling (plus distractors one
    digit away) and asks again: every true pair is found, no false link is proposed."""
    account = connect_shop("tokopedia", demo_credentials(fast_sandbox), "480001")
    run = tasks.run_import_now(imports.start_run(account, RunMode.IMPORT).pk)
    assert run.state == "done", run.error
    left = Listing.objects.filter(link_method=LinkMethod.UNLINKED)
    first = doctor.diagnose_catalogue()
    _print("right after the import", left.count(), first)
    # The seed's conflicts share their SKU only with each other and its skipped SKUs are
    # unique, so no master is near any of them: an honest doctor proposes nothing here.
    assert left.count() > 40 and not first.suggestions and not first.ambiguous

    truth: dict[int, int] = {}
    skipped = left.filter(unlinked_reason__in=SKIPPED, parent_external_id="").exclude(sku="")
    for index, listing in enumerate(skipped):
        head, number = listing.sku.rsplit("-", 1)
        truth[listing.pk] = master(_retyped(index, listing.sku)).pk
        master(f"{head}-{int(number) + 500}")  # one real digit away: must never be proposed
    second = doctor.diagnose_catalogue()
    _print("after the seller typed masters", left.count(), second)
    proposed = {s.listing.id: s.variant.id for s in second.suggestions}
    found = sum(proposed.get(listing_id) == variant_id for listing_id, variant_id in truth.items())
    false = sum(truth.get(listing_id) != variant_id for listing_id, variant_id in proposed.items())
    print(f"messy demo shop: found {found}/{len(truth)}, false proposals {false}")
    assert len(truth) >= 15 and found == len(truth) and false == 0
    assert {s.kind for s in second.suggestions} == {
        Kind.LEADING_ZEROS,
        Kind.SPACES,
        Kind.SAME_SKU,
    }


def _print(when: str, unlinked_count: int, result: doctor.Diagnosis) -> None:
    print(f"\nSKU doctor on the messy demo shop, {when}: {unlinked_count} unlinked listings")
    for s in result.suggestions:
        print(f"  {s.kind:14} {s.listing.sku!r:24} -> {s.variant.sku!r}")
    for a in result.ambiguous:
        print(f"  ambiguous {a.kind}: {a.listing.sku!r} -> {[v.sku for v in a.candidates]}")
