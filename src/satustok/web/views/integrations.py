"""Integrations › Add Integrations › View (a channel) › its connect form.

Every registered channel gets a card and a connect page from its registry description. A
channel whose seller types credentials is connected at once (the founding document's FS ID,
Shop ID, Client ID, Client Secret). A channel whose seller approves the hub on the channel's own
page spans two requests: the seller leaves with the app's credentials typed here and comes back
with a one-time code. What is needed in between (the credentials, a nonce that proves the return
belongs to this session, the integration being reconnected) waits in the session, the secret
encrypted like every secret at rest."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.channels import locations, registry
from satustok.channels.connect import (
    SellerProblem,
    authorization_url,
    connect_shop,
    finish_authorization,
)
from satustok.channels.forms import ConnectForm
from satustok.channels.models import ChannelAccount, Listing
from satustok.channels.protocol import Credentials
from satustok.channels.registry import ChannelDescription
from satustok.core.access import Permission
from satustok.core.crypto import decrypt, encrypt
from satustok.inventory.models import Warehouse
from satustok.orders.models import RefusalReason
from satustok.orders.moving import MoveRefused, may_move_onto, move_integration
from satustok.orders.refusals import refused_counts
from satustok.orders.warehouse_switch import SwitchRefused, switch_warehouse
from satustok.sync import prices, tasks
from satustok.sync.pusher import PushRefused, set_push_stock
from satustok.web.access import requires
from satustok.web.params import as_id
from satustok.web.views import stock_controls

PENDING_KEY = "satustok.pending_authorization"


@requires(Permission.MANAGE_INTEGRATIONS)
def index(request: HttpRequest) -> HttpResponse:
    accounts = ChannelAccount.objects.select_related("warehouse").order_by("created_at")
    return render(
        request, "web/integrations/index.html", {"nav": "integrations", "accounts": accounts}
    )


@requires(Permission.MANAGE_INTEGRATIONS)
def add(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/integrations/add.html",
        {"nav": "integrations", "channels": registry.descriptions()},
    )


def _description(channel: str) -> ChannelDescription:
    try:
        return registry.describe(channel)
    except registry.UnknownChannel:
        raise Http404(channel) from None


@requires(Permission.MANAGE_INTEGRATIONS)
def add_channel(request: HttpRequest, channel: str) -> HttpResponse:
    """The channel's connect page; its form connects at once or sends the seller to approve."""
    description = _description(channel)
    form = registry.connect_form(channel)(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _connect_page(request, description, form)
    if description.by_approval_page:
        return _send_to_approval(request, channel, form.credentials())
    try:
        account = connect_shop(channel, form.credentials(), form.shop_id_value())
    except SellerProblem as problem:
        return _connect_page(request, description, form, problem)
    messages.success(
        request, _("%(shop)s is connected. Next: sync its products.") % {"shop": account.shop_name}
    )
    return redirect("web:integration", pk=account.pk)


def _connect_page(
    request: HttpRequest,
    description: ChannelDescription,
    form: ConnectForm | Any,
    failure: SellerProblem | None = None,
) -> HttpResponse:
    return render(
        request,
        description.connect_template,
        {
            "nav": "integrations",
            "form": form,
            "failure": failure,
            "channel_name": description.label,
            "channel": description,
        },
    )


@requires(Permission.MANAGE_INTEGRATIONS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount.objects.select_related("warehouse"), pk=pk)
    return render(
        request,
        "web/integrations/detail.html",
        {
            "nav": "integrations",
            "account": account,
            "channel": registry.describe(account.channel),
            "listing_count": account.listings.count(),
            "runs": account.imports.all()[:5],
            "movable": _movable_onto(account),
            "refused": _refused_deliveries(account),
            "retention_days": settings.SATUSTOK_WEBHOOK_RETENTION_DAYS,
            "rule_form": stock_controls.rule_form(account),
            "warehouses": Warehouse.objects.order_by("name"),
            "per_location": bool(locations.push_plan(account)),  # the shop's own warehouses
        },
    )


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def set_warehouse(request: HttpRequest, pk: int) -> HttpResponse:
    """Feed the integration from another warehouse (see orders/warehouse_switch.py)."""
    account = get_object_or_404(ChannelAccount.objects.select_related("warehouse"), pk=pk)
    warehouse = Warehouse.objects.filter(pk=as_id(request.POST.get("warehouse", "")) or 0).first()
    if warehouse is None:
        messages.error(request, _("Choose one of the warehouses."))
        return redirect("web:integration", pk=pk)
    try:
        switched = switch_warehouse(account, warehouse)
    except SwitchRefused as refused:
        messages.error(request, str(refused))
        return redirect("web:integration", pk=pk)
    if switched:
        messages.success(
            request,
            _("%(shop)s is fed from %(warehouse)s now: every linked listing is pushed again.")
            % {"shop": account.shop_name, "warehouse": warehouse.name},
        )
    return redirect("web:integration", pk=pk)


def _refused_deliveries(account: ChannelAccount) -> list[tuple[str, int]]:
    """Webhook POSTs refused for this integration within the retention, by reason: nothing of
    them is stored but this count (see orders/refusals.py)."""
    counts = refused_counts(channel=account.channel, integration=account.pk)
    return [(str(RefusalReason(reason).label), total) for reason, total in counts.items()]


def _movable_onto(account: ChannelAccount) -> list[ChannelAccount]:
    """Integrations whose shop could move onto ``account``: of a marketplace it also reports
    (a legacy Tokopedia integration, for TikTok Shop), those sharing the most master products
    first — a migrated shop lists the same SKUs."""
    if account.moved_to_id is not None or account.orders_from is not None:
        return []
    mine = account.listings.exclude(variant=None).values("variant")
    others = (
        ChannelAccount.objects.filter(moved_to=None)
        .exclude(pk=account.pk)
        .annotate(shared=Count("listings", filter=Q(listings__variant__in=mine)))
    )
    candidates = others.order_by("-shared", "created_at")
    return [other for other in candidates if may_move_onto(other, account)]


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def move_here(request: HttpRequest, pk: int) -> HttpResponse:
    """Move another integration's shop onto this one (see orders/moving.py)."""
    successor = get_object_or_404(ChannelAccount, pk=pk)
    legacy = get_object_or_404(ChannelAccount, pk=as_id(request.POST.get("legacy", "")) or 0)
    try:
        moved = move_integration(legacy, successor)
    except MoveRefused as refused:
        messages.error(request, str(refused))
        return redirect("web:integration", pk=successor.pk)
    messages.success(
        request,
        _(
            "%(legacy)s moved here: %(carried)s products keep their master stock; the old "
            "integration pushes nothing now and follows its %(open)s open orders until done."
        )
        % {"legacy": legacy.shop_name, "carried": moved.carried_over, "open": moved.open_orders},
    )
    if moved.not_on_successor:
        messages.warning(
            request,
            _("Not listed on this shop (check their SKUs): %(skus)s")
            % {"skus": ", ".join(moved.not_on_successor[:20])},
        )
    return redirect("web:integration", pk=successor.pk)


@requires(Permission.SWITCH_PUSH)
@require_POST
def toggle_push(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk)
    enabled = request.POST.get("push_stock") == "on"
    try:
        set_push_stock(account, enabled)
    except PushRefused as refused:
        messages.error(request, str(refused))
        return redirect("web:integration", pk=account.pk)
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


# --- channels where the seller approves the hub on the channel's page ----------------------


def authorized_url(request: HttpRequest, channel: str) -> str:
    """Where the channel sends the seller back (for channels whose app registers a fixed
    redirect, the address the operator registers)."""
    return request.build_absolute_uri(reverse("web:integration_authorized", args=[channel]))


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
    return redirect(
        authorization_url(channel, credentials, authorized_url(request, channel), state)
    )


@requires(Permission.MANAGE_INTEGRATIONS)
def authorized(request: HttpRequest, channel: str) -> HttpResponse:
    """The channel sent the seller back (``code``, ``state`` and maybe ``shop_id``)."""
    pending = request.session.get(PENDING_KEY) or {}
    state = request.GET.get("state")
    if not pending or not state or pending.get("state") != state:
        messages.error(
            request,
            _("This approval does not belong to a connect started here. Press Connect again."),
        )
        return redirect("web:integration_add")
    del request.session[PENDING_KEY]
    # The channel is the one the connect started with (the session's), never the URL's: a
    # return under another channel's address must not hand this code to that channel.
    channel = pending["channel"]
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
        description = registry.describe(channel)
        return _connect_page(request, description, registry.connect_form(channel)(), failure)
    return _welcome(request, account, reconnected=reconnecting is not None)


def _welcome(request: HttpRequest, account: ChannelAccount, *, reconnected: bool) -> HttpResponse:
    if reconnected:
        tasks.push_stock(account.pk)  # whatever became due while paused goes out now
        messages.success(request, _("%(shop)s is reconnected.") % {"shop": account.shop_name})
    else:
        messages.success(
            request,
            _("%(shop)s is connected. Next: sync its products.") % {"shop": account.shop_name},
        )
    return redirect("web:integration", pk=account.pk)


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def reconnect(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the hub again on the channel's page, with the stored app credentials."""
    account = get_object_or_404(ChannelAccount, pk=pk)
    if not registry.describe(account.channel).by_approval_page:
        raise Http404("this channel connects with typed credentials")
    credentials = Credentials(account.app_id, account.client_id, account.client_secret.reveal())
    return _send_to_approval(request, account.channel, credentials, reconnect=account.pk)


# --- price push (sync/prices.py) --------------------------------------------------------------


@requires(Permission.SWITCH_PUSH)
@require_POST
def toggle_price_push(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk)
    enabled = request.POST.get("push_price") == "on"
    try:
        prices.set_push_price(account, enabled)
    except PushRefused as refused:
        messages.error(request, str(refused))
        return redirect("web:integration", pk=pk)
    if enabled:
        messages.success(
            request,
            _(
                "Price pushing is on for %(shop)s: every listing with a master price is set to "
                "its price by the rule, starting now."
            )
            % {"shop": account.shop_name},
        )
    else:
        messages.success(
            request, _("Price pushing is off for %(shop)s.") % {"shop": account.shop_name}
        )
    return redirect("web:integration", pk=pk)


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def set_price_rule(request: HttpRequest, pk: int) -> HttpResponse:
    """The integration's price rule: markup % and rounding step (validated, never a 500)."""
    account = get_object_or_404(ChannelAccount, pk=pk)
    try:
        prices.set_price_rule(account, request.POST.get("markup", ""), request.POST.get("step", ""))
    except prices.PriceRuleInvalid as invalid:
        messages.error(request, str(invalid))
        return redirect("web:integration", pk=pk)
    messages.success(request, _("Price rule of %(shop)s saved.") % {"shop": account.shop_name})
    return redirect("web:integration", pk=pk)


@requires(Permission.SWITCH_PUSH)
@require_POST
def listing_price(request: HttpRequest, pk: int) -> HttpResponse:
    """A listing's own fixed price (empty: follow the integration's rule again)."""
    listing = get_object_or_404(Listing.objects.select_related("account"), pk=pk)
    back = (
        redirect("web:inventory_sku", pk=listing.variant_id)
        if listing.variant_id
        else redirect("web:integration", pk=listing.account_id)
    )
    value = "" if request.POST.get("follow") else request.POST.get("fixed_price", "")
    try:
        prices.set_fixed_price(listing, value)
    except prices.PriceRuleInvalid as invalid:
        messages.error(request, str(invalid))
        return back
    messages.success(request, _("Price of listing %(id)s saved.") % {"id": listing.external_id})
    return back
