"""Product Catalog: master products, their variants and stock, and every listing on every
integration — linked ones under their variant, unlinked ones with the reason."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels import registry
from satustok.channels.linking import LinkRefused, link_by_hand
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import Permission
from satustok.inventory import bundles
from satustok.sync.models import unlinked_reason_text
from satustok.web.access import requires
from satustok.web.forms import ManualLinkForm
from satustok.web.params import query_text

PRODUCTS_PER_PAGE = 25


def _variants_with_stock():  # type: ignore[no-untyped-def]
    listings = Listing.objects.select_related("account").order_by("account_id", "external_id")
    levels_available = F("stock_levels__on_hand") - F("stock_levels__reserved")
    return Variant.objects.annotate(
        on_hand=Coalesce(Sum("stock_levels__on_hand"), 0),
        available=Coalesce(Sum(levels_available), 0),
    ).prefetch_related(Prefetch("listings", queryset=listings))


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    query = query_text(request, "q")
    archived = request.GET.get("archived") == "1"  # the filter: archived masters only
    products = MasterProduct.objects.filter(archived_at__isnull=not archived).prefetch_related(
        Prefetch("variants", queryset=_variants_with_stock())
    )
    if query:
        products = products.filter(
            Q(name__icontains=query) | Q(variants__sku__icontains=query)
        ).distinct()
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    _bundles_available(page)
    return render(
        request,
        "web/catalog/index.html",
        {
            "nav": "catalog",
            "page": page,
            "q": query,
            "archived": archived,
            "unlinked_count": Listing.objects.filter(link_method=LinkMethod.UNLINKED).count(),
            "sync_channels": _sync_channels(),
        },
    )


def _bundles_available(products: Iterable[MasterProduct]) -> None:
    """A bundle has no levels of its own: its available is its scarcest component's."""
    variants = [v for product in products for v in product.variants.all()]
    found = bundles.available_everywhere(v.pk for v in variants)
    for variant in variants:
        if variant.pk in found:
            variant.available = found[variant.pk]  # type: ignore[attr-defined]
            variant.is_bundle = True  # type: ignore[attr-defined]


def _sync_channels() -> list[tuple[str, str]]:
    """One "Sync Product from …" button per channel with a shop connected (the first
    registered channel, the founding document's, when none is yet)."""
    connected = set(ChannelAccount.objects.values_list("channel", flat=True).distinct())
    channels = registry.choices()
    return [(code, label) for code, label in channels if code in connected] or channels[:1]


@requires(Permission.VIEW)
def unlinked(request: HttpRequest) -> HttpResponse:
    listings = (
        Listing.objects.filter(link_method=LinkMethod.UNLINKED)
        .select_related("account")
        .order_by("account_id", "unlinked_reason", "external_id")
    )
    page = Paginator(listings, 100).get_page(request.GET.get("page"))
    for listing in page:
        label = unlinked_reason_text(listing.unlinked_reason)
        listing.reason_label = label  # type: ignore[attr-defined]
    return render(
        request,
        "web/catalog/unlinked.html",
        {"nav": "catalog", "page": page, "form": ManualLinkForm()},
    )


@requires(Permission.IMPORT)
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk)
    form = ManualLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type the master SKU to link to."))
    else:
        try:
            link_by_hand(listing, form.cleaned_data["sku"])
        except LinkRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Listing %(id)s is now linked to %(sku)s.")
                % {"id": listing.external_id, "sku": form.cleaned_data["sku"]},
            )
    return redirect("web:catalog_unlinked")
