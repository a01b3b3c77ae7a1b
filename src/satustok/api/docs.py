"""The API docs page (Swagger UI) served from this machine, never from a CDN.

django-ninja renders Swagger UI from a CDN unless ``ninja`` is an installed app; satustok
works offline and does not install it as an app, so this page uses the Swagger UI files that
ship inside the django-ninja package, served by :func:`asset` from a fixed list.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui.css.map",
        "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.map",
        "swagger-ui-init.js",
        "favicon.svg",
        "favicon.png",
    }
)
ASSET_URL_NAME = "docs-asset"
CACHE_SECONDS = 24 * 3600


class OfflineSwagger(DocsBase):
    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,  # Swagger UI would otherwise send the spec to validator.swagger.io
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        context = {
            "title": api.title,
            "swagger_settings": {**self.settings, "url": self.get_openapi_url(api, kwargs)},
            "css": _url(api, "swagger-ui.css"),
            "scripts": [_url(api, "swagger-ui-bundle.js"), _url(api, "swagger-ui-init.js")],
            "icons": [
                (_url(api, "favicon.svg"), "image/svg+xml"),
                (_url(api, "favicon.png"), "image/png"),
            ],
        }
        return render(request, "api/docs.html", context)


def _url(api: NinjaAPI, name: str) -> str:
    return reverse(f"{api.urls_namespace}:{ASSET_URL_NAME}", kwargs={"name": name})


def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404(name)
    content_type, _encoding = mimetypes.guess_type(name)
    response = FileResponse(
        (ASSET_DIR / name).open("rb"), content_type=content_type or "application/json"
    )
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
