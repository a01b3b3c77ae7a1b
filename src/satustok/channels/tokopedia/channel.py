"""Tokopedia as the registry knows it: typed credentials (the founding document's FS ID, Shop
ID, Client ID, Client Secret), checked with Tokopedia before anything is saved."""

from __future__ import annotations

from satustok.channels.registry import (
    ChannelDescription,
    ChannelSetting,
    ConnectMethod,
    CredentialLabels,
    SandboxInfo,
)
from satustok.channels.tokopedia.client import REAL_ACCOUNTS_URL, REAL_API_URL

DEMO_APP = 15001
DEMO_SHOP = 480001


def sandbox_settings(info: SandboxInfo) -> dict[str, str]:
    return {"TOKOPEDIA_ACCOUNTS_URL": info["accounts_url"], "TOKOPEDIA_API_URL": info["api_url"]}


def sandbox_hint(info: SandboxInfo) -> list[str]:
    app = next(app for app in info["apps"] if app["fs_id"] == DEMO_APP)
    shop = next(shop for shop in info["shops"] if shop["shop_id"] == DEMO_SHOP)
    return [
        "Tokopedia (Add Integrations › Tokopedia › View):",
        f"  FS ID {app['fs_id']} · Shop ID {shop['shop_id']} ({shop['name']})",
        f"  Client ID {app['client_id']} · Client Secret {app['client_secret']}",
    ]


CHANNEL = ChannelDescription(
    code="tokopedia",
    label="Tokopedia",
    connect_method=ConnectMethod.CREDENTIALS,
    connector="satustok.channels.tokopedia.adapter:TokopediaConnector",
    connect_form="satustok.channels.tokopedia.forms:ConnectForm",
    connect_template="tokopedia/connect.html",
    package="satustok.channels.tokopedia",
    labels=CredentialLabels(app_id="FS ID", client_id="Client ID", client_secret="Client Secret"),
    accent="#42b549",
    settings=(
        ChannelSetting("TOKOPEDIA_ACCOUNTS_URL", REAL_ACCOUNTS_URL, "token endpoint host"),
        ChannelSetting("TOKOPEDIA_API_URL", REAL_API_URL, "Open API host"),
    ),
    sandbox_settings=sandbox_settings,
    sandbox_hint=sandbox_hint,
)
