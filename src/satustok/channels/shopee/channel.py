"""Shopee as the registry knows it: the seller approves the hub on Shopee's own page (Partner
ID and Partner Key typed here, the shop chosen there)."""

from __future__ import annotations

from satustok.channels.registry import (
    ChannelDescription,
    ChannelSetting,
    ConnectMethod,
    CredentialLabels,
    SandboxInfo,
)
from satustok.channels.shopee.client import REAL_API_URL

DEMO_SHOP = 7700001


def sandbox_settings(info: SandboxInfo) -> dict[str, str]:
    return {"SHOPEE_API_URL": info["shopee"]["base_url"]}


def sandbox_hint(info: SandboxInfo) -> list[str]:
    sandbox = info["shopee"]
    partner = sandbox["partners"][0]
    shop = next(shop for shop in sandbox["shops"] if shop["shop_id"] == DEMO_SHOP)
    return [
        "Shopee (Add Integrations › Shopee › Connect, then approve "
        f"{shop['shop_name']} on the sandbox's page):",
        f"  Partner ID {partner['partner_id']} · Partner Key {partner['partner_key']}",
    ]


CHANNEL = ChannelDescription(
    code="shopee",
    label="Shopee",
    connect_method=ConnectMethod.APPROVAL_PAGE,
    connector="satustok.channels.shopee.adapter:ShopeeConnector",
    connect_form="satustok.channels.shopee.forms:ConnectForm",
    connect_template="shopee/connect.html",
    package="satustok.channels.shopee",
    labels=CredentialLabels(app_id="Partner ID", client_id="", client_secret="Partner Key"),
    accent="#ee4d2d",
    settings=(ChannelSetting("SHOPEE_API_URL", REAL_API_URL, "Open Platform host"),),
    sandbox_settings=sandbox_settings,
    sandbox_hint=sandbox_hint,
)
