from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import Permission
from satustok.inventory.digest import last_digest
from satustok.inventory.low_stock import low_stock
from satustok.inventory.models import StockLevel
from satustok.orders.models import Order, OrderStatus
from satustok.sync.models import ImportRun
from satustok.web.access import requires


@requires(Permission.VIEW)
def home(request: HttpRequest) -> HttpResponse:
    oversold = StockLevel.objects.filter(reserved__gt=F("on_hand")).select_related(
        "variant", "warehouse"
    )
    unlinked_orders = (
        Order.objects.filter(has_unlinked_lines=True)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("account")
    )
    low = low_stock(request.user)  # the warehouses this user works in
    context = {
        "nav": "dashboard",
        "integrations": ChannelAccount.objects.order_by("shop_name"),
        "products": MasterProduct.objects.count(),
        "variants": Variant.objects.count(),
        "listings": Listing.objects.count(),
        "unlinked": Listing.objects.filter(link_method=LinkMethod.UNLINKED).count(),
        "oversold": oversold[:20],
        "oversold_count": oversold.count(),
        "recent_runs": ImportRun.objects.select_related("account")[:5],
        # Orders whose lines match no master SKU: their stock is not followed (rule 7).
        "unlinked_orders": unlinked_orders[:10],
        "unlinked_orders_count": unlinked_orders.count(),
        "low_stock": low[:10],
        "low_stock_count": low.count(),
        "last_digest": last_digest(),
    }
    return render(request, "web/dashboard.html", context)
