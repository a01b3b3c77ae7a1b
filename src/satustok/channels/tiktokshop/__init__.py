"""TikTok Shop (Partner API 202309+, which also serves migrated Tokopedia shops).

- :mod:`.client` — :class:`TikTokShopClient`, the only module that speaks HTTP to TikTok Shop,
  with :class:`AppCredentials` (app key, secret, service id) and :class:`ShopTokens` (a
  seller's token pair), :class:`SkuStock` and :class:`SkuPrice` (what the updates send);
- :mod:`.signing` — request signatures and webhook verification;
- :mod:`.schemas` — lenient pydantic models of the payloads the hub reads, webhooks included;
- :mod:`.errors` — TikTok Shop's codes and HTTP statuses mapped onto the channel error tree.

None of these imports Django (the client can be used and tested on its own); the hub's side
(adapter, orders, tokens) builds on them.
"""

from satustok.channels.tiktokshop.client import (
    REAL_API_URL,
    REAL_AUTH_URL,
    REAL_SERVICES_URL,
    REAL_URLS,
    AppCredentials,
    BaseUrls,
    ShopTokens,
    SkuPrice,
    SkuStock,
    TikTokShopClient,
)
from satustok.channels.tiktokshop.errors import (
    ClockSkew,
    ReauthorizationRequired,
    ScopeNotGranted,
    SignatureRejected,
)

__all__ = [
    "REAL_API_URL",
    "REAL_AUTH_URL",
    "REAL_SERVICES_URL",
    "REAL_URLS",
    "AppCredentials",
    "BaseUrls",
    "ClockSkew",
    "ReauthorizationRequired",
    "ScopeNotGranted",
    "ShopTokens",
    "SignatureRejected",
    "SkuPrice",
    "SkuStock",
    "TikTokShopClient",
]
