"""Sync log: every import run, and every row of every stock or price push with the channel's
answer."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satustok.core.access import Permission
from satustok.sync.models import ImportRun, PushKind, PushRecord, PushResult
from satustok.web.access import requires


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    runs = ImportRun.objects.select_related("account", "created_by")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(
        request, "web/synclog/index.html", {"nav": "sync_log", "page": page, "tab": "imports"}
    )


@requires(Permission.VIEW)
def pushes(request: HttpRequest) -> HttpResponse:
    result = request.GET.get("result", "")
    records = PushRecord.objects.select_related("account", "listing", "listing__variant")
    if result in PushResult.values:
        records = records.filter(result=result)
    kind = request.GET.get("kind", "")
    if kind in PushKind.values:  # stock rows or price rows (sync/prices.py) only
        records = records.filter(kind=kind)
    drift = bool(request.GET.get("drift"))
    if drift:  # pushes that repaired a marketplace's own change (sync/drift.py)
        records = records.exclude(drift_cause="")
    page = Paginator(records, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "web/synclog/pushes.html",
        {
            "nav": "sync_log",
            "page": page,
            "tab": "pushes",
            "result": result,
            "results": PushResult.choices,
            "drift": drift,
            "kind": kind,
        },
    )
