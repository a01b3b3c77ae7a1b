"""The order source of an integration, from its channel's connector (the records it speaks in
are part of the channel protocol, ``channels/protocol.py``)."""

from __future__ import annotations

from satustok.channels import registry
from satustok.channels.models import ChannelAccount
from satustok.channels.protocol import OrderSource


def order_source(account: ChannelAccount, *, interactive: bool = False) -> OrderSource:
    """``interactive`` shortens retries: a seller waiting on a page wants an answer soon."""
    return registry.connector(account.channel).orders(account, interactive=interactive)
