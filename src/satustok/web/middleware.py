"""Bahasa Indonesia unless the seller chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many sellers' phones
and laptops say English without anyone having chosen it. satustok speaks Indonesian until the
seller presses EN (the choice is kept in the language cookie by Django's set_language view).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class ChosenLanguageMiddleware(MiddlewareMixin):
    """A ``MiddlewareMixin`` so that it runs in both modes: a sync-only middleware in the
    middle of the chain makes Django under ASGI hop between threads twice more per request."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)  # type: ignore[attr-defined]
        return response
