"""Start-up checks for a hub exposed to the internet: ``satustok check --deploy``.

Registered as Django system checks with the tag ``satustok`` and ``deploy=True``, beside
Django's own deployment checks (secure cookies, HSTS, DEBUG, ALLOWED_HOSTS …), so that
``satustok check --deploy`` reports both. ``satustok run`` and ``satustok worker`` run the
``satustok`` ones at start (:func:`refusals`): in production mode an error refuses to start.

Every message says what to set; docs/operations.md ("Running on the internet") explains each
setting.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, Error, Warning

from satustok.core.datadir import loose_paths
from satustok.core.deploy import (
    Mode,
    is_https,
    is_loopback_host,
    is_redis_url,
    queue_has_authentication,
    url_host,
)

TAG = "satustok"
DOCS = "See docs/operations.md, “Running on the internet”."


def register() -> None:
    for check in (
        check_mode,
        check_public_url,
        check_debug,
        check_keys,
        check_channel_base_urls,
        check_queue_authentication,
        check_data_dir,
    ):
        checks.register(check, TAG, deploy=True)


def refusals() -> tuple[list[CheckMessage], list[CheckMessage]]:
    """satustok's start-up checks now: (errors, warnings)."""
    found = checks.run_checks(tags=[TAG], include_deployment_checks=True)
    errors = [message for message in found if message.is_serious()]
    return errors, [message for message in found if not message.is_serious()]


def _production() -> bool:
    return bool(settings.SATUSTOK_MODE == Mode.PRODUCTION)


def check_mode(**_: Any) -> list[CheckMessage]:
    if _production():
        return []
    return [
        Warning(
            "SATUSTOK_MODE is demo: `satustok run` starts the sandbox marketplaces and talks "
            "to them, not to the real ones.",
            hint="Set SATUSTOK_MODE=production for a hub serving real shops. " + DOCS,
            id="satustok.W001",
        )
    ]


def check_public_url(**_: Any) -> list[CheckMessage]:
    if not _production() or is_https(settings.PUBLIC_URL):
        return []
    return [
        Error(
            f"SATUSTOK_PUBLIC_URL is {settings.PUBLIC_URL!r}: in production mode it must be the "
            "https:// address the hub is reached at (behind a TLS proxy). Logins and the "
            "marketplaces' webhooks would otherwise travel in clear text, and cookies would "
            "not be marked secure.",
            hint="Set SATUSTOK_PUBLIC_URL=https://your-hub.example.com. " + DOCS,
            id="satustok.E001",
        )
    ]


def check_debug(**_: Any) -> list[CheckMessage]:
    if not _production() or not settings.DEBUG:
        return []
    return [
        Error(
            "SATUSTOK_DEBUG=1 in production mode: error pages would show settings and code to "
            "anyone.",
            hint="Unset SATUSTOK_DEBUG.",
            id="satustok.E002",
        )
    ]


def check_keys(**_: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if not settings.SECRET_KEY:
        problems.append(
            Error(
                "There is no secret key (SATUSTOK_SECRET_KEY, or secret_key in the data "
                "directory).",
                hint="Unset SATUSTOK_SECRET_KEY to let satustok generate one.",
                id="satustok.E003",
            )
        )
    if not _valid_fernet_keys(settings.SATUSTOK_ENCRYPTION_KEYS):
        problems.append(
            Error(
                "The encryption keys (SATUSTOK_ENCRYPTION_KEYS, or encryption_key in the data "
                "directory) are missing or not Fernet keys: the marketplaces' credentials "
                "cannot be read.",
                hint="Each key is 32 url-safe base64-encoded bytes "
                "(python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())').",
                id="satustok.E004",
            )
        )
    return problems


def _valid_fernet_keys(keys: Iterable[str]) -> bool:
    keys = list(keys)
    try:
        for key in keys:
            Fernet(key.encode())
    except ValueError:
        return False
    return bool(keys)


def check_channel_base_urls(**_: Any) -> list[CheckMessage]:
    """In production the channels' base URLs must be the real marketplaces: an https address
    off this machine (a sandbox listens on loopback), unless SATUSTOK_ALLOW_SANDBOX_URLS=1."""
    if not _production() or os.environ.get("SATUSTOK_ALLOW_SANDBOX_URLS") == "1":
        return []
    return [
        Error(
            f"SATUSTOK_{name} is {url!r}: in production mode a marketplace's address must be "
            "its real https address, not a sandbox on this machine.",
            hint=f"Unset SATUSTOK_{name} to use the marketplace's own address, or set "
            "SATUSTOK_ALLOW_SANDBOX_URLS=1 for a staging hub that talks to a sandbox. " + DOCS,
            id="satustok.E005",
        )
        for name, url in _channel_base_urls()
        if not is_https(url) or is_loopback_host(url_host(url))
    ]


def _channel_base_urls() -> list[tuple[str, str]]:
    return [(name, str(getattr(settings, name))) for name in settings.SATUSTOK_CHANNEL_URL_SETTINGS]


def check_queue_authentication(**_: Any) -> list[CheckMessage]:
    """The queue holds pickled tasks: whoever writes to it runs code in every worker."""
    url = os.environ.get("SATUSTOK_QUEUE_URL", "")
    if not is_redis_url(url) or queue_has_authentication(url):
        return []
    loopback = is_loopback_host(url_host(url))
    allowed = os.environ.get("SATUSTOK_QUEUE_ALLOW_UNAUTHENTICATED") == "1"
    if allowed and loopback:
        return []
    message = (
        "SATUSTOK_QUEUE_URL names a Redis without a password. The queue holds pickled tasks: "
        "anyone who can reach that Redis can make every worker run their code."
    )
    hint = (
        "Give Redis a password (requirepass, or an ACL user) and put it in the URL: "
        "redis://:PASSWORD@host:6379/0 or rediss://user:PASSWORD@host:6380/0. For a Redis "
        "that listens on this machine's loopback only, SATUSTOK_QUEUE_ALLOW_UNAUTHENTICATED=1 "
        "accepts it. " + DOCS
    )
    if _production():
        return [Error(message, hint=hint, id="satustok.E006")]
    return [Warning(message, hint=hint, id="satustok.W006")]


def check_data_dir(**_: Any) -> list[CheckMessage]:
    loose = loose_paths(settings.DATA_DIR)
    if not loose:
        return []
    names = ", ".join(str(path) for path in loose)
    return [
        Warning(
            f"These files of the data directory can be read or written by other users of this "
            f"machine: {names}. They hold the keys, the sessions and buyers' data.",
            hint="Run satustok as the user owning the data directory (it makes them 0700/0600 "
            "at start), or chmod go-rwx them.",
            id="satustok.W007",
        )
    ]
