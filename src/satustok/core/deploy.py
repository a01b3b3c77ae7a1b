"""How an installation is exposed: demo or production mode, HTTPS behind a proxy, the client's
address, and the queue's authentication.

``settings.py`` builds its security settings from these functions and ``core/checks.py`` checks
the result at start (``satustok check --deploy``). Nothing here imports Django models: the
settings module reads it before Django is set up.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest

ONE_YEAR = 365 * 24 * 60 * 60


class Mode(StrEnum):
    """``SATUSTOK_MODE``. Demo (the default, what ``make run`` wants) talks to the sandbox
    marketplaces; production talks to the real ones and refuses a set-up that is not safe."""

    DEMO = "demo"
    PRODUCTION = "production"


class UnknownMode(ValueError):
    def __init__(self, value: str) -> None:
        super().__init__(
            f"SATUSTOK_MODE={value!r} is not a mode satustok knows: "
            f"choose {Mode.PRODUCTION.value!r} or {Mode.DEMO.value!r}."
        )


def mode_from(value: str) -> Mode:
    cleaned = value.strip().lower() or Mode.DEMO.value
    try:
        return Mode(cleaned)
    except ValueError:
        raise UnknownMode(value) from None


def is_https(url: str) -> bool:
    return urlsplit(url).scheme == "https"


def url_origin(url: str) -> str:
    """``https://hub.example.com`` of ``https://hub.example.com/anything``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def url_host(url: str) -> str:
    return urlsplit(url).hostname or ""


def is_loopback_host(host: str) -> bool:
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def transport_security(
    public_url: str, *, ssl_redirect: bool, hsts_subdomains: bool
) -> dict[str, Any]:
    """The settings that only make sense behind TLS: given when the public URL is https.

    The proxy terminates TLS and says so in ``X-Forwarded-Proto``; without an https public URL
    the header is not trusted at all (a client could send it over plain HTTP)."""
    if not is_https(public_url):
        return {}
    return {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": ONE_YEAR,
        # Off unless asked: HSTS on subdomains would also force every other site of the domain.
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": hsts_subdomains,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": ssl_redirect,
        "CSRF_TRUSTED_ORIGINS": [url_origin(public_url)],
    }


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for login throttling.

    ``X-Forwarded-For`` is read only when ``SATUSTOK_TRUSTED_PROXY_COUNT`` says how many proxies
    of ours stand in front: each of them appends the address it was reached from, so the client
    is that many entries from the right. Entries further left are whatever the client sent, and
    taking them would let anyone pick the address their failures count against."""
    from django.conf import settings

    proxies = settings.SATUSTOK_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if addresses:
            return addresses[max(len(addresses) - proxies, 0)]
    return request.META.get("REMOTE_ADDR")


def queue_has_authentication(url: str) -> bool:
    """A Redis queue URL that carries a password (``redis://:secret@host`` or
    ``rediss://user:secret@host``). The queue holds pickled tasks: whoever can write to it runs
    code in every worker."""
    return bool(urlsplit(url).password)


def is_redis_url(url: str) -> bool:
    return urlsplit(url).scheme in {"redis", "rediss"}
