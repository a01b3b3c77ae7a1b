"""Integrations › Add Integrations › View (Tokopedia) › FS ID, Shop ID, Client ID, Client Secret."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.channels.connect import SellerProblem, connect_shop
from satustok.channels.forms import TokopediaConnectForm
from satustok.channels.models import ChannelAccount
from satustok.sync.pusher import set_push_stock

CHANNEL_CARDS = [
    {"code": "tokopedia", "name": "Tokopedia", "available": True},
    {"code": "shopee", "name": "Shopee", "available": False},
    {"code": "tiktok", "name": "TikTok Shop", "available": False},
]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    accounts = ChannelAccount.objects.select_related("warehouse").order_by("created_at")
    return render(
        request, "web/integrations/index.html", {"nav": "integrations", "accounts": accounts}
    )


@login_required
def add(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/integrations/add.html", {"nav": "integrations", "channels": CHANNEL_CARDS}
    )


@login_required
def add_tokopedia(request: HttpRequest) -> HttpResponse:
    form = TokopediaConnectForm(request.POST or None)
    failure: SellerProblem | None = None
    if request.method == "POST" and form.is_valid():
        try:
            account = connect_shop("tokopedia", form.credentials(), form.shop_id_value())
        except SellerProblem as problem:
            failure = problem
        else:
            messages.success(
                request,
                _("%(shop)s is connected. Next: sync its products.") % {"shop": account.shop_name},
            )
            return redirect("web:integration", pk=account.pk)
    return render(
        request,
        "web/integrations/tokopedia.html",
        {"nav": "integrations", "form": form, "failure": failure},
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount.objects.select_related("warehouse"), pk=pk)
    return render(
        request,
        "web/integrations/detail.html",
        {
            "nav": "integrations",
            "account": account,
            "listing_count": account.listings.count(),
            "runs": account.imports.all()[:5],
        },
    )


@login_required
@require_POST
def toggle_push(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk)
    enabled = request.POST.get("push_stock") == "on"
    set_push_stock(account, enabled)
    if enabled:
        messages.success(
            request,
            _(
                "Push stock is on: every linked listing now follows the "
                "master stock, starting with one push of everything."
            ),
        )
    else:
        messages.info(request, _("Push stock is off: this shop's stock is no longer changed."))
    return redirect("web:integration", pk=account.pk)
