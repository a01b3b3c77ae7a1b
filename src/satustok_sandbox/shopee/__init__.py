"""A local simulator of the Shopee Open Platform API v2 (``partner.shopeemobile.com``).

It follows ``reference/shopee-open-platform-v2.md`` (the fact sheet); where the sheet is
uncertain, the choices are written down in ``docs/sandbox-shopee.md``. Like the Tokopedia
sandbox it is a fake external system with its own in-memory state and never imports the hub.

The package ``__init__`` imports nothing eagerly: the Tokopedia seed format embeds the Shopee
section (``satustok_sandbox.shopee.seed``), and the Shopee demo reads the Tokopedia demo, so
eager imports here would go round in a circle. Import the submodules you need.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ShopeeSandbox", "ShopeeSeed", "shopee_demo_seed"]


def __getattr__(name: str) -> Any:
    if name == "ShopeeSandbox":
        from satustok_sandbox.shopee.sandbox import ShopeeSandbox

        return ShopeeSandbox
    if name == "ShopeeSeed":
        from satustok_sandbox.shopee.seed import ShopeeSeed

        return ShopeeSeed
    if name == "shopee_demo_seed":
        from satustok_sandbox.shopee.demo import shopee_demo_seed

        return shopee_demo_seed
    raise AttributeError(name)
