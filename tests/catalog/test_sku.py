"""SKU rules of PRODUCT.md rule 1: trimmed, case-insensitive, one variant per SKU."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from satustok.catalog.models import MasterProduct, Variant
from satustok.catalog.sku import is_blank, sku_key


@pytest.mark.parametrize(
    ("a", "b"), [("KMJ-01", "kmj-01"), ("  KMJ-01 ", "KMJ-01"), ("\tBatik-XL\n", "batik-xl")]
)
def test_same_sku_after_trim_and_case(a: str, b: str) -> None:
    assert sku_key(a) == sku_key(b)


def test_different_skus_stay_different() -> None:
    assert sku_key("KMJ-01") != sku_key("KMJ-1")


@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n"])
def test_blank_skus(blank: str | None) -> None:
    assert is_blank(blank)


@given(st.text(max_size=40))
def test_key_is_idempotent(sku: str) -> None:
    assert sku_key(sku_key(sku)) == sku_key(sku)


@pytest.mark.django_db
def test_one_variant_per_sku_key() -> None:
    product = MasterProduct.objects.create(name="Kemeja Batik")
    Variant.objects.create(product=product, sku="KMJ-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.create(product=product, sku="  kmj-01 ")


@pytest.mark.django_db
def test_variant_keeps_trimmed_spelling_and_refuses_blank() -> None:
    product = MasterProduct.objects.create(name="Kemeja Batik")
    variant = Variant.objects.create(product=product, sku="  KMJ-02 ")
    assert (variant.sku, variant.sku_key) == ("KMJ-02", "kmj-02")
    with pytest.raises(ValidationError):
        Variant.objects.create(product=product, sku="   ")
