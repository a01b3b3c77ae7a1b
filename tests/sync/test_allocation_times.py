"""Campaign allocations end on time (hypothesis): for random allocations of a SKU to one
integration and random moments, what another integration sees held elsewhere is exactly the
sum of the allocations running then (started, not yet ended), and what it is pushed equals
available minus that — never an allocation before its start or after its end."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roles_support import an_integration
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.inventory import stock
from satustok.sync import rules
from satustok.sync.models import Allocation

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)

campaigns = st.lists(
    st.tuples(st.integers(-120, 600), st.integers(1, 600), st.integers(1, 30)),  # start, length
    max_size=6,
)


@given(campaigns=campaigns, moments=st.lists(st.integers(-200, 1300), min_size=1, max_size=8))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_an_allocation_holds_exactly_from_its_start_until_its_end(
    db: Any, campaigns: list[tuple[int, int, int]], moments: list[int]
) -> None:
    Allocation.objects.all().delete()
    Listing.objects.all().delete()
    ChannelAccount.objects.all().delete()
    Variant.objects.all().delete()
    holder = an_integration(shop_id="1", shop_name="Toko Kampanye")
    other = an_integration(shop_id="2", shop_name="Toko Lain")
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="K"), sku="K-1")
    stock.set_on_hand(other.warehouse_id, variant.pk, 100)
    listing = Listing.objects.create(
        account=other, external_id="9", sku="K-1", variant=variant, link_method=LinkMethod.AUTO_SKU
    )
    origin: datetime = timezone.now().replace(microsecond=0)
    for start, length, quantity in campaigns:
        Allocation.objects.create(
            variant=variant,
            account=holder,
            quantity=quantity,
            starts_at=origin + start * MINUTE,
            ends_at=origin + (start + length) * MINUTE,
        )

    for moment in moments:
        now = origin + moment * MINUTE
        running = sum(q for s, n, q in campaigns if s <= moment < s + n)
        context = rules.load_context(other, [listing], now=now)
        assert context.held_elsewhere.get(variant.pk, 0) == running, (moment, campaigns)
        shown = rules.explain(100, held_elsewhere=running).quantity
        assert shown == max(100 - running, 0)
        mine = rules.load_context(holder, [listing], now=now)
        assert mine.held_elsewhere == {}, "the holder sees the whole available"
