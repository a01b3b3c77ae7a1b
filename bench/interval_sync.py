"""The interval baseline of ``flash-sale``: the same hub, kept in step the way the peers publish
theirs — no webhooks, no push on change; every ``interval`` seconds a cycle reads every shop's
orders (the hub's own poller) and then pushes the master stock to every shop (the hub's own
pusher, every listing marked). Runs in the benchmark's process with the hub's processes
stopped, so nothing else reads an order or pushes a unit in between.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.flash_world import Contender


class Cycles:
    """A contender's sync cycles, in a thread: the first ``phase`` seconds after the sale opens
    (``started`` is set when the buyers may start), then every ``interval`` seconds."""

    def __init__(self, contender: Contender, interval: float, phase: float) -> None:
        self.contender = contender
        self.interval = interval
        self.phase = phase
        self.count = 0
        self.started = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Cycles:
        _push_switch(self.contender, on=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def _run(self) -> None:
        from django.db import connections

        try:
            opened = time.monotonic()
            self.started.set()
            due = opened + self.phase
            while not self._stop.wait(max(0.0, due - time.monotonic())):
                cycle(self.contender)
                self.count += 1
                due += self.interval
        finally:
            connections.close_all()


def cycle(contender: Contender) -> None:
    """Read every shop's new orders, then push every listing's master stock."""
    from satustok.orders import poller
    from satustok.sync import pusher

    for account in contender.accounts.values():
        poller.poll_account(account.pk, force=True)
    for account in contender.accounts.values():
        pusher.mark_account_dirty(account)
        pusher.push_account(account.pk)


def _push_switch(contender: Contender, on: bool) -> None:
    """The pusher works only for an integration with push on; switched on in the database
    alone (no switch-on push: the cycle is what pushes)."""
    from satustok.channels.models import ChannelAccount

    ids: list[Any] = [account.pk for account in contender.accounts.values()]
    ChannelAccount.objects.filter(pk__in=ids).update(push_stock=on)
