"""Issue 15: on the messy demo shop, the children of a banned or inactive variant parent are
sorted as inactive by the import (no master, no push), over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from satustok.catalog.models import Variant
from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount
from satustok.sync import imports, tasks
from satustok.sync.models import Bucket, RunState

pytestmark = pytest.mark.django_db

SHOP = 480001


@pytest.fixture
def account(fast_sandbox: Any, demo_credentials: Callable[..., Any]) -> ChannelAccount:
    return connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP))


def sellable_families(count: int) -> list[tuple[int, list[tuple[int, str]]]]:
    """(parent id, [(child id, sku)]) of families whose children would all become masters."""
    from satustok_sandbox.tokopedia.demo import demo_seed

    families = []
    for product in demo_seed().products:
        if product.shop_id != SHOP or not product.variant:
            continue
        children = product.variant.children
        if all(c.status == 1 and c.stock > 0 and c.sku for c in children):
            families.append((product.product_id, [(c.product_id, c.sku) for c in children]))
    return families[:count]


def test_children_of_banned_and_inactive_parents_are_not_imported_as_masters(
    fast_sandbox: Any, account: ChannelAccount
) -> None:
    (banned, banned_children), (inactive, inactive_children), (_, sold) = sellable_families(3)
    fast_sandbox.patch_product(banned, status=-2)
    fast_sandbox.patch_product(inactive, status=3)

    run = tasks.run_import_now(imports.start_run(account).pk)
    assert run.state == RunState.DONE, run.error

    rows = {row.external_id: row for row in run.rows.all()}
    for children, label in (
        (banned_children, "Parent banned"),
        (inactive_children, "Parent inactive"),
    ):
        for child_id, sku in children:
            assert rows[str(child_id)].bucket == Bucket.SKIPPED_INACTIVE
            assert not Variant.objects.filter(sku_key=sku.strip().lower()).exists()
            listing = account.listings.get(external_id=str(child_id))
            assert listing.variant_id is None and listing.status == label
            assert rows[str(child_id)].status_label == label
    # The control: an untouched family's children still become masters.
    for child_id, _sku in sold:
        assert rows[str(child_id)].bucket == Bucket.NEW_MASTER
