"""Low stock: which SKUs are at or below their threshold (their own or the hub's default), in
which warehouses, in what order; and the daily digest, made and e-mailed once a day."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone, translation

from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Role
from satustok.core.models import Membership
from satustok.inventory import digest
from satustok.inventory.access import set_warehouses
from satustok.inventory.low_stock import low_stock, set_threshold
from satustok.inventory.models import LowStockDigest, StockLevel, Warehouse
from satustok.sync.tasks import low_stock_digest

WIB = ZoneInfo("Asia/Jakarta")
SEVEN_WIB = datetime(2026, 12, 8, 7, 0, tzinfo=WIB)
MAIL_SET_UP = {
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "EMAIL_HOST": "smtp.toko.example",
}


@pytest.fixture
def utama(db: Any) -> Warehouse:
    return Warehouse.objects.create(name="Gudang Utama", code="utama")


@pytest.fixture
def cabang(db: Any) -> Warehouse:
    return Warehouse.objects.create(name="Gudang Cabang", code="cabang")


@pytest.fixture
def sku(utama: Warehouse) -> Callable[..., Variant]:
    """A SKU with ``on_hand``/``reserved`` in the main warehouse (``where`` for others)."""

    def make(code: str, on_hand: int = 0, reserved: int = 0, **fields: Any) -> Variant:
        where = fields.pop("where", utama)
        product = MasterProduct.objects.create(name=f"Produk {code}")
        variant = Variant.objects.create(product=product, sku=code, **fields)
        StockLevel.objects.create(
            warehouse=where, variant=variant, on_hand=on_hand, reserved=reserved
        )
        return variant

    return make


def skus(user: Any = None) -> list[str]:
    return [variant.sku for variant in low_stock(user)]


# --- which SKUs ---------------------------------------------------------------------------


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_the_default_applies_to_skus_without_their_own_threshold(sku: Any) -> None:
    sku("AT-5", on_hand=5)
    sku("ABOVE-6", on_hand=6)
    sku("HELD", on_hand=9, reserved=4)  # available 5: reserved stock is not for sale
    assert sorted(skus()) == ["AT-5", "HELD"]
    row = low_stock().get(sku="AT-5")
    assert (row.available, row.threshold) == (5, 5)  # type: ignore[attr-defined]


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_a_skus_own_threshold_overrides_the_default(sku: Any) -> None:
    sku("HIGH", on_hand=15, low_stock_threshold=20)
    sku("LOW-ONLY-AT-1", on_hand=3, low_stock_threshold=1)
    sku("NOT-WATCHED", on_hand=0, low_stock_threshold=0)
    assert skus() == ["HIGH"]
    assert low_stock().get().threshold == 20  # type: ignore[attr-defined]


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=0)
def test_a_default_of_zero_watches_only_skus_with_their_own_threshold(sku: Any) -> None:
    sku("EMPTY", on_hand=0)
    sku("OWN", on_hand=2, low_stock_threshold=2)
    assert skus() == ["OWN"]


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_setting_a_threshold_and_back_to_the_default(sku: Any) -> None:
    variant = sku("K-1", on_hand=8)
    set_threshold(variant, 10)
    assert skus() == ["K-1"]
    set_threshold(variant, None)
    assert skus() == []
    with pytest.raises(ValueError):
        set_threshold(variant, -1)


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_archived_masters_are_left_out(sku: Any) -> None:
    archived = sku("OLD", on_hand=0)
    sku("CURRENT", on_hand=0)
    MasterProduct.objects.filter(pk=archived.product_id).update(archived_at=timezone.now())
    assert skus() == ["CURRENT"]


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_oversold_first_then_the_lowest(sku: Any) -> None:
    sku("B-THREE", on_hand=3)
    sku("A-OVERSOLD", on_hand=1, reserved=4)
    sku("C-ZERO", on_hand=0)
    sku("A-THREE", on_hand=3)
    assert skus() == ["A-OVERSOLD", "C-ZERO", "A-THREE", "B-THREE"]
    assert low_stock().first().available == -3  # type: ignore[union-attr]


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_available_is_summed_over_warehouses(sku: Any, cabang: Warehouse) -> None:
    low_here = sku("SPLIT", on_hand=3)
    StockLevel.objects.create(warehouse=cabang, variant=low_here, on_hand=4)  # 7 in all
    sku("LOW", on_hand=4)
    assert skus() == ["LOW"]


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_a_user_limited_to_warehouses_sees_their_stock_only(
    sku: Any, utama: Warehouse, cabang: Warehouse
) -> None:
    split = sku("SPLIT", on_hand=8)  # 8 in the main warehouse, 2 in the branch
    StockLevel.objects.create(warehouse=cabang, variant=split, on_hand=2)
    sku("MAIN-ONLY", on_hand=1)  # not in the branch at all: not the branch's to restock
    sku("BRANCH-LOW", on_hand=3, where=cabang)
    branch_user = get_user_model().objects.create(username="cabang")
    set_warehouses(branch_user, [cabang])
    everyone = get_user_model().objects.create(username="pemilik")

    assert skus(branch_user) == ["SPLIT", "BRANCH-LOW"]
    assert [(v.sku, v.available) for v in low_stock(branch_user)] == [  # type: ignore[attr-defined]
        ("SPLIT", 2),
        ("BRANCH-LOW", 3),
    ]
    assert skus(everyone) == ["MAIN-ONLY", "BRANCH-LOW"]  # SPLIT has 10 in all


@override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_one_query_whatever_the_number_of_skus(sku: Any, django_assert_num_queries: Any) -> None:
    for n in range(30):
        sku(f"K-{n:02}", on_hand=n % 7)
    with django_assert_num_queries(1):
        rows = [(v.sku, v.product.name, v.available) for v in low_stock()]  # type: ignore[attr-defined]
    assert len(rows) == 30 - 4  # on hand 6 (K-06, K-13, K-20, K-27) is above 5


# --- the daily digest ---------------------------------------------------------------------


def staff_member(username: str, role: str, email: str, **fields: Any) -> Any:
    user = get_user_model().objects.create(username=username, email=email, **fields)
    Membership.objects.create(user=user, role=role)
    return user


@pytest.fixture
def team(db: Any) -> None:
    staff_member("pemilik", Role.OWNER, "pemilik@toko.example")
    staff_member("admin", Role.ADMIN, "admin@toko.example")
    staff_member("gudang", Role.STAFF, "gudang@toko.example")  # not an Owner or Admin
    staff_member("mantan", Role.ADMIN, "mantan@toko.example", is_active=False)
    staff_member("tanpa-email", Role.ADMIN, "")
    get_user_model().objects.create(username="root", email="root@toko.example", is_superuser=True)


@override_settings(**MAIL_SET_UP, SATUSTOK_LOW_STOCK_DEFAULT=5)
def test_the_digest_is_e_mailed_once_a_day_to_owners_and_admins(sku: Any, team: None) -> None:
    sku("HABIS", on_hand=0)
    sku("MINUS", on_hand=1, reserved=3)
    sku("CUKUP", on_hand=50)

    made = digest.make_daily_digest(SEVEN_WIB)
    assert made is not None and made.sku_count == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@toko.example",
        "pemilik@toko.example",
        "root@toko.example",
    ]
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others
    body = mail.outbox[0].body
    assert body.index("MINUS") < body.index("HABIS") and "CUKUP" not in body
    assert "/inventory/?bucket=low" in body
    stored = LowStockDigest.objects.get()
    assert stored.date.isoformat() == "2026-12-08" and stored.sent_at is not None
    assert "pemilik@toko.example" in stored.sent_to

    assert digest.make_daily_digest(SEVEN_WIB.replace(hour=15)) is None  # later that day
    assert len(mail.outbox) == 3 and LowStockDigest.objects.count() == 1
    assert digest.make_daily_digest(SEVEN_WIB.replace(day=9)) is not None  # the next day
    assert len(mail.outbox) == 6


@override_settings(**MAIL_SET_UP)
def test_the_digest_is_written_in_bahasa_indonesia(sku: Any, team: None) -> None:
    sku("HABIS", on_hand=1, reserved=2)
    with translation.override("en"):  # whoever's language the worker happens to run in
        digest.make_daily_digest(SEVEN_WIB)
    body = mail.outbox[0].body
    assert "Tersedia" in body and "oversell" in body and "Available" not in body


@override_settings(**MAIL_SET_UP)
def test_no_digest_before_seven_wib(sku: Any, team: None) -> None:
    sku("HABIS", on_hand=0)
    # 06:59 WIB is 23:59 UTC the day before: the hour is WIB's, not the server's.
    assert digest.make_daily_digest(SEVEN_WIB.replace(hour=6, minute=59)) is None
    assert not LowStockDigest.objects.exists() and not mail.outbox


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_without_mail_settings_the_digest_is_only_kept_for_the_dashboard(
    sku: Any, team: None
) -> None:
    sku("HABIS", on_hand=0)
    made = digest.make_daily_digest(SEVEN_WIB)
    assert made is not None and made.sku_count == 1
    assert mail.outbox == []
    assert made.sent_at is None and made.sent_to == ""
    assert digest.last_digest() == made


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    SATUSTOK_DIGEST_EMAIL=["gudang@toko.example", "PEMILIK@toko.example"],
)
def test_named_recipients_switch_the_mail_on_and_are_added(sku: Any, team: None) -> None:
    digest.make_daily_digest(SEVEN_WIB)
    assert sorted(message.to[0].lower() for message in mail.outbox) == [
        "admin@toko.example",
        "gudang@toko.example",
        "pemilik@toko.example",  # once, whatever the case it was written in
        "root@toko.example",
    ]


@override_settings(**MAIL_SET_UP)
def test_a_day_without_low_stock_still_says_so(team: None) -> None:
    made = digest.make_daily_digest(SEVEN_WIB)
    assert made is not None and made.sku_count == 0
    assert len(mail.outbox) == 3


@override_settings(**MAIL_SET_UP)
def test_the_periodic_task_makes_todays_digest(
    sku: Any, team: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sku("HABIS", on_hand=0)
    monkeypatch.setattr(timezone, "now", lambda: SEVEN_WIB.replace(hour=6))
    assert low_stock_digest.call_local() is None  # not yet
    monkeypatch.setattr(timezone, "now", lambda: SEVEN_WIB)
    assert low_stock_digest.call_local() == 1
    assert low_stock_digest.call_local() is None
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
@override_settings(**MAIL_SET_UP)
def test_several_workers_at_once_send_it_once(sku: Any, team: None) -> None:
    sku("HABIS", on_hand=0)
    barrier = threading.Barrier(4)
    made: list[LowStockDigest | None] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            made.append(digest.make_daily_digest(SEVEN_WIB))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(made) == 4 and sum(result is not None for result in made) == 1
    assert LowStockDigest.objects.count() == 1
    assert len(mail.outbox) == 3  # one message per recipient, once
