"""Which channels the hub speaks, and everything the rest of the hub needs to know about each.

The only place that names channel packages. Each channel package exports one
:class:`ChannelDescription` (its ``channel.py``): code and label, how a seller connects, the
connect form and its page, the settings it reads (base URLs), what its sandbox answers in
``satustok run``. The web UI, the REST API, the CLI and ``Channel`` choices loop over
:func:`descriptions`; nobody else imports a channel package. Adding a channel is: write its
package, add one line to :data:`CHANNEL_MODULES`.

This module is read by ``settings.py`` (for the base URLs), so it and every ``channel.py``
import no Django model and nothing that needs settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from satustok.channels.protocol import AuthorizingConnector, Connector

CHANNEL_MODULES = (
    "satustok.channels.tokopedia.channel",
    "satustok.channels.shopee.channel",
    "satustok.channels.tiktokshop.channel",
)


class ConnectMethod(StrEnum):
    """How a seller connects a shop of this channel."""

    CREDENTIALS = "credentials"  # types them; the hub checks them with the channel at once
    APPROVAL_PAGE = "approval_page"  # approves the hub on the channel's page, comes back


@dataclass(frozen=True, slots=True)
class ChannelSetting:
    """A setting the channel reads: Django setting ``name``, from ``SATUSTOK_<name>``."""

    name: str
    default: str  # the real marketplace
    description: str = ""

    @property
    def env(self) -> str:
        return f"SATUSTOK_{self.name}"

    def value(self) -> str:
        return os.environ.get(self.env, self.default)


@dataclass(frozen=True, slots=True)
class CredentialLabels:
    """What the channel calls the stored credentials (shown on the integration's page and in
    the API); ``client_id`` is empty where the channel has no such field."""

    app_id: str
    client_id: str
    client_secret: str


SandboxInfo = Mapping[str, Any]  # the sandbox's info document (``satustok sandbox --json``)


@dataclass(frozen=True, slots=True)
class ChannelDescription:
    code: str  # stored on every integration; in URLs, the API and the CLI
    label: str  # what a seller reads
    connect_method: ConnectMethod
    connector: str  # "module:Class" of the channel's Connector
    connect_form: str  # "module:Class" of the Django form a seller fills in to connect
    connect_template: str  # the connect page's template (checklist, where credentials are found)
    package: str  # the channel's package, whose ``templates/`` folder holds its templates
    labels: CredentialLabels
    accent: str = "#64748b"  # the channel's brand colour, on its card
    # The storefronts whose orders it reports, the first its own (TikTok Shop also reports
    # Tokopedia's: a shop moved there is sold on both). Empty: just its code.
    storefronts: tuple[str, ...] = ()
    settings: tuple[ChannelSetting, ...] = ()
    # ``satustok run``: the settings pointing at the sandbox, and what to tell the seller.
    sandbox_settings: Callable[[SandboxInfo], dict[str, str]] = field(
        default=lambda info: {}, repr=False
    )
    sandbox_hint: Callable[[SandboxInfo], list[str]] = field(default=lambda info: [], repr=False)
    # What the sandbox needs to know of the hub once both run (e.g. the return address a
    # channel's app registers out of band): called with the info document and the hub's URL.
    prepare_sandbox: Callable[[SandboxInfo, str], None] = field(
        default=lambda info, hub_url: None, repr=False
    )

    @property
    def own_storefronts(self) -> tuple[str, ...]:
        return self.storefronts or (self.code,)

    @property
    def by_approval_page(self) -> bool:
        return self.connect_method is ConnectMethod.APPROVAL_PAGE

    @property
    def templates_dir(self) -> Path:
        module = import_module(self.package)
        return Path(str(module.__file__)).parent / "templates"


class UnknownChannel(LookupError):
    def __init__(self, code: str) -> None:
        known = ", ".join(codes())
        super().__init__(f"unknown channel {code!r} (known: {known})")
        self.code = code


@cache
def descriptions() -> tuple[ChannelDescription, ...]:
    return tuple(import_module(name).CHANNEL for name in CHANNEL_MODULES)


def describe(code: str) -> ChannelDescription:
    for description in descriptions():
        if description.code == code:
            return description
    raise UnknownChannel(code)


def codes() -> list[str]:
    return [description.code for description in descriptions()]


def choices() -> list[tuple[str, str]]:
    """``Channel`` choices for model fields and forms."""
    return [(description.code, description.label) for description in descriptions()]


def label(code: str) -> str:
    try:
        return describe(code).label
    except UnknownChannel:
        return code


def _load(reference: str) -> Any:
    module_name, name = reference.split(":")
    return getattr(import_module(module_name), name)


@cache
def connector(code: str) -> Connector:
    return _load(describe(code).connector)()  # type: ignore[no-any-return]


def authorizing_connector(code: str) -> AuthorizingConnector:
    """The connector of a channel whose sellers connect on its approval page."""
    if not describe(code).by_approval_page:
        raise UnknownChannel(code)
    return connector(code)  # type: ignore[return-value]


def connect_form(code: str) -> type[Any]:
    return _load(describe(code).connect_form)  # type: ignore[no-any-return]


def setting(name: str) -> str:
    """A channel setting's value now (``settings.py`` set it from :func:`base_url_settings`;
    ``satustok run`` and tests point it at the sandbox)."""
    from django.conf import settings

    return str(getattr(settings, name))


def base_url_settings() -> dict[str, str]:
    """Every channel's settings and their values (``settings.py`` reads this)."""
    return {s.name: s.value() for d in descriptions() for s in d.settings}
