"""Register and list webhooks (fact sheet §8), in the ``{"data","status","error_message"}``
envelope.

Registering replaces every URL: a field left out becomes empty. A ``webhook_secret`` left out
means "keep signing with the app's secret"; the list shows the secret in force.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, Response

from satustok_sandbox.tokopedia.envelope import ApiError
from satustok_sandbox.tokopedia.pipeline import Call
from satustok_sandbox.tokopedia.state import WebhookRegistration
from satustok_sandbox.tokopedia.webhooks import REGISTRATION_URL_FIELDS


def webhook_ok(data: Any) -> JSONResponse:
    return JSONResponse({"data": data, "status": "200 Ok", "error_message": []})


async def register(call: Call) -> Response:
    if call.query("upload"):
        raise ApiError("WHK_DLV_001", "Public key upload (buyer-data encryption) is not simulated")
    body = await call.json_body(("WHK_DLV_002", "Invalid request body, please check again"))
    if not isinstance(body, dict):
        raise ApiError("WHK_DLV_002", "Invalid request body, please check again")
    _check_fs_id(body, call.fs_id)
    urls = {name: _url(body, name) for name in REGISTRATION_URL_FIELDS}
    secret = body.get("webhook_secret")
    if secret is not None and not isinstance(secret, str):
        raise ApiError("WHK_DLV_003", "webhook_secret must be a string")
    with call.state.lock:
        call.state.webhooks[call.fs_id] = WebhookRegistration(urls, secret or None)
    return webhook_ok("success")


def _check_fs_id(body: dict[str, Any], fs_id: int) -> None:
    given = body.get("fs_id")
    if given not in (None, "") and str(given).strip() != str(fs_id):
        raise ApiError(
            "WHK_DLV_004", f"fs_id in the body ({given}) differs from the path ({fs_id})"
        )


def _url(body: dict[str, Any], name: str) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str):
        raise ApiError("WHK_DLV_005", f"{name} must be a string")
    parts = urlsplit(value.strip())
    if value and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ApiError("WHK_DLV_005", f"{name} is not a valid http(s) URL: {value!r}")
    return value.strip()


async def list_webhooks(call: Call) -> Response:
    with call.state.lock:
        registration = call.state.webhooks.get(call.fs_id)
        urls = registration.urls if registration else {}
        data = {
            "fs_id": call.fs_id,
            **{name: urls.get(name, "") for name in REGISTRATION_URL_FIELDS},
            "webhook_secret": call.state.webhook_secret(call.fs_id),
        }
    return webhook_ok(data)
