"""What drift repair may compare: a unit whose stock the channel did not give is no reading,
and a channel's ceiling on shown stock is what the hub pushes (else a shop capped by its
channel would look drifted at every read-back, for ever)."""

from __future__ import annotations

import pytest

from roles_support import an_integration
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import Listing
from satustok.channels.protocol import STOCK_UNKNOWN_LABEL, ChannelUnit, StockCause, StockReport
from satustok.inventory import stock
from satustok.sync import drift
from satustok.sync.pusher import desired_quantities

pytestmark = pytest.mark.django_db

PUSHED = 5


def linked_listing(channel: str, on_hand: int) -> Listing:
    account = an_integration(channel=channel, push_stock=True)
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K-1")
    stock.set_on_hand(account.warehouse_id, variant.pk, on_hand, reference="test")
    return Listing.objects.create(
        account=account, external_id="77", sku="K-1", variant=variant, last_pushed_qty=PUSHED
    )


def unit(stock_shown: int, label: str = "Active") -> ChannelUnit:
    return ChannelUnit("77", "K-1", "Kaos", label != STOCK_UNKNOWN_LABEL, label, stock_shown, 0)


def test_a_unit_without_a_stock_reading_is_not_drift() -> None:
    listing = linked_listing("shopee", PUSHED)
    assert drift.compare_units(listing.account, [unit(0, STOCK_UNKNOWN_LABEL)]) == 0
    listing.refresh_from_db()
    assert listing.last_pushed_qty == PUSHED and not listing.needs_push


def test_a_unit_showing_other_stock_is_drift_and_the_belief_is_forgotten() -> None:
    listing = linked_listing("shopee", PUSHED)
    assert drift.compare_units(listing.account, [unit(PUSHED + 3)]) == 1
    listing.refresh_from_db()
    assert listing.needs_push and listing.last_pushed_qty is None
    assert listing.drift_shown == PUSHED + 3 and listing.drift_cause == "read_back"


@pytest.mark.parametrize(("channel", "pushed"), [("tiktokshop", 99_999), ("tokopedia", 150_000)])
def test_the_hub_pushes_at_most_what_the_channel_can_show(channel: str, pushed: int) -> None:
    listing = linked_listing(channel, 150_000)
    assert desired_quantities(listing.account, [listing]) == {listing.pk: pushed}
    Listing.objects.filter(pk=listing.pk).update(last_pushed_qty=pushed)
    assert drift.compare_units(listing.account, [unit(pushed)]) == 0  # a capped shop agrees


def test_a_report_of_a_sale_is_left_to_the_order_behind_it() -> None:
    """Repairing it would show the sold unit again until the order arrives (the poller's
    minute, if its webhook was lost); the order moves the master and the pusher follows."""
    listing = linked_listing("tokopedia", PUSHED)
    sold = StockReport("77", PUSHED - 1, StockCause.SALE)
    assert drift.note_reports(listing.account, [sold]) == 0
    listing.refresh_from_db()
    assert listing.last_pushed_qty == PUSHED and not listing.needs_push

    edited = StockReport("77", PUSHED + 2, StockCause.SELLER_EDIT)
    assert drift.note_reports(listing.account, [edited, sold]) == 1  # the edit still counts
    listing.refresh_from_db()
    assert listing.needs_push and listing.drift_cause == StockCause.SELLER_EDIT
