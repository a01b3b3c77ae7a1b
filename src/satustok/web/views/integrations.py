"""Integrations › Add Integrations › View (Tokopedia) › FS ID, Shop ID, Client ID, Client Secret;
and Shopee › Partner ID, Partner Key › Connect → Shopee's approval page → back here.

Shopee's connect spans two requests: the seller leaves for Shopee's page and comes back with a
one-time code. What is needed in between (the partner credentials, a nonce that proves the
return belongs to this session, the integration being reconnected) waits in the session, the
partner key encrypted like every secret at rest."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.channels.connect import (
    SellerProblem,
    authorization_url,
    connect_shop,
    finish_authorization,
)
from satustok.channels.forms import ShopeeConnectForm, TokopediaConnectForm
from satustok.channels.models import ChannelAccount
from satustok.channels.protocol import Credentials
from satustok.core.crypto import decrypt, encrypt
from satustok.sync import tasks
from satustok.sync.pusher import set_push_stock

PENDING_KEY = "satustok.pending_authorization"

CHANNEL_CARDS = [
    {"code": "tokopedia", "name": "Tokopedia", "available": True},
    {"code": "shopee", "name": "Shopee", "available": True},
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
        {"nav": "integrations", "form": form, "failure": failure, "channel_name": "Tokopedia"},
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


# --- Shopee: connect through Shopee's approval page ------------------------------------------


@login_required
def add_shopee(request: HttpRequest) -> HttpResponse:
    form = ShopeeConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _send_to_approval(request, "shopee", form.credentials())
    return _shopee_page(request, form)


def _shopee_page(
    request: HttpRequest, form: ShopeeConnectForm, failure: SellerProblem | None = None
) -> HttpResponse:
    return render(
        request,
        "web/integrations/shopee.html",
        {"nav": "integrations", "form": form, "failure": failure, "channel_name": "Shopee"},
    )


def _send_to_approval(
    request: HttpRequest, channel: str, credentials: Credentials, reconnect: int | None = None
) -> HttpResponse:
    """Remember what the return needs, then send the seller to the channel's approval page."""
    state = secrets.token_urlsafe(16)
    request.session[PENDING_KEY] = {
        "state": state,
        "channel": channel,
        "app_id": credentials.app_id,
        "client_id": credentials.client_id,
        "client_secret": encrypt(credentials.client_secret),
        "reconnect": reconnect,
    }
    back = request.build_absolute_uri(reverse("web:integration_authorized", args=[channel]))
    return redirect(authorization_url(channel, credentials, f"{back}?state={state}"))


@login_required
def authorized(request: HttpRequest, channel: str) -> HttpResponse:
    """The channel sent the seller back (``code`` and ``shop_id`` in the query)."""
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or pending.get("state") != request.GET.get("state"):
        messages.error(
            request,
            _("This approval does not belong to a connect started here. Press Connect again."),
        )
        return redirect("web:integration_add")
    del request.session[PENDING_KEY]
    credentials = Credentials(
        pending["app_id"], pending["client_id"], decrypt(pending["client_secret"])
    )
    reconnecting = (
        get_object_or_404(ChannelAccount, pk=pending["reconnect"]) if pending["reconnect"] else None
    )
    try:
        account = finish_authorization(
            channel,
            credentials,
            request.GET.get("code", ""),
            request.GET.get("shop_id", "").strip(),
            reconnecting=reconnecting,
            refusal=request.GET.get("error", ""),
        )
    except SellerProblem as failure:
        if reconnecting is not None:
            messages.error(request, str(failure))
            return redirect("web:integration", pk=reconnecting.pk)
        return _shopee_page(request, ShopeeConnectForm(), failure)
    if reconnecting is not None:
        tasks.push_stock(account.pk)  # whatever became due while paused goes out now
        messages.success(request, _("%(shop)s is reconnected.") % {"shop": account.shop_name})
    else:
        messages.success(
            request,
            _("%(shop)s is connected. Next: sync its products.") % {"shop": account.shop_name},
        )
    return redirect("web:integration", pk=account.pk)


@login_required
@require_POST
def reconnect(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the hub again on the channel's page, with the stored partner credentials."""
    account = get_object_or_404(ChannelAccount, pk=pk)
    credentials = Credentials(account.app_id, account.client_id, account.client_secret.reveal())
    return _send_to_approval(request, account.channel, credentials, reconnect=account.pk)
