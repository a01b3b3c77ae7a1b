"""Roles in the seller UI: every page answers each role with the page or the 403 page, a
Viewer's POSTs are refused before anything happens, the menu and the buttons show only what a
role may do, and a user limited to warehouses adjusts and sees only theirs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roles_support import ROLES, an_integration, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount
from satustok.core.access import ROLE_PERMISSIONS, Permission, Role
from satustok.core.models import Activity
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import StockLevel, Warehouse
from satustok.orders.models import Order, OrderLine, OrderStatus, StockEffect
from satustok.sync.models import ImportRun, RunMode, RunState

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects() -> dict[str, Any]:
    account = an_integration()
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K-1")
    stock.set_on_hand(default_warehouse().pk, variant.pk, 5, reference="test")
    run = ImportRun.objects.create(account=account, mode=RunMode.PREVIEW, state=RunState.DONE)
    return {"account": account, "variant": variant, "run": run}


def as_role(client: Client, role: str) -> Any:
    user = user_with_role(role)
    client.force_login(user)
    return user


# (URL name, the object whose pk it takes, the capability a GET needs)
PAGES = [
    ("web:home", None, Permission.VIEW),
    ("web:catalog", None, Permission.VIEW),
    ("web:catalog_unlinked", None, Permission.VIEW),
    ("web:inventory", None, Permission.VIEW),
    ("web:inventory_sku", "variant", Permission.VIEW),
    ("web:orders", None, Permission.VIEW),
    ("web:sync_log", None, Permission.VIEW),
    ("web:sync_log_pushes", None, Permission.VIEW),
    ("web:import_run", "run", Permission.VIEW),
    ("web:import_csv", "run", Permission.VIEW),
    ("web:import_choose", None, Permission.IMPORT),
    ("web:integrations", None, Permission.MANAGE_INTEGRATIONS),
    ("web:integration_add", None, Permission.MANAGE_INTEGRATIONS),
    ("web:integration", "account", Permission.MANAGE_INTEGRATIONS),
    ("web:activity", None, Permission.VIEW_ACTIVITY),
    ("web:users", None, Permission.MANAGE_USERS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "key", "needed"), PAGES)
def test_each_page_opens_for_the_roles_that_may_and_is_refused_politely_to_others(
    client: Client, objects: dict[str, Any], role: str, name: str, key: str | None, needed: str
) -> None:
    as_role(client, role)
    url = reverse(name, args=[objects[key].pk] if key else [])
    response = client.get(url)
    if needed in ROLE_PERMISSIONS[role]:
        assert response.status_code == 200, f"{role} opens {url}"
    else:
        assert response.status_code == 403, f"{role} is refused {url}"
        page = response.content.decode()
        assert 'data-testid="forbidden"' in page and 'class="sidebar"' in page  # the site's look


# Every POST route, with a pk that need not exist: the role is checked before anything else.
POSTS = [
    ("web:integration_add_channel", ["tokopedia"]),
    ("web:integration_reconnect", [1]),
    ("web:integration_push", [1]),
    ("web:integration_move", [1]),
    ("web:integration_webhooks", [1]),
    ("web:listing_link", [1]),
    ("web:import_choose", []),
    ("web:import_finish", [1]),
    ("web:import_retry", [1]),
    ("web:inventory_sku", [1]),
    ("web:order_accept", [1]),
    ("web:order_reject", [1]),
    ("web:order_refresh", [1]),
    ("web:order_restock", [1]),
    ("web:order_link", [1]),
    ("web:users", []),
    ("web:user", [1]),
    ("web:user_active", [1]),
]


@pytest.mark.parametrize(("name", "args"), POSTS)
def test_a_viewer_changes_nothing_every_post_is_refused(
    client: Client, objects: dict[str, Any], name: str, args: list[Any]
) -> None:
    viewer = as_role(client, Role.VIEWER)
    data = {"action": "add", "quantity": "3", "reason": "count", "push_stock": "on"}
    data |= {"username": "mallory", "role": "owner", "how": "password", "password": "x" * 12}
    args = [objects["variant"].pk] if name == "web:inventory_sku" else args
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == 403
    assert StockLevel.objects.get(variant=objects["variant"]).on_hand == 5
    assert not ChannelAccount.objects.filter(push_stock=True).exists()
    assert not Activity.objects.exists()
    viewer.refresh_from_db()
    assert not viewer.is_superuser and not type(viewer).objects.filter(username="mallory").exists()


def test_staff_adjust_stock_but_cannot_switch_pushing(
    client: Client, objects: dict[str, Any]
) -> None:
    as_role(client, Role.STAFF)
    variant, account = objects["variant"], objects["account"]
    adjusted = client.post(
        reverse("web:inventory_sku", args=[variant.pk]),
        {"action": "add", "quantity": "3", "reason": "received"},
    )
    assert adjusted.status_code == 302
    assert StockLevel.objects.get(variant=variant).on_hand == 8
    refused = client.post(reverse("web:integration_push", args=[account.pk]), {"push_stock": "on"})
    assert refused.status_code == 403
    account.refresh_from_db()
    assert account.push_stock is False


def menu_links(client: Client) -> set[str]:
    page = client.get(reverse("web:home")).content.decode()
    menu = page.split('class="menu"', 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r'href="([^"]+)"', menu))


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.OWNER, {"integrations", "activity", "users"}, set()),
        (Role.ADMIN, {"integrations", "activity"}, {"users"}),
        (Role.STAFF, set(), {"integrations", "activity", "users"}),
        (Role.VIEWER, set(), {"integrations", "activity", "users"}),
    ],
)
def test_the_menu_shows_only_what_the_role_may_open(
    client: Client, objects: dict[str, Any], role: str, shown: set[str], hidden: set[str]
) -> None:
    as_role(client, role)
    links = menu_links(client)
    urls = {"integrations": "web:integrations", "activity": "web:activity", "users": "web:users"}
    for item in shown:
        assert reverse(urls[item]) in links, f"{role} sees {item}"
    for item in hidden:
        assert reverse(urls[item]) not in links, f"{role} does not see {item}"
    assert reverse("web:inventory") in links and reverse("web:orders") in links


def test_a_viewer_sees_no_button_that_changes_anything(
    client: Client, objects: dict[str, Any]
) -> None:
    as_role(client, Role.VIEWER)
    pages = [
        reverse("web:inventory_sku", args=[objects["variant"].pk]),
        reverse("web:import_run", args=[objects["run"].pk]),
        reverse("web:catalog"),
        reverse("web:home"),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        main = page.split('<main class="main">', 1)[1]
        forms = re.findall(r'<form method="post"[^>]*>', main)
        logout = f'<form method="post" action="{reverse("web:logout")}">'
        assert [f for f in forms if f != logout] == [], f"{url} shows {forms}"
    staff = Client()
    staff.force_login(user_with_role(Role.STAFF, "staff-2"))
    page = staff.get(reverse("web:inventory_sku", args=[objects["variant"].pk])).content.decode()
    assert 'id="adjust-form"' in page


def test_a_staff_user_limited_to_a_warehouse_adjusts_and_sees_only_that_one(
    client: Client, objects: dict[str, Any]
) -> None:
    staff = as_role(client, Role.STAFF)
    branch = Warehouse.objects.create(name="Gudang Cabang", code="cabang")
    stock.set_on_hand(branch.pk, objects["variant"].pk, 2, reference="test")
    set_warehouses(staff, [branch])
    refused = client.post(
        reverse("web:inventory_sku", args=[objects["variant"].pk]),
        {"action": "add", "quantity": "3", "reason": "received"},
    )
    assert "Gudang Utama" in refused.content.decode()  # says which warehouse is not theirs
    assert StockLevel.objects.get(warehouse=default_warehouse()).on_hand == 5
    listed = client.get(reverse("web:inventory")).content.decode()
    assert "Gudang Cabang" in listed and "Gudang Utama" not in listed


def test_a_staff_user_limited_to_a_warehouse_adjusts_stock_there_from_the_page(
    client: Client, objects: dict[str, Any]
) -> None:
    staff = as_role(client, Role.STAFF)
    branch = Warehouse.objects.create(name="Gudang Cabang", code="cabang")
    set_warehouses(staff, [branch])
    url = reverse("web:inventory_sku", args=[objects["variant"].pk])
    page = client.get(url).content.decode()
    offered = re.search(r'<input type="hidden" name="warehouse" value="(\d+)"', page)
    assert offered and int(offered.group(1)) == branch.pk  # their only warehouse, chosen

    client.post(url, {"warehouse": branch.pk, "action": "add", "quantity": "3", "reason": "in"})

    assert StockLevel.objects.get(warehouse=branch).on_hand == 3
    assert StockLevel.objects.get(warehouse=default_warehouse()).on_hand == 5
    beyond = client.post(url, {"warehouse": 2**70, "action": "add", "quantity": "1", "reason": "x"})
    assert beyond.status_code == 200 and StockLevel.objects.get(warehouse=branch).on_hand == 3


def test_a_staff_user_limited_to_a_warehouse_cannot_restock_another_warehouses_order(
    client: Client, objects: dict[str, Any]
) -> None:
    """An order moves the stock of the warehouse feeding its shop: the UI's restock is refused
    with the 403 page, and nothing moves."""
    staff = as_role(client, Role.STAFF)
    set_warehouses(staff, [Warehouse.objects.create(name="Gudang Cabang", code="cabang")])
    order = Order.objects.create(
        account=objects["account"],
        external_id="5001",
        status=OrderStatus.RETURNED,
        channel_status="800",
        ordered_at=timezone.now(),
        stock_effect=StockEffect.SHIPPED,
    )
    OrderLine.objects.create(
        order=order,
        external_product_id="1",
        quantity=2,
        variant=objects["variant"],
        linked=True,
        stock_effect=StockEffect.SHIPPED,
    )
    refused = client.post(reverse("web:order_restock", args=[order.pk]))
    assert refused.status_code == 403 and "Gudang Utama" in refused.content.decode()
    assert StockLevel.objects.get(warehouse=default_warehouse()).on_hand == 5
    order.refresh_from_db()
    assert order.stock_effect == StockEffect.SHIPPED

    set_warehouses(staff, [])  # every warehouse again
    assert client.post(reverse("web:order_restock", args=[order.pk])).status_code == 302
    assert StockLevel.objects.get(warehouse=default_warehouse()).on_hand == 7
