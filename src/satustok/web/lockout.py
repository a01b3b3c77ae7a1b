"""The page django-axes shows instead of a login after too many failures (settings.py:
``AXES_LOCKOUT_CALLABLE``), for the UI's login and the Django admin's alike."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

TOO_MANY_REQUESTS = 429


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    context = {
        "failure_limit": settings.SATUSTOK_LOGIN_FAILURE_LIMIT,
        "minutes": settings.SATUSTOK_LOGIN_COOLOFF_MINUTES,
    }
    response = render(request, "registration/locked_out.html", context, status=TOO_MANY_REQUESTS)
    response["Retry-After"] = str(settings.SATUSTOK_LOGIN_COOLOFF_MINUTES * 60)
    return response
