"""A local simulator of the TikTok Shop Partner API (202309+, "Tokopedia & TikTok Shop").

It follows ``reference/tiktok-shop-partner-api.md`` (the fact sheet); where the sheet is
uncertain, the choices are written down in ``docs/sandbox-tiktokshop.md`` and in the module
docstrings. Like the Tokopedia and Shopee sandboxes it is a fake external system with its own
in-memory state and never imports the hub.

Three real hosts are mounted under one server: the API host ``open-api.tiktokglobalshop.com``
at ``/tiktokshop/open-api``, the auth host ``auth.tiktok-shops.com`` at ``/tiktokshop/auth`` and
the seller authorization site ``services.tiktokshop.com`` at ``/tiktokshop/services``; the
control API is ``/_sandbox/tiktokshop/``.

The package ``__init__`` imports nothing eagerly: the Tokopedia seed format embeds the
``tiktokshop`` section (``satustok_sandbox.tiktokshop.seed``) and the demo reads the Tokopedia
and Shopee demos, so eager imports here would go round in a circle.
"""

from __future__ import annotations

from satustok_sandbox.common.lazy import lazy_exports

__all__ = ["TikTokShopSandbox", "TikTokShopSeed", "tiktokshop_demo_seed"]

__getattr__ = lazy_exports(
    {
        "TikTokShopSandbox": "satustok_sandbox.tiktokshop.sandbox",
        "TikTokShopSeed": "satustok_sandbox.tiktokshop.seed",
        "tiktokshop_demo_seed": "satustok_sandbox.tiktokshop.demo",
    }
)
