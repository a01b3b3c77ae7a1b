"""Fixtures for the sandbox's own tests (helpers live in ``tokopedia_sandbox_helpers``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tokopedia_sandbox_helpers import Api, Receiver, running_receiver

from satustok_sandbox.server import RunningSandbox


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
