"""The push configuration and lost-push calls (fact sheet §7), publicly signed.

``set_app_push_config`` takes ``callback_url`` (optional: keeps the current one; ``""`` turns
pushes off), ``set_push_config_on`` / ``set_push_config_off`` (codes) and
``blocked_shop_id_list`` (at most 500, replaces the list). The console's test push to a new URL
("must answer 2xx within 3 s") is not simulated: registering never fails because of the
receiver. ``get_app_push_config`` returns the URL, ``live_push_status`` ("Normal"), the codes
switched on and off and the blocked shops.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.responses import Response

from satustok_sandbox.shopee.envelope import ok, param_error
from satustok_sandbox.shopee.pipeline import Call
from satustok_sandbox.shopee.seed import PUSH_CODES

KNOWN_CODES = frozenset(range(1, 14)) | {15, 16, 22, 29, 30}
MODULE = "push"


def _codes(body: dict[str, Any], name: str) -> set[int]:
    raw = body.get(name) or []
    if not isinstance(raw, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in raw
    ):
        raise param_error(f"{name} must be a list of push codes.", MODULE)
    unknown = sorted(set(raw) - KNOWN_CODES)
    if unknown:
        raise param_error(f"{name}: unknown push codes {unknown}.", MODULE)
    return set(raw)


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if url and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise param_error(f"callback_url is not a valid http(s) URL: {url!r}.", MODULE)
    return url.strip()


def config_view(partner: Any) -> dict[str, Any]:
    push = partner.push
    return {
        "callback_url": push.callback_url,
        "live_push_status": "Normal",
        "suspended_time": 0,
        "push_config_on_list": sorted(push.codes_on),
        "push_config_off_list": sorted(set(PUSH_CODES) - push.codes_on),
        "blocked_shop_id_list": sorted(push.blocked_shop_ids),
    }


async def set_app_push_config(call: Call) -> Response:
    body = await call.json_body(MODULE)
    url = body.get("callback_url")
    if url is not None and not isinstance(url, str):
        raise param_error("callback_url must be a string.", MODULE)
    on, off = _codes(body, "set_push_config_on"), _codes(body, "set_push_config_off")
    if on & off:
        raise param_error(f"codes {sorted(on & off)} are both switched on and off.", MODULE)
    blocked = body.get("blocked_shop_id_list")
    if blocked is not None and (
        not isinstance(blocked, list)
        or len(blocked) > 500
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in blocked)
    ):
        raise param_error("blocked_shop_id_list: at most 500 shop ids.", MODULE)
    with call.state.lock:
        push = call.partner.push
        if url is not None:
            push.callback_url = check_url(url)
        push.codes_on = (push.codes_on | on) - off
        if blocked is not None:
            push.blocked_shop_ids = set(blocked)
    return ok({"result": "success"})


async def get_app_push_config(call: Call) -> Response:
    with call.state.lock:
        return ok(config_view(call.partner))


async def get_lost_push_message(call: Call) -> Response:
    messages, more = call.sim.push.lost(call.partner.partner_id)
    rows = [
        {"shop_id": m.shop_id, "code": m.code, "timestamp": m.timestamp, "data": m.data}
        for m in messages
    ]
    last = messages[-1].message_id if messages else 0
    return ok({"push_message_list": rows, "has_next_page": more, "last_message_id": last})


async def confirm_consumed_lost_push_message(call: Call) -> Response:
    body = await call.json_body(MODULE)
    last = body.get("last_message_id")
    if not isinstance(last, int) or isinstance(last, bool) or last < 0:
        raise param_error("last_message_id is required.", MODULE)
    call.sim.push.confirm(call.partner.partner_id, last)
    return ok({})
