"""Orders › Returns: orders whose parcels came back wait there with a form per returned line
(restock to which warehouse, or write off); the decision reaches the ledger once, the order
moves to the decided list, and roles and warehouse limits are respected."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roles_support import an_integration, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Role
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import StockLevel, StockMovement, Warehouse
from satustok.orders.models import Order, OrderLine, OrderStatus, StockEffect

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned() -> dict[str, Any]:
    """A returned order of two shipped lines (3 and 2 units) from the default warehouse."""
    account = an_integration()
    other = Warehouse.objects.create(name="Gudang Retur", code="retur")
    product = MasterProduct.objects.create(name="Kaos")
    shirt = Variant.objects.create(product=product, sku="KAOS-M")
    scarf = Variant.objects.create(product=product, sku="SYAL-1")
    for variant in (shirt, scarf):
        stock.set_on_hand(account.warehouse_id, variant.pk, 10, reference="test")
    order = Order.objects.create(
        account=account,
        external_id="5501",
        invoice="INV/RET/5501",
        status=OrderStatus.RETURNED,
        channel_status="550",
        ordered_at=timezone.now(),
        stock_effect=StockEffect.SHIPPED,
    )
    lines = [
        OrderLine.objects.create(
            order=order,
            external_product_id=str(n),
            sku=variant.sku,
            quantity=quantity,
            variant=variant,
            linked=True,
            stock_effect=StockEffect.SHIPPED,
        )
        for n, (variant, quantity) in enumerate(((shirt, 3), (scarf, 2)))
    ]
    return {"account": account, "order": order, "lines": lines, "other": other}


def as_role(client: Client, role: str, name: str = "") -> Any:
    user = user_with_role(role, name)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return user


def on_hand(warehouse_id: int, variant_id: int) -> int:
    level = StockLevel.objects.filter(warehouse_id=warehouse_id, variant_id=variant_id).first()
    return level.on_hand if level else 0


def test_the_page_lists_the_return_with_a_choice_per_line(
    returned: dict[str, Any], client: Client
) -> None:
    as_role(client, Role.STAFF)
    html = client.get(reverse("web:returns")).content.decode()
    order, lines = returned["order"], returned["lines"]
    assert f'data-testid="return-{order.pk}"' in html and order.invoice in html
    for line in lines:
        assert f'name="choice-{line.pk}"' in html and f'name="warehouse-{line.pk}"' in html
    default = re.search(
        rf'name="warehouse-{lines[0].pk}".*?<option value="(\d+)" selected', html, re.DOTALL
    )
    assert default is not None and int(default.group(1)) == returned["account"].warehouse_id
    assert 'data-testid="nav-returns"' in html


def test_restock_and_write_off_reach_the_ledger_once(
    returned: dict[str, Any], client: Client
) -> None:
    as_role(client, Role.STAFF)
    order, (shirt, scarf), other = returned["order"], returned["lines"], returned["other"]
    home = returned["account"].warehouse_id
    form = {
        f"choice-{shirt.pk}": "restock",
        f"warehouse-{shirt.pk}": str(other.pk),
        f"choice-{scarf.pk}": "write_off",
        f"warehouse-{scarf.pk}": str(home),
    }
    url = reverse("web:return_decide", args=[order.pk])
    response = client.post(url, form, follow=True)
    html = response.content.decode()
    assert "decided" in html and f'data-testid="return-{order.pk}"' not in html
    assert on_hand(other.pk, shirt.variant_id) == 3  # back on the chosen shelf
    assert on_hand(home, scarf.variant_id) == 10  # written off: on hand unchanged
    decided = html.split('data-testid="decided-returns"')[1]
    assert "Restock" in decided and "Gudang Retur" in decided and "Write off" in decided
    movements = StockMovement.objects.filter(reference=order.reference).count()
    again = client.post(url, form, follow=True).content.decode()
    assert "already decided" in again
    assert StockMovement.objects.filter(reference=order.reference).count() == movements
    assert on_hand(other.pk, shirt.variant_id) == 3


def test_a_viewer_sees_the_returns_but_cannot_decide(
    returned: dict[str, Any], client: Client
) -> None:
    as_role(client, Role.VIEWER)
    order, (shirt, _scarf) = returned["order"], returned["lines"]
    html = client.get(reverse("web:returns")).content.decode()
    assert order.invoice in html and f'name="choice-{shirt.pk}"' not in html
    url = reverse("web:return_decide", args=[order.pk])
    assert client.post(url, {f"choice-{shirt.pk}": "restock"}).status_code == 403
    shirt.refresh_from_db()
    assert shirt.stock_effect == StockEffect.SHIPPED


def test_a_user_limited_to_other_warehouses_gets_a_message(
    returned: dict[str, Any], client: Client
) -> None:
    user = as_role(client, Role.STAFF, "gudang-retur")
    set_warehouses(user, [returned["other"]])
    order, (shirt, _scarf) = returned["order"], returned["lines"]
    html = client.get(reverse("web:returns")).content.decode()
    options = re.search(rf'name="warehouse-{shirt.pk}".*?</select>', html, re.DOTALL)
    assert options is not None and "Gudang Retur" in options.group(0)
    assert options.group(0).count("<option") == 1  # only the warehouse they work in
    home = returned["account"].warehouse_id
    form = {f"choice-{shirt.pk}": "restock", f"warehouse-{shirt.pk}": str(home)}
    response = client.post(reverse("web:return_decide", args=[order.pk]), form, follow=True)
    assert response.status_code == 200
    assert "You work only in other warehouses" in response.content.decode()
    shirt.refresh_from_db()
    assert shirt.stock_effect == StockEffect.SHIPPED


@pytest.mark.parametrize(
    "form",
    [{}, {"choice-1": "burn"}, {"choice-{line}": "restock", "warehouse-{line}": "9" * 30}],
)
def test_hostile_forms_give_a_message(
    returned: dict[str, Any], client: Client, form: dict[str, str]
) -> None:
    as_role(client, Role.STAFF)
    line = returned["lines"][0].pk
    data = {k.format(line=line): v for k, v in form.items()}
    url = reverse("web:return_decide", args=[returned["order"].pk])
    response = client.post(url, data, follow=True)
    assert response.status_code == 200 and 'class="alert' in response.content.decode()
