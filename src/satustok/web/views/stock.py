"""Inventory: stock per SKU and warehouse, oversells first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import ExpressionWrapper, F, IntegerField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satustok.inventory.models import StockLevel


@login_required
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    levels = (
        StockLevel.objects.select_related("variant", "variant__product", "warehouse")
        .annotate(
            avail=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=IntegerField())
        )
        .order_by("avail", "variant__sku_key")
    )
    if query:
        levels = levels.filter(variant__sku__icontains=query)
    page = Paginator(levels, 50).get_page(request.GET.get("page"))
    return render(
        request, "web/inventory/index.html", {"nav": "inventory", "page": page, "q": query}
    )
