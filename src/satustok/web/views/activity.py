"""Activity (Owner and Admin): who connected, imported, switched pushing, adjusted stock,
accepted or rejected, managed users — newest first, filtered by user, action and day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from satustok.core.access import Permission
from satustok.core.activity import Action
from satustok.core.models import Activity
from satustok.web.access import requires
from satustok.web.params import query_text

PER_PAGE = 50


@requires(Permission.VIEW_ACTIVITY)
def index(request: HttpRequest) -> HttpResponse:
    filters = {
        "user": query_text(request, "user"),
        "action": request.GET.get("action", "").strip(),
        "since": request.GET.get("since", "").strip(),
        "until": request.GET.get("until", "").strip(),
    }
    page = Paginator(_filtered(filters), PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(Action.choices)
    for entry in page:
        entry.action_label = labels.get(entry.action, entry.action)  # type: ignore[attr-defined]
    return render(
        request,
        "web/activity/index.html",
        {
            "nav": "activity",
            "page": page,
            "filters": filters,
            "querystring": urlencode({k: v for k, v in filters.items() if v}),
            "actions": Action.choices,
            "actors": Activity.objects.order_by("actor_name")
            .values_list("actor_name", flat=True)
            .distinct(),
        },
    )


def _filtered(filters: dict[str, str]) -> QuerySet[Activity]:
    found = Activity.objects.all()
    if filters["user"]:
        found = found.filter(actor_name=filters["user"])
    if filters["action"] in Action.values:
        found = found.filter(action=filters["action"])
    since, until = _day(filters["since"]), _day(filters["until"])
    if since is not None:
        found = found.filter(at__gte=_start_of(since))
    if until is not None:
        found = found.filter(at__lt=_start_of(until + timedelta(days=1)))
    return found.order_by("-at", "-id")


def _day(value: str) -> date | None:
    """A day typed in the filter (YYYY-MM-DD); anything else is ignored, never an error."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # the hub's time zone (WIB)
