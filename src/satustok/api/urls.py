"""The API's URLs (``satustok/urls.py`` mounts them at ``/api/``).

django-ninja answers a known path asked with the wrong method by a plain-text 405; each view is
wrapped so that answer has the API's error format too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _

from satustok.api.main import api


def _json_405(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)  # keeps csrf_exempt and ninja's markers
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = response["Allow"]
        detail = _("This path accepts %(methods)s.") % {"methods": allowed}
        body = json.dumps({"detail": detail, "code": "method_not_allowed"})
        answer = HttpResponse(body, status=405, content_type="application/json")
        answer["Allow"] = allowed
        return answer

    return wrapper


def _wrapped(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    return [
        URLPattern(p.pattern, _json_405(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in patterns
    ]


_patterns, _app_name, _namespace = api.urls
urlpatterns = [path("", (_wrapped(_patterns), _app_name, _namespace))]
