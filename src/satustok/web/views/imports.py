"""Product Catalog › Sync Product from (a channel) › Next (preview) › Finish (import, report)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from satustok.channels import registry
from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission
from satustok.sync import imports, report, tasks
from satustok.sync.models import Bucket, ImportRun, RunMode
from satustok.web.access import requires
from satustok.web.forms import ChooseIntegrationForm

ROWS_PER_PAGE = 100


@requires(Permission.IMPORT)
def choose(request: HttpRequest, channel: str = "") -> HttpResponse:
    """Choose the shop to import (``channel``: the first channel with a shop connected, else
    the first registered one)."""
    channel = channel or _first_connected_channel()
    if channel not in registry.codes():
        raise Http404(channel)
    form = ChooseIntegrationForm(
        request.POST or None,
        channel=channel,
        initial={"integration": request.GET.get("integration")},
    )
    if request.method == "POST" and form.is_valid():
        run = imports.start_run(form.cleaned_data["integration"], RunMode.PREVIEW, request.user)
        tasks.run_import(run.pk)
        return redirect("web:import_run", pk=run.pk)
    return render(
        request,
        "web/imports/choose.html",
        {"nav": "catalog", "form": form, **channel_names(channel)},
    )


def channel_names(channel: str) -> dict[str, str]:
    """What the import pages say of the channel: its code (for links) and its name."""
    return {"channel": channel, "channel_label": registry.label(channel)}


def _first_connected_channel() -> str:
    connected = set(ChannelAccount.objects.values_list("channel", flat=True))
    return next((code for code in registry.codes() if code in connected), registry.codes()[0])


@requires(Permission.VIEW)
def run_page(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.select_related("account"), pk=pk)
    bucket = request.GET.get("bucket", "")
    rows = run.rows.order_by("id")
    if bucket in Bucket.values:
        rows = rows.filter(bucket=bucket)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row.reason = report.reason_for(row, run.mode)  # type: ignore[attr-defined]
    return render(
        request,
        "web/imports/run.html",
        {
            "nav": "catalog",
            "run": run,
            "page": page,
            "bucket": bucket,
            "buckets": _bucket_summary(run),
            **channel_names(run.account.channel),
        },
    )


def _bucket_summary(run: ImportRun) -> list[dict[str, object]]:
    total = sum(run.counts.values()) or 1
    return [
        {
            "code": b.value,
            "label": b.label,
            "count": run.counts.get(b.value, 0),
            "share": round(100 * run.counts.get(b.value, 0) / total, 2),
        }
        for b in Bucket
    ]


@requires(Permission.VIEW)
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    if run.is_finished:
        return HttpResponseClientRefresh()  # the full page shows the report
    return render(request, "web/imports/_progress.html", {"run": run})


@requires(Permission.IMPORT)
@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    preview = get_object_or_404(ImportRun, pk=pk, mode=RunMode.PREVIEW)
    run = imports.start_run(preview.account, RunMode.IMPORT, request.user)
    tasks.run_import(run.pk)
    return redirect("web:import_run", pk=run.pk)


@requires(Permission.IMPORT)
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    tasks.retry(run)
    return redirect("web:import_run", pk=run.pk)


@requires(Permission.VIEW)
def unimported_csv(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    response = HttpResponse(report.unimported_csv(run), content_type="text/csv; charset=utf-8")
    filename = f"satustok-import-{run.pk}-not-imported.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
