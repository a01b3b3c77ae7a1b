"""TikTok Shop's tokens, hub side: the seller's access token (7 days) renewed with the refresh
token under the integration's row lock (``channels/tokens.py`` says why), and
:class:`ShopSession`, how the adapter calls TikTok Shop for one integration.

Whether TikTok Shop keeps accepting a refresh token once used is not documented (fact sheet
§1.1.4): the hub treats it as spent, so two workers never present it twice.
"""

from __future__ import annotations

from typing import Any

from satustok.channels import registry
from satustok.channels.http.retry import RENEWAL_RETRIES, RetryPolicy
from satustok.channels.http.transport import RENEWAL_TIMEOUT
from satustok.channels.models import ChannelAccount
from satustok.channels.tiktokshop.client import (
    USER_AGENT,
    AppCredentials,
    BaseUrls,
    TikTokShopClient,
)
from satustok.channels.tokens import RenewedTokens, TokenKeeper, TokenSession


def app_credentials(account: Any) -> AppCredentials:
    """The app of an integration: ``app_id`` is the app key, ``client_id`` the service id."""
    return AppCredentials(account.app_id, account.client_secret.reveal(), account.client_id)


def urls() -> BaseUrls:
    return {
        "api_url": registry.setting("TIKTOKSHOP_API_URL"),
        "auth_url": registry.setting("TIKTOKSHOP_AUTH_URL"),
        "services_url": registry.setting("TIKTOKSHOP_SERVICES_URL"),
    }


def _renew(row: ChannelAccount) -> RenewedTokens:
    with TikTokShopClient(
        app_credentials(row), retry_policy=RENEWAL_RETRIES, timeout=RENEWAL_TIMEOUT, **urls()
    ) as client:
        tokens = client.refresh_token(row.refresh_token.reveal())
    return RenewedTokens(
        access_token=tokens.access_token,
        access_expires_at=tokens.access_expires_at,
        refresh_token=tokens.refresh_token,
        refresh_expires_at=tokens.refresh_expires_at,
    )


KEEPER = TokenKeeper(_renew)


class ShopSession(TokenSession[TikTokShopClient]):
    """One integration's calls to TikTok Shop, addressed to its shop by the stored cipher."""

    keeper = KEEPER

    def __init__(self, account: ChannelAccount, retry_policy: RetryPolicy | None = None) -> None:
        super().__init__(account, USER_AGENT, retry_policy)
        self.app = app_credentials(account)

    def client(self, access_token: str | None = None) -> TikTokShopClient:
        return TikTokShopClient(
            self.app,
            access_token=access_token,
            shop_cipher=self.account.shop_handle or None,
            retry_policy=self.retry_policy,
            http_client=self.http,
            budget=self.budget,
            **urls(),
        )
