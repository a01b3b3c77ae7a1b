"""Connecting Shopee: Partner ID and Partner Key › Connect › Shopee's approval page › back to
the hub with a one-time code › the integration saved with its tokens encrypted. Every failure
says what to do and saves nothing; Reconnect gives an ended authorization new tokens."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from satustok.channels.models import ChannelAccount, Health
from satustok.core.access import Role
from satustok.core.models import Membership

pytestmark = pytest.mark.django_db
DEMO_SHOP = 7700001


@pytest.fixture
def seller(client: Client) -> Client:
    penjual = get_user_model().objects.create(username="penjual")
    Membership.objects.create(user=penjual, role=Role.OWNER)  # connecting is an Owner's work
    client.force_login(penjual)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def start(seller: Client, shopee: Any, key: str | None = None) -> str:
    """Submit the form; return the approval page's address the hub redirected to."""
    partner = shopee.partner()
    response = seller.post(
        reverse("web:integration_add_channel", args=["shopee"]),
        {"partner_id": partner["partner_id"], "partner_key": key or partner["partner_key"]},
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def approve(approval_url: str, shop_id: int = DEMO_SHOP, decision: str = "approve") -> str:
    """The seller on Shopee's page: choose the shop, confirm; return where Shopee sends them."""
    with httpx.Client() as browser:
        page = browser.get(approval_url)
        assert page.status_code == 200, page.text
        session = re.search(r"name='session' value='([^']+)'", page.text)
        assert session is not None, page.text
        answer = browser.post(
            page.url.copy_with(query=None),
            data={"session": session.group(1), "shop_id": str(shop_id), "decision": decision},
        )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def come_back(seller: Client, back_url: str) -> Any:
    parts = urlsplit(back_url)
    return seller.get(parts.path, parse_qs(parts.query))


def test_connect_through_the_approval_page_saves_the_shop_with_encrypted_tokens(
    seller: Client, hub_shopee: Any
) -> None:
    approval = start(seller, hub_shopee)
    assert approval.startswith(hub_shopee.base_url + "/api/v2/shop/auth_partner?")
    assert "redirect=" in approval and "sign=" in approval

    response = come_back(seller, approve(approval))

    account = ChannelAccount.objects.get(channel="shopee")
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:integration", args=[account.pk]
    )
    assert (account.shop_id, account.shop_name, account.app_id) == (
        str(DEMO_SHOP),
        "Demo Shopee Store",
        str(hub_shopee.partner()["partner_id"]),
    )
    assert account.health == Health.CONNECTED
    assert account.access_token and account.refresh_token and account.token_expires_at
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, access_token, refresh_token FROM channels_channelaccount"
        )
        stored = cursor.fetchone()
    plain = (hub_shopee.partner()["partner_key"], account.access_token.reveal(),
             account.refresh_token.reveal())  # fmt: skip
    assert all(secret not in " ".join(stored) for secret in plain)
    page = seller.get(reverse("web:integration", args=[account.pk])).content.decode()
    assert plain[0] not in page and "Partner Key" in page


def test_a_code_used_twice_is_refused_and_saves_nothing_twice(
    seller: Client, hub_shopee: Any
) -> None:
    back = approve(start(seller, hub_shopee))
    come_back(seller, back)
    ChannelAccount.objects.all().delete()
    # The same return again (a reload): the session's nonce is spent, so nothing happens.
    again = come_back(seller, back)
    assert again.status_code == 302 and again["Location"] == reverse("web:integration_add")
    assert not ChannelAccount.objects.exists()


def test_a_spent_code_gets_the_authorization_message(seller: Client, hub_shopee: Any) -> None:
    back = approve(start(seller, hub_shopee))
    query = parse_qs(urlsplit(back).query)
    code = query["code"][0]
    # Spend the code first, as a second tab would.
    from satustok.channels.shopee.client import PartnerApp, ShopeeClient

    partner = hub_shopee.partner()
    with ShopeeClient(
        PartnerApp(partner["partner_id"], partner["partner_key"]), api_url=hub_shopee.base_url
    ) as client:
        client.fetch_tokens(code, DEMO_SHOP)
    response = come_back(seller, back)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-problem="authorization_failed"' in body and "10 minutes" in body
    assert not ChannelAccount.objects.exists()


def test_cancel_on_the_approval_page_says_so_and_saves_nothing(
    seller: Client, hub_shopee: Any
) -> None:
    response = come_back(seller, approve(start(seller, hub_shopee), decision="cancel"))
    body = response.content.decode()
    assert 'data-problem="authorization_failed"' in body and "access_denied" in body
    assert not ChannelAccount.objects.exists()


def test_a_wrong_partner_key_is_refused_before_anything_is_saved(
    seller: Client, hub_shopee: Any
) -> None:
    with httpx.Client() as browser:
        page = browser.get(start(seller, hub_shopee, key="not-the-partner-key"))
    assert page.status_code == 403 and "sign" in page.text.lower()  # Shopee's own page says so
    assert not ChannelAccount.objects.exists()


def test_a_banned_shop_is_refused_with_the_closed_shop_message(
    seller: Client, hub_shopee: Any
) -> None:
    response = come_back(seller, approve(start(seller, hub_shopee), shop_id=7700002))
    body = response.content.decode()
    assert 'data-problem="shop_closed"' in body
    assert not ChannelAccount.objects.exists()


def test_reconnect_after_the_authorization_ended_restores_it(
    seller: Client, hub_shopee: Any
) -> None:
    come_back(seller, approve(start(seller, hub_shopee)))
    account = ChannelAccount.objects.get()
    old_token = account.access_token.reveal()
    ChannelAccount.objects.filter(pk=account.pk).update(health=Health.NEEDS_RECONNECT)
    dashboard = seller.get(reverse("web:home")).content.decode()
    assert 'data-testid="needs-reconnect"' in dashboard and "Reconnect" in dashboard

    response = seller.post(reverse("web:integration_reconnect", args=[account.pk]))
    back = come_back(seller, approve(response["Location"]))

    account.refresh_from_db()
    assert back["Location"] == reverse("web:integration", args=[account.pk])
    assert account.health == Health.CONNECTED and account.access_token.reveal() != old_token
    assert ChannelAccount.objects.count() == 1


def test_reconnect_refuses_a_different_shop(seller: Client, hub_shopee: Any) -> None:
    come_back(seller, approve(start(seller, hub_shopee)))
    account = ChannelAccount.objects.get()
    ChannelAccount.objects.filter(pk=account.pk).update(health=Health.NEEDS_RECONNECT)
    response = seller.post(reverse("web:integration_reconnect", args=[account.pk]))
    back = come_back(seller, approve(response["Location"], shop_id=7700003))
    account.refresh_from_db()
    assert account.health == Health.NEEDS_RECONNECT and account.shop_id == str(DEMO_SHOP)
    page = seller.get(back["Location"]).content.decode()
    assert "You approved another shop" in page
