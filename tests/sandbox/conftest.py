"""Fixtures for the sandbox's own tests (helpers live in ``tokopedia_sandbox_helpers``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shopee_helpers import ShopeeApi
from tiktokshop_helpers import TikTokApi
from tokopedia_sandbox_helpers import Api, Receiver, running_receiver

from satustok_sandbox.server import RunningSandbox
from satustok_sandbox.shopee.handle import ShopeeControl
from satustok_sandbox.tiktokshop.handle import TikTokShopControl


@pytest.fixture
def api(tokopedia_sandbox: RunningSandbox) -> Iterator[Api]:
    """App 15001 talking to the (reset) session sandbox with the default rate limits."""
    client = Api(tokopedia_sandbox)
    yield client
    client.close()


@pytest.fixture
def fast_api(unlimited_tokopedia_sandbox: RunningSandbox) -> Iterator[Api]:
    """App 15001 talking to the (reset) unlimited sandbox."""
    client = Api(unlimited_tokopedia_sandbox)
    yield client
    client.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback."""
    with running_receiver() as box:
        yield box


# --- Shopee (the same session servers; only the Shopee half is reset) ------------------------


@pytest.fixture
def shopee_sandbox(tokopedia_sandbox_server: RunningSandbox) -> RunningSandbox:
    """The session server with its Shopee sandbox restored to the demo seed."""
    tokopedia_sandbox_server.shopee.reset()
    return tokopedia_sandbox_server


@pytest.fixture
def shopee(shopee_sandbox: RunningSandbox) -> ShopeeControl:
    """The (reset) Shopee control helpers: ``shopee.place_order(...)``, ``shopee.item(...)``…"""
    return shopee_sandbox.shopee


@pytest.fixture
def shop_api(shopee_sandbox: RunningSandbox) -> Iterator[ShopeeApi]:
    """Partner 2001887, authorized for shop 7700001, on the (reset) default-limit server."""
    client = ShopeeApi(shopee_sandbox).authorize()
    yield client
    client.close()


@pytest.fixture
def fast_shop_api(unlimited_tokopedia_sandbox_server: RunningSandbox) -> Iterator[ShopeeApi]:
    """The same on the unlimited server (no rate limit), reset."""
    unlimited_tokopedia_sandbox_server.shopee.reset()
    client = ShopeeApi(unlimited_tokopedia_sandbox_server).authorize()
    yield client
    client.close()


# --- TikTok Shop (the same session servers; only the TikTok Shop part is reset) ------------------


@pytest.fixture
def tiktokshop_sandbox(tokopedia_sandbox_server: RunningSandbox) -> RunningSandbox:
    """The session server with its TikTok Shop sandbox restored to the demo seed."""
    tokopedia_sandbox_server.tiktokshop.reset()
    return tokopedia_sandbox_server


@pytest.fixture
def tiktokshop(tiktokshop_sandbox: RunningSandbox) -> TikTokShopControl:
    """The (reset) TikTok Shop control helpers: ``tiktokshop.place_order(...)``, …"""
    return tiktokshop_sandbox.tiktokshop


@pytest.fixture
def tts_api(tiktokshop_sandbox: RunningSandbox) -> Iterator[TikTokApi]:
    """App 6d3satustok01 authorized by the Sari Batik seller, calling its shop's cipher, on the
    (reset) default-limit server."""
    client = TikTokApi(tiktokshop_sandbox).authorize()
    yield client
    client.close()


@pytest.fixture
def fast_tts_api(unlimited_tokopedia_sandbox_server: RunningSandbox) -> Iterator[TikTokApi]:
    """The same on the unlimited server (no rate limit), reset."""
    unlimited_tokopedia_sandbox_server.tiktokshop.reset()
    client = TikTokApi(unlimited_tokopedia_sandbox_server).authorize()
    yield client
    client.close()
