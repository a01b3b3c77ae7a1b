"""Every page a logged-in user opens carries the Content-Security-Policy header, and none
holds an inline script or an ``on…=`` handler (the policy allows scripts from our static
files only, so either would simply not run)."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from roles_support import an_integration
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels import registry
from satustok.channels.connect import default_warehouse
from satustok.channels.models import Listing
from satustok.inventory import stock

pytestmark = pytest.mark.django_db

NOT_PAGES = ("/logout", "/static/", "/api/openapi.json", "/webhooks/", "/healthz", "/readyz")
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data, never executed
MAX_PAGES = 150


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, on…= handlers, javascript: URLs;
    and the page's links, to walk on."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.links: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            executable = (values.get("type") or "").lower() not in DATA_SCRIPT_TYPES
            self._inline_script = executable and not values.get("src")
            if executable and values.get("src") and urlsplit(values["src"] or "").netloc:
                self.found.append(f"<script src={values['src']}> from another site")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_data(self, data: str) -> None:
        if self._inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}…")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inline_script = False


@pytest.fixture
def owner(client: Client) -> Client:
    account = an_integration(channel=registry.codes()[0], shop_name="Toko CSP")
    product = MasterProduct.objects.create(name="Batik")
    variant = Variant.objects.create(product=product, sku="KMJ-01", name="Kemeja")
    stock.set_on_hand(default_warehouse().pk, variant.pk, 5)
    Listing.objects.create(account=account, external_id="9", sku="KMJ-01", name="Kemeja")
    client.force_login(get_user_model().objects.create_superuser("pemilik", "", "x" * 12))
    return client


def walk(client: Client, start: list[str]) -> dict[str, list[str]]:
    """Every page reachable by links from ``start`` (this site only): its inline code."""
    seen: dict[str, list[str]] = {}
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or path.startswith(NOT_PAGES):
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            seen[path] = []
            continue
        assert "Content-Security-Policy" in response, f"{path} has no CSP header"
        parser = InlineCode()
        parser.feed(response.content.decode())
        seen[path] = parser.found
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if not target.netloc:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


def test_no_page_has_inline_script_or_handlers(owner: Client) -> None:
    pages = walk(owner, ["/", "/api/docs", "/login/"])
    assert len(pages) > 15, sorted(pages)  # the walk really went through the UI
    offending = {path: found for path, found in pages.items() if found}
    assert not offending


def test_the_admin_has_no_inline_script_either(owner: Client) -> None:
    pages = walk(owner, ["/admin/"])
    assert len(pages) > 10, sorted(pages)
    assert not {path: found for path, found in pages.items() if found}
