"""TikTok Shop as the registry knows it: the seller authorizes the app on TikTok Shop's page
(the app's App Key, App Secret and Service ID typed here); TikTok Shop sends the browser back
to the redirect URL registered for the app in Partner Center. Migrated Tokopedia shops
("Tokopedia & TikTok Shop") are reached this way too."""

from __future__ import annotations

from satustok.channels.registry import (
    ChannelDescription,
    ChannelSetting,
    ConnectMethod,
    CredentialLabels,
    SandboxInfo,
)
from satustok.channels.tiktokshop.client import REAL_API_URL, REAL_AUTH_URL, REAL_SERVICES_URL

REDIRECT_TIMEOUT_SECONDS = 5.0


def sandbox_settings(info: SandboxInfo) -> dict[str, str]:
    sandbox = info["tiktokshop"]
    return {
        "TIKTOKSHOP_API_URL": sandbox["base_url"],
        "TIKTOKSHOP_AUTH_URL": sandbox["auth_url"],
        "TIKTOKSHOP_SERVICES_URL": sandbox["services_url"],
    }


def sandbox_hint(info: SandboxInfo) -> list[str]:
    app = info["tiktokshop"]["apps"][0]
    return [
        "TikTok Shop (Add Integrations › TikTok Shop › Connect, then authorize on the "
        "sandbox's page):",
        f"  App Key {app['app_key']} · App Secret {app['app_secret']}"
        f" · Service ID {app['service_id']}",
    ]


def prepare_sandbox(info: SandboxInfo, hub_url: str) -> None:
    """Register the hub's return address for the demo apps, as an operator does in Partner
    Center (TikTok Shop sends sellers back there, not to an address the link names)."""
    import httpx

    sandbox = info["tiktokshop"]
    back = f"{hub_url.rstrip('/')}/integrations/authorized/{CHANNEL.code}/"
    for app in sandbox["apps"]:
        httpx.post(
            f"{sandbox['control_url'].rstrip('/')}/apps/{app['app_key']}/redirect_url",
            json={"redirect_url": back},
            timeout=REDIRECT_TIMEOUT_SECONDS,
            trust_env=False,
        ).raise_for_status()


CHANNEL = ChannelDescription(
    code="tiktokshop",
    label="TikTok Shop",
    connect_method=ConnectMethod.APPROVAL_PAGE,
    connector="satustok.channels.tiktokshop.adapter:TikTokShopConnector",
    connect_form="satustok.channels.tiktokshop.forms:ConnectForm",
    connect_template="tiktokshop/connect.html",
    package="satustok.channels.tiktokshop",
    labels=CredentialLabels(app_id="App Key", client_id="Service ID", client_secret="App Secret"),
    accent="#111827",
    storefronts=("tiktokshop", "tokopedia"),
    settings=(
        ChannelSetting("TIKTOKSHOP_API_URL", REAL_API_URL, "Partner API host"),
        ChannelSetting("TIKTOKSHOP_AUTH_URL", REAL_AUTH_URL, "token host"),
        ChannelSetting("TIKTOKSHOP_SERVICES_URL", REAL_SERVICES_URL, "seller authorization page"),
    ),
    sandbox_settings=sandbox_settings,
    sandbox_hint=sandbox_hint,
    prepare_sandbox=prepare_sandbox,
)
