"""A local simulator of the Shopee Open Platform API v2 (``partner.shopeemobile.com``).

It follows ``reference/shopee-open-platform-v2.md`` (the fact sheet); where the sheet is
uncertain, the choices are written down in ``docs/sandbox-shopee.md``. Like the Tokopedia
sandbox it is a fake external system with its own in-memory state and never imports the hub.

The package ``__init__`` imports nothing eagerly: the Tokopedia seed format embeds the Shopee
section (``satustok_sandbox.shopee.seed``), and the Shopee demo reads the Tokopedia demo, so
eager imports here would go round in a circle. Import the submodules you need.
"""

from __future__ import annotations

from satustok_sandbox.common.lazy import lazy_exports

__all__ = ["ShopeeSandbox", "ShopeeSeed", "shopee_demo_seed"]

__getattr__ = lazy_exports(
    {
        "ShopeeSandbox": "satustok_sandbox.shopee.sandbox",
        "ShopeeSeed": "satustok_sandbox.shopee.seed",
        "shopee_demo_seed": "satustok_sandbox.shopee.demo",
    }
)
