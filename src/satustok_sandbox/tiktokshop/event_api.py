"""Webhook registration per shop (fact sheet §7): ``PUT``, ``GET`` and ``DELETE
/event/202309/webhooks``, signed and shop-scoped.

``PUT {address, event_type}`` registers (or replaces) the shop's address for one event type
(``address`` an http(s) URL of at most 255 characters; ``event_type`` a name such as
ORDER_STATUS_CHANGE); ``GET`` lists ``{webhooks[{event_type, address, create_time,
update_time}], total_count}`` (only what was registered through this API for the shop, not the
app's Partner Center addresses); ``DELETE {event_type}`` removes it (removing an unregistered
type is not an error). Answers ``data {}``. A registered address wins over the app's Partner
Center address for that shop. Registrations survive a deauthorization (nothing is delivered
while the app is not authorized).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import Response

from satustok_sandbox.tiktokshop.envelope import invalid_request, ok
from satustok_sandbox.tiktokshop.pipeline import Call
from satustok_sandbox.tiktokshop.seed import EVENT_TYPES
from satustok_sandbox.tiktokshop.state import Subscription

MAX_ADDRESS = 255


def check_address(address: object) -> str:
    if not isinstance(address, str) or not address.strip():
        raise invalid_request("address is required.")
    parts = urlsplit(address.strip())
    if len(address) > MAX_ADDRESS or parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid_request(
            f"address must be an http(s) URL of at most {MAX_ADDRESS} characters."
        )
    return address.strip()


def check_event_type(event_type: object) -> str:
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise invalid_request(f"event_type must be one of {', '.join(EVENT_TYPES)}.")
    return event_type


async def put_webhook(call: Call) -> Response:
    body = call.json_body()
    address, event_type = (
        check_address(body.get("address")),
        check_event_type(body.get("event_type")),
    )
    state = call.state
    with state.lock:
        now = int(state.now())
        registered = state.subscriptions.setdefault((call.app.app_key, call.shop.id), {})
        earlier = registered.get(event_type)
        created = earlier.create_time if earlier is not None else now
        registered[event_type] = Subscription(address, created, now)
    return ok({})


async def get_webhooks(call: Call) -> Response:
    with call.state.lock:
        registered = call.state.subscriptions.get((call.app.app_key, call.shop.id), {})
        rows = [
            {
                "event_type": event_type,
                "address": found.address,
                "create_time": found.create_time,
                "update_time": found.update_time,
            }
            for event_type, found in registered.items()
        ]
    return ok({"webhooks": rows, "total_count": len(rows)})


async def delete_webhook(call: Call) -> Response:
    event_type = check_event_type(call.json_body().get("event_type"))
    with call.state.lock:
        call.state.subscriptions.get((call.app.app_key, call.shop.id), {}).pop(event_type, None)
    return ok({})
