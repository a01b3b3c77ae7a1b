"""The Shopee token keeper: a shop's access token (4 hours), renewed with Shopee's single-use
refresh token under the integration's row lock (``channels/tokens.py`` says why and how).

:class:`ShopSession` is how the adapter calls Shopee for one integration: a client per call,
bound to the token current at that moment, sharing one connection pool and one rate budget
(safe from several threads at once, as the importer reads pages ahead).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from django.utils import timezone

from satustok.channels import registry
from satustok.channels.http.errors import AuthorizationEnded
from satustok.channels.http.retry import RENEWAL_RETRIES, RetryPolicy
from satustok.channels.http.transport import RENEWAL_TIMEOUT
from satustok.channels.models import ChannelAccount
from satustok.channels.shopee.client import USER_AGENT, PartnerApp, ShopeeClient
from satustok.channels.tokens import REFRESH_MARGIN, RenewedTokens, TokenKeeper, TokenSession

T = TypeVar("T")
REFRESH_TOKEN_LIFETIME = timedelta(days=30)  # fact sheet §1.2; Shopee's answer does not say


def partner_app(account: Any) -> PartnerApp:
    """The Shopee app of an integration: ``app_id`` is the partner id, the secret its key."""
    return PartnerApp(int(account.app_id), account.client_secret.reveal())


def _renew(row: ChannelAccount) -> RenewedTokens:
    refresh_token = row.refresh_token.reveal()
    with ShopeeClient(
        partner_app(row),
        api_url=registry.setting("SHOPEE_API_URL"),
        retry_policy=RENEWAL_RETRIES,
        timeout=RENEWAL_TIMEOUT,
    ) as client:
        tokens = client.refresh_tokens(refresh_token, int(row.shop_id))
    return RenewedTokens(
        access_token=tokens.access_token,
        access_expires_at=tokens.expires_at,
        refresh_token=tokens.refresh_token,
        refresh_expires_at=timezone.now() + REFRESH_TOKEN_LIFETIME,
    )


KEEPER = TokenKeeper(_renew)
access_token_for = KEEPER.access_token_for
force_refresh = KEEPER.force_refresh
with_fresh_token = KEEPER.with_fresh_token


# --- calling Shopee for one integration --------------------------------------------------------


class ShopSession(TokenSession[ShopeeClient]):
    """One integration's calls to Shopee (see :class:`~satustok.channels.tokens.TokenSession`)."""

    keeper = KEEPER

    def __init__(self, account: ChannelAccount, retry_policy: RetryPolicy | None = None) -> None:
        super().__init__(account, USER_AGENT, retry_policy)
        self.app = partner_app(account)
        self.shop_id = int(account.shop_id)

    def client(self, access_token: str | None = None) -> ShopeeClient:
        """A client of the shop; without a token it can make only public calls."""
        return ShopeeClient(
            self.app,
            api_url=registry.setting("SHOPEE_API_URL"),
            shop_id=self.shop_id,
            access_token=access_token,
            retry_policy=self.retry_policy,
            http_client=self.http,
            budget=self.budget,
        )


__all__ = [
    "REFRESH_MARGIN",
    "AuthorizationEnded",
    "ShopSession",
    "access_token_for",
    "force_refresh",
    "with_fresh_token",
]
