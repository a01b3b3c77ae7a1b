"""The seller UI: login required, Bahasa Indonesia by default, English on request, every
menu page renders."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from satustok.core.access import Role
from satustok.core.models import Membership

pytestmark = pytest.mark.django_db

MENU = [
    "web:home",
    "web:integrations",
    "web:integration_add",
    "web:integration_add_channel:tokopedia",
    "web:integration_add_channel:shopee",
    "web:catalog",
    "web:catalog_unlinked",
    "web:import_choose",
    "web:inventory",
    "web:orders",
    "web:sync_log",
]


@pytest.fixture
def seller(client: Client) -> Client:
    penjual = get_user_model().objects.create_user("penjual", password="rahasia-123")
    Membership.objects.create(user=penjual, role=Role.OWNER)  # the Owner sees every page
    # A request, as django-axes (login throttling) needs one to count failures against.
    client.login(request=HttpRequest(), username="penjual", password="rahasia-123")
    return client


def english(client: Client) -> Client:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def page_url(name: str) -> str:
    """``web:view`` or ``web:view:argument``."""
    app, view, *args = name.split(":")
    return reverse(f"{app}:{view}", args=args)


@pytest.mark.parametrize("name", MENU)
def test_every_page_needs_a_login(client: Client, name: str) -> None:
    response = client.get(page_url(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("name", MENU)
def test_every_page_renders_for_a_seller(seller: Client, name: str) -> None:
    assert seller.get(page_url(name)).status_code == 200


def test_indonesian_is_the_default(seller: Client) -> None:
    page = seller.get(reverse("web:integration_add")).content.decode()
    assert "Tambah Integrasi" in page and "Katalog Produk" in page
    assert '<html lang="id">' in page


def test_english_shows_the_founding_documents_labels(seller: Client) -> None:
    english(seller)
    add = seller.get(reverse("web:integration_add")).content.decode()
    for label in ("Integrations", "Add Integrations", "View", "Product Catalog"):
        assert label in add
    form = seller.get(reverse("web:integration_add_channel", args=["tokopedia"])).content.decode()
    for label in ("FS ID", "Shop ID", "Client ID", "Client Secret"):
        assert f">{label}</label>" in form
    choose = seller.get(reverse("web:import_choose")).content.decode()
    assert "Sync Product from Tokopedia" in choose


def test_the_requirements_checklist_is_shown_before_the_form(seller: Client) -> None:
    english(seller)
    page = seller.get(reverse("web:integration_add_channel", args=["tokopedia"])).content.decode()
    for requirement in (
        "Official Store or a Power Merchant",
        "another system",
        "not on holiday",
        "same SKU code",
    ):
        assert requirement in page


def test_missing_fields_are_named_and_nothing_is_saved(seller: Client) -> None:
    from satustok.channels.models import ChannelAccount

    english(seller)
    page = seller.post(
        reverse("web:integration_add_channel", args=["tokopedia"]),
        {"fs_id": "abc", "shop_id": "", "client_id": "x", "client_secret": ""},
    )
    text = page.content.decode()
    assert "FS ID is a number" in text and "Fill in the Shop ID." in text
    assert "Fill in the Client Secret." in text
    assert not ChannelAccount.objects.exists()


def test_the_login_page_is_translated_and_refuses_wrong_passwords(client: Client) -> None:
    get_user_model().objects.create_user("penjual", password="rahasia-123")
    page = client.post(reverse("web:login"), {"username": "penjual", "password": "salah"})
    assert "Nama pengguna atau kata sandi salah" in page.content.decode()


def test_an_english_browser_still_gets_indonesian_until_the_seller_chooses(seller: Client) -> None:
    page = seller.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Dasbor" in page.content.decode()
    english(seller)
    assert "Dashboard" in seller.get(reverse("web:home")).content.decode()
