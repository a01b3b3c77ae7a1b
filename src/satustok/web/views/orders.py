from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def index(request: HttpRequest) -> HttpResponse:
    # Orders arrive with order sync (webhooks and polling); until then the page says so.
    return render(request, "web/orders/index.html", {"nav": "orders"})
