"""Orders fixtures: a small catalogue in the database (fast, no channel), and the demo shops
connected to the Tokopedia sandbox over loopback and imported (for the end-to-end paths)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from orders_helpers import FS_ID, SHOP_A, WEBHOOK_SECRET, Catalog, connect_and_import, sign

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import Role
from satustok.core.models import Membership
from satustok.inventory import stock


@pytest.fixture
def catalog(db: Any) -> Catalog:
    account = ChannelAccount.objects.create(
        channel="tokopedia",
        shop_id=str(SHOP_A),
        shop_name="Toko Uji",
        app_id=str(FS_ID),
        client_id="client",
        client_secret="not-used-here",
        webhook_secret=WEBHOOK_SECRET,
        warehouse=default_warehouse(),
    )
    product = MasterProduct.objects.create(name="Batik")
    variants = [
        Variant.objects.create(product=product, sku=sku, name=sku)
        for sku in ("KMJ-01", "SLD-02", "TAS-03")
    ]
    for external_id, variant in zip(("1001", "1002"), variants, strict=False):
        Listing.objects.create(
            account=account,
            external_id=external_id,
            sku=variant.sku,
            variant=variant,
            link_method=LinkMethod.AUTO_SKU,
        )
    Listing.objects.create(account=account, external_id="1009", sku="", name="no SKU")
    for variant, quantity in zip(variants, (10, 5, 3), strict=True):
        stock.set_on_hand(account.warehouse_id, variant.pk, quantity, reference="test")
    return Catalog(account, *variants)


@pytest.fixture
def sandbox(unlimited_tokopedia_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The unlimited sandbox, with the hub's Tokopedia base URLs pointing at it."""
    sb = unlimited_tokopedia_sandbox
    monkeypatch.setattr(settings, "TOKOPEDIA_ACCOUNTS_URL", sb.accounts_url)
    monkeypatch.setattr(settings, "TOKOPEDIA_API_URL", sb.api_url)
    return sb


@pytest.fixture
def shop_a(sandbox: Any, db: Any) -> ChannelAccount:
    """Demo shop A connected and imported: its stock is the master's."""
    return connect_and_import(sandbox, SHOP_A)


@pytest.fixture
def seller(client: Client, db: Any) -> Client:
    """A logged-in seller who reads English (no password hashing: it costs half a second)."""
    penjual = get_user_model().objects.create(username="penjual")
    Membership.objects.create(user=penjual, role=Role.OWNER)  # these tests do everything
    client.force_login(penjual)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


@pytest.fixture
def post_webhook(client: Client, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """``post_webhook(account, event, payload, signature=…)`` as the channel would. The test's
    transaction never commits, so the queued processing is run as a commit would run it."""

    def post(account: ChannelAccount, event: str, payload: Any, **options: Any) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {}
        signature = options.get("signature", sign(body))
        if signature is not None:
            headers["HTTP_AUTHORIZATION_HMAC"] = signature
        url = reverse("orders:webhook", args=[account.channel, account.pk, event])
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, body, content_type="application/json", **headers)

    return post
