"""Shopee (Open Platform API v2, ``partner.shopeemobile.com``).

- :mod:`.client` — :class:`ShopeeClient`, the only module that speaks HTTP to Shopee, with
  :class:`PartnerApp` (partner id and key) and :class:`ShopTokens` (a shop's token pair);
- :mod:`.signing` — request signatures and push verification;
- :mod:`.schemas` — lenient pydantic models of the payloads the hub reads, pushes included;
- :mod:`.errors` — Shopee's error strings and statuses mapped onto the channel error tree;
- :mod:`.tokens` — renewing a shop's access token under the integration's row lock;
- :mod:`.adapter` / :mod:`.orders` — the connector and the order source, in the hub's words.

The first four never import Django (the client can be used and tested on its own); the last
three are the hub's side.
"""

from satustok.channels.shopee.client import REAL_API_URL, PartnerApp, ShopeeClient, ShopTokens
from satustok.channels.shopee.errors import ClockSkew, ReauthorizationRequired, ShopBanned

__all__ = [
    "REAL_API_URL",
    "ClockSkew",
    "PartnerApp",
    "ReauthorizationRequired",
    "ShopBanned",
    "ShopTokens",
    "ShopeeClient",
]
