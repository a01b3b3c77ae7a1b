"""A listing's own push rule, from the SKU page ("Set rule…" on each listing's row): the same
fields as the integration's rule, or back to following the integration's
(``sync/controls.py`` ``set_listing_rule``). The row's explanation then shows the rule used."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.catalog.models import Variant
from satustok.channels.models import Listing
from satustok.core.access import Permission
from satustok.sync import controls
from satustok.sync.models import PushRule
from satustok.web.access import requires
from satustok.web.views.stock_controls import RuleForm, _submit


def listing_rule_form(listing: Listing) -> RuleForm:
    """The form with the listing's own rule, or the integration's as a starting point."""
    row = PushRule.objects.filter(listing=listing).first()
    row = row or PushRule.objects.filter(account_id=listing.account_id, listing=None).first()
    if row is None:
        return RuleForm(prefix=f"listing-{listing.pk}")
    initial = {"percent": row.percent, "buffer": row.buffer, "maximum": row.maximum}
    return RuleForm(prefix=f"listing-{listing.pk}", initial={**initial, "fixed": row.fixed})


def with_rule_forms(rows: list[dict[str, Any]], variant: Variant) -> list[dict[str, Any]]:
    """The SKU page's listing rows (``sync/stock_view.py``), each given its listing's id, its
    rule form and whether it has a rule of its own."""
    listings = {(row.account_id, row.external_id): row for row in variant.listings.all()}
    own = set(
        PushRule.objects.filter(listing__variant=variant).values_list("listing_id", flat=True)
    )
    for row in rows:
        listing = listings.get((row["integration"], row["external_id"]))
        if listing is not None:
            row["listing_id"] = listing.pk
            row["rule_form"] = listing_rule_form(listing)
            row["own_rule"] = listing.pk in own
    return rows


@requires(Permission.SWITCH_PUSH)
@require_POST
def set_rule(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk)
    if request.POST.get("follow"):
        controls.set_listing_rule(listing, None)
        messages.success(request, _("This listing follows its integration's push rule again."))
    else:
        form = RuleForm(request.POST, prefix=f"listing-{listing.pk}")
        _submit(
            request,
            form,
            lambda _data: controls.set_listing_rule(listing, form.rule()),
            _("The listing's own push rule is saved."),
        )
    if listing.variant_id is None:
        return redirect("web:catalog")
    return redirect("web:inventory_sku", pk=listing.variant_id)
