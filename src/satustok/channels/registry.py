"""Which connector serves which channel.

The only place that names channel packages. Everything else asks the registry, so adding a
channel is: write its package, add one line here.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from satustok.channels.protocol import Connector

CONNECTORS = {
    "tokopedia": "satustok.channels.tokopedia.adapter:TokopediaConnector",
    "shopee": "satustok.channels.shopee.adapter:ShopeeConnector",
}


@cache
def connector(channel: str) -> Connector:
    try:
        module_name, class_name = CONNECTORS[channel].split(":")
    except KeyError:
        raise LookupError(f"no connector for channel {channel!r}") from None
    return getattr(import_module(module_name), class_name)()
