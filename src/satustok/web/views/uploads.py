"""Spreadsheets in: a page per kind of upload (download the template, choose a file, upload),
the preview (every error with its row and column first, then the changes), Confirm and
Discard, the result, and the list of recent uploads.

Every page needs a login; a kind's page, its template, uploading, confirming and discarding
need the kind's capability (stock: Staff and up; master products and links: Owner and Admin).
An upload's page and the lists show only the uploads the user may see
(:func:`satustok.uploads.service.visible_to`): any other is "not found".
Nothing here reads or writes stock or catalogue: ``uploads/service.py`` does, for the REST API
and the command line alike.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from satustok.core.access import Permission, can, refusal
from satustok.core.sheet_reading import MAX_UPLOAD_BYTES, SheetRefused, too_big
from satustok.uploads import service
from satustok.uploads.kinds import UnknownKind, kind_named, kinds
from satustok.uploads.models import Upload, UploadKind
from satustok.uploads.plans import Kind, RowChange, Stale
from satustok.web.access import forbidden, requires

PROBLEMS_SHOWN = 500  # the errors table's rows; the count above it is exact
CHANGES_PER_PAGE = 100
RECENT = 50


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (XLSX or CSV)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.xlsm,.csv", "data-max-bytes": MAX_UPLOAD_BYTES}
        ),
        error_messages={"required": gettext_lazy("Choose a file to upload.")},
    )


# --- pages ----------------------------------------------------------------------------------


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """The kinds this user may upload, and the latest uploads of every kind."""
    offered = [
        {"name": name, "label": UploadKind(name).label}
        for name, kind in kinds().items()
        if can(request.user, kind.permission)
    ]
    return render(
        request,
        "web/uploads/index.html",
        {"offered": offered, "uploads": service.recent(RECENT, user=request.user)},
    )


@requires(Permission.VIEW)
def kind_page(request: HttpRequest, kind: str) -> HttpResponse:
    """GET: the template and the form; POST: the file read and previewed."""
    found = _kind(kind)
    if not can(request.user, found.permission):
        return forbidden(request, PermissionDenied(refusal(found.permission)))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = _preview(request, found, form.cleaned_data["file"])
        except SheetRefused as refused:
            return _kind_page(request, found, form, refused, status=400)
        return redirect("web:upload", pk=upload.pk)
    return _kind_page(request, found, form)


@requires(Permission.VIEW)
def template(request: HttpRequest, kind: str) -> HttpResponse:
    found = _kind(kind)
    if not can(request.user, found.permission):
        return forbidden(request, PermissionDenied(refusal(found.permission)))
    response = HttpResponse(
        service.template(found, request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = service.template_file_name(found)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Permission.VIEW)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an upload waiting for confirmation, or what it did."""
    upload = _visible(request, Upload.objects.select_related("created_by", "applied_by"), pk)
    found = _kind(upload.kind)
    plan = service.plan_of(upload)
    summary = service.summary(upload, plan, problems_shown=PROBLEMS_SHOWN)
    page = Paginator(plan.changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "nav": NAV.get(upload.kind, ""),
        "upload": upload,
        "summary": summary,
        "actions": [
            {"name": name, "label": _action_label(name), "count": count}
            for name, count in sorted(summary.by_action.items())
        ],
        "problems_hidden": max(0, summary.problems - PROBLEMS_SHOWN),
        "page": page,
        "changes": [_shown(change, upload.kind) for change in page.object_list],
        "may_change": can(request.user, found.permission),
        "links_skus": upload.kind == UploadKind.STOCK,
    }
    return render(request, "web/uploads/detail.html", context)


@require_POST
@requires(Permission.VIEW)
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _visible(request, Upload.objects.defer("content"), pk)
    try:
        written = service.confirm(upload, request.user)
    except PermissionDenied as refused:
        return forbidden(request, refused)
    except service.UploadRefused as refused:
        messages.error(request, refused.message)
    except Stale:
        messages.error(
            request,
            _(
                "The data changed since the preview, so some rows no longer apply (shown "
                "below). Nothing was written: download a new template or fix the file, and "
                "upload it again."
            ),
        )
    else:
        messages.success(
            request,
            _("Applied: %(n)s changes written, each naming %(reference)s.")
            % {"n": written, "reference": upload.reference},
        )
    return redirect("web:upload", pk=upload.pk)


@require_POST
@requires(Permission.VIEW)
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _visible(request, Upload.objects.defer("content"), pk)
    try:
        service.discard(upload, request.user)
    except PermissionDenied as refused:
        return forbidden(request, refused)
    except service.UploadRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Discarded: nothing was written."))
    return redirect("web:upload", pk=upload.pk)


# --- helpers --------------------------------------------------------------------------------

# The menu entry each kind's pages belong under.
NAV: dict[str, str] = {
    UploadKind.STOCK.value: "inventory",
    UploadKind.MASTERS.value: "catalog",
    UploadKind.LINKS.value: "catalog",
}
ACTION_LABELS = {
    "set": gettext_lazy("Set"),
    "add": gettext_lazy("Add"),
    "remove": gettext_lazy("Remove"),
    "create": gettext_lazy("Create"),
    "edit": gettext_lazy("Edit"),
    "link": gettext_lazy("Link"),
    "unlink": gettext_lazy("Unlink"),
}


def _action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _shown(change: RowChange, kind: str) -> dict[str, Any]:
    """A change as the table shows it: numbers grouped, a stock change linking its SKU."""
    variant = change.data.get("variant") if kind == UploadKind.STOCK else None
    return {
        "row": change.row,
        "action": change.action,
        "label": _action_label(change.action),
        "target": change.target,
        "href": reverse("web:inventory_sku", args=[variant]) if variant else "",
        "before": _value(change.before),
        "after": _value(change.after),
    }


def _value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return number_format(value, force_grouping=True)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_value(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(item) for item in value)
    return str(value)


def _visible(request: HttpRequest, uploads: QuerySet[Upload], pk: int) -> Upload:
    """The upload if this user may see it; 404 otherwise (as if it did not exist)."""
    return get_object_or_404(service.visible_to(request.user, uploads), pk=pk)


def _kind(name: str) -> Kind:
    try:
        return kind_named(name)
    except UnknownKind:
        raise Http404(name) from None


def _preview(request: HttpRequest, kind: Kind, uploaded: Any) -> Upload:
    """The file read and previewed; a file over the limit is refused before it is read."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise too_big(uploaded.size)
    return service.preview(kind, uploaded.name or "", uploaded.read(), request.user)


def _kind_page(
    request: HttpRequest,
    kind: Kind,
    form: UploadForm,
    refused: SheetRefused | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "nav": NAV.get(kind.name, ""),
        "kind": kind.name,
        "kind_label": UploadKind(kind.name).label,
        "form": form,
        "refused": refused,
        "max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
        "uploads": service.recent(10, kind=kind.name, user=request.user),
    }
    return render(request, "web/uploads/kind.html", context, status=status)
