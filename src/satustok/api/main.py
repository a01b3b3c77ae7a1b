"""The REST API: one NinjaAPI, token auth on every endpoint, one error format, docs offline.

Mounted at ``/api/`` (``satustok/urls.py`` includes ``satustok.api.urls``): the OpenAPI
document is ``/api/openapi.json`` and the docs page ``/api/docs``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.utils import translation
from ninja import NinjaAPI, Router

from satustok import __version__
from satustok.api import docs, errors
from satustok.api.auth import BearerToken
from satustok.api.routes import (
    bundles,
    catalog,
    controls,
    doctor,
    fulfilment,
    imports,
    integrations,
    locations,
    orders,
    prices,
    reports,
    stock,
    synclog,
    uploads,
    warehouses,
)
from satustok.core import activity
from satustok.core.models import Via

DESCRIPTION = """\
satustok's REST API: integrations, imports, catalogue, stock, orders and the sync log.

Authenticate with `Authorization: Bearer <token>`; create a token with
`satustok api token create USERNAME --name NAME [--read-only]`. A token may do what its user's
role allows (read at each request; a deactivated user's tokens stop working), and a read-only
token only reads; a refusal is a 403 with code `forbidden`. Errors answer
`{"detail": "...", "code": "..."}`; branch on `code`, show `detail`. Messages follow
`Accept-Language` (`id` or `en`; Bahasa Indonesia by default).
"""


def speak_requested_language(run: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """Answer in the language the client asks for (cookie, then Accept-Language), else the
    hub's default. The UI middleware ignores Accept-Language on purpose; an API client sets it
    deliberately."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = run(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        return response

    return wrapper


def log_activity_as_api(run: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """What a request changes is logged ``via="api"`` under the token's user (known only once
    the token is checked, hence resolved when something is recorded)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with activity.acting(lambda: activity.actor_for(request.user, Via.API)):
            return run(request, *args, **kwargs)

    return wrapper


class SatustokAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        _document_common_errors(schema)
        return schema


def _document_common_errors(schema: dict[str, Any]) -> None:
    """Every authenticated operation may answer 401, every one with inputs 422: say so once
    here rather than on each route."""
    error = {"$ref": "#/components/schemas/Error"}
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if operation.get("security"):
                responses.setdefault(401, _described("API token missing or invalid", error))
                responses.setdefault(403, _described("the token's user may not do this", error))
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault(422, _described("invalid input", error))


def _described(description: str, schema: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def build() -> NinjaAPI:
    api = SatustokAPI(
        title="satustok",
        version=__version__,
        description=DESCRIPTION,
        auth=BearerToken(),
        docs=docs.OfflineSwagger(),
        docs_url="/docs",
        urls_namespace="api",
    )
    errors.install(api)
    api.add_decorator(speak_requested_language, mode="view")
    api.add_decorator(log_activity_as_api, mode="view")
    api.add_router("/integrations", integrations.router)
    api.add_router("/integrations", prices.router)
    api.add_router("/integrations", locations.router)
    api.add_router("/imports", imports.router)
    api.add_router("/catalog", catalog.router)
    api.add_router("/catalog", doctor.router)
    api.add_router("/catalog", bundles.router)
    api.add_router("/stock", stock.router)
    api.add_router("/warehouses", warehouses.router)
    api.add_router("/orders", orders.router)
    api.add_router("/orders", fulfilment.router)
    api.add_router("/order-batches", fulfilment.batch_router)
    api.add_router("", controls.router)
    api.add_router("/sync-log", synclog.router)
    api.add_router("/reports", reports.router)
    api.add_router("/uploads", uploads.router)
    api.add_router("", _unrouted())
    return api


def _unrouted() -> Router:
    """The docs' asset files, and a JSON 404 for any other path under /api/ (registered last)."""
    router = Router()

    @router.get(
        "/docs/assets/{name}", auth=None, include_in_schema=False, url_name=docs.ASSET_URL_NAME
    )
    def docs_asset(request: HttpRequest, name: str) -> FileResponse:
        return docs.asset(name)

    @router.api_operation(
        ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "/{path:rest}",
        auth=None,
        include_in_schema=False,
    )
    def unknown(request: HttpRequest, rest: str) -> None:
        raise errors.not_found("endpoint", f"/api/{rest}")

    return router


api = build()
