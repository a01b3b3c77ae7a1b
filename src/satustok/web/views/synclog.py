"""Sync log: every import run (and, with the stock pusher, every push) with its result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satustok.sync.models import ImportRun


@login_required
def index(request: HttpRequest) -> HttpResponse:
    runs = ImportRun.objects.select_related("account", "created_by")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(request, "web/synclog/index.html", {"nav": "sync_log", "page": page})
