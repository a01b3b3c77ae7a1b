"""The SKU doctor page: suggestions for the listings an import could not link, one-click
links, and "link all of this kind" after a preview. Nothing is linked without a click."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from satustok.core.access import Permission
from satustok.sync import doctor
from satustok.sync.doctor import Kind
from satustok.web.access import requires

SHOWN_PER_KIND = 200  # a page, not a dump: the counts say how many more there are


def _kind(request: HttpRequest) -> Kind | None:
    value = request.GET.get("kind") or request.POST.get("kind") or ""
    return Kind(value) if value in Kind._value2member_map_ else None


@requires(Permission.VIEW)
def page(request: HttpRequest) -> HttpResponse:
    result = doctor.diagnose_catalogue()
    counts = result.counts()
    groups = [
        {
            "kind": kind,
            "label": kind.label,
            "count": counts[kind],
            "shown": result.of_kind(kind)[:SHOWN_PER_KIND],
        }
        for kind in Kind
        if counts[kind]
    ]
    return render(
        request,
        "web/catalog/doctor.html",
        {
            "nav": "catalog",
            "groups": groups,
            "ambiguous": result.ambiguous[:SHOWN_PER_KIND],
            "ambiguous_count": len(result.ambiguous),
        },
    )


@requires(Permission.IMPORT)
def preview(request: HttpRequest) -> HttpResponse:
    """Every suggestion of one kind, to read before "link all" (which posts exactly these)."""
    kind = _kind(request)
    if kind is None:
        return redirect("web:catalog_doctor")
    suggestions = doctor.diagnose_catalogue().of_kind(kind)
    return render(
        request,
        "web/catalog/doctor_preview.html",
        {"nav": "catalog", "kind": kind, "label": kind.label, "suggestions": suggestions},
    )


@requires(Permission.IMPORT)
@require_POST
def link(request: HttpRequest) -> HttpResponse:
    """Link the posted pairs ("pair" = "listing:variant"), each checked again by the doctor."""
    pairs = [_pair(value) for value in request.POST.getlist("pair")]
    outcome = doctor.link_suggestions(pair for pair in pairs if pair is not None)
    if outcome.linked:
        messages.success(
            request,
            ngettext("%(n)s listing linked.", "%(n)s listings linked.", len(outcome.linked))
            % {"n": len(outcome.linked)},
        )
    for listing_id, why in outcome.skipped:
        messages.warning(
            request, _("Listing %(id)s skipped: %(why)s") % {"id": listing_id, "why": why}
        )
    return redirect("web:catalog_doctor")


def _pair(value: str) -> tuple[int, int] | None:
    listing, _sep, variant = value.partition(":")
    return (int(listing), int(variant)) if listing.isdigit() and variant.isdigit() else None
