"""The flash-sale world: one sandbox process serving a Tokopedia, a Shopee and a TikTok Shop
shop per contender (``bench/seeds.py`` :func:`~bench.seeds.flash_sale`), each contender's three
shops connected and imported into the hub through the hub's own services, and the marketplace
seen through the sandboxes' control APIs: buyers' orders and the shown-stock log.

A contender is one way of keeping the shops in step: satustok as it runs (webhooks, push on
change), or the interval baseline (``bench/interval_sync.py``). Each sells its own copy of the
hot SKUs, so the contenders never share a master.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx

from bench import seeds, stack

CHANNELS = seeds.FLASH_CHANNELS


@dataclass
class Contender:
    """One contender's three shops and integrations, and how its units map to hot SKUs."""

    index: int
    name: str
    stocks: list[int]
    accounts: dict[str, Any] = field(default_factory=dict)  # channel → ChannelAccount

    @property
    def at(self) -> seeds.FlashShops:
        return seeds.FlashShops(self.index)

    def shop_id(self, channel: str) -> str:
        at = self.at
        return str(
            {
                "tokopedia": at.tokopedia_shop,
                "shopee": at.shopee_shop,
                "tiktokshop": at.tiktok_shop,
            }[channel]
        )

    def unit(self, channel: str, index: int) -> str:
        """A hot SKU's unit on a channel, spelt as the sandbox's stock log (and the hub's
        ``Listing.external_id``) spells it."""
        at = self.at
        if channel == "tokopedia":
            return str(at.tokopedia_product(index))
        if channel == "shopee":
            return f"{at.shopee_item(index)}:0"
        return f"{at.tiktok_product(index)}:{at.tiktok_sku(index)}"

    def index_of(self, channel: str, unit: str) -> int | None:
        return self._units.get((channel, unit))

    @cached_property
    def _units(self) -> dict[tuple[str, str], int]:
        return {
            (channel, self.unit(channel, k)): k
            for channel in CHANNELS
            for k in range(len(self.stocks))
        }

    def order_body(self, channel: str, index: int) -> dict[str, Any]:
        """A buyer's one-unit order on the control API. Shopee and TikTok Shop orders start
        UNPAID, as a flash sale's checkout does (the marketplace takes the unit at once)."""
        at = self.at
        if channel == "tokopedia":
            items = [{"product_id": at.tokopedia_product(index), "quantity": 1}]
            return {"shop_id": at.tokopedia_shop, "items": items}
        if channel == "shopee":
            items = [{"item_id": at.shopee_item(index), "model_id": 0, "quantity": 1}]
            return {"shop_id": at.shopee_shop, "items": items, "status": "UNPAID"}
        items = [{"sku_id": at.tiktok_sku(index), "quantity": 1}]
        return {"shop_id": at.tiktok_shop, "items": items, "status": "UNPAID"}


def control_urls(sandbox: stack.Sandbox) -> dict[str, str]:
    info = sandbox.info
    return {
        "tokopedia": sandbox.control_url,
        "shopee": info["shopee"]["control_url"],
        "tiktokshop": info["tiktokshop"]["control_url"],
    }


def order_id(channel: str, answer: dict[str, Any]) -> str:
    key = {"tokopedia": "order_id", "shopee": "order_sn", "tiktokshop": "id"}[channel]
    return str(answer[key])


# --- connecting a contender ---------------------------------------------------------------------


def connect(sandbox: stack.Sandbox, contender: Contender) -> None:
    """Connect and import the contender's three shops, Tokopedia first (its stock becomes the
    master's; the others start equal to it)."""
    from satustok.channels.connect import connect_shop, finish_authorization
    from satustok.channels.protocol import Credentials

    at = contender.at
    tokopedia = connect_shop(
        "tokopedia",
        Credentials(str(at.tokopedia_fs_id), seeds.CLIENT_ID + f"-flash{contender.index}",
                    seeds.CLIENT_SECRET),
        str(at.tokopedia_shop),
    )  # fmt: skip
    urls = control_urls(sandbox)
    with httpx.Client(base_url=urls["shopee"], timeout=60, trust_env=False) as shopee:
        body = {"shop_id": at.shopee_shop, "partner_id": at.shopee_partner}
        code = _json(shopee.post("authorize", json=body))["code"]
    partner = str(at.shopee_partner)
    shopee_account = finish_authorization(
        "shopee", Credentials(partner, partner, at.shopee_key), code, str(at.shopee_shop)
    )
    with httpx.Client(base_url=urls["tiktokshop"], timeout=60, trust_env=False) as tiktok:
        body = {"open_id": at.tiktok_open_id, "app_key": at.tiktok_app_key}
        code = _json(tiktok.post("authorize", json=body))["code"]
    credentials = Credentials(at.tiktok_app_key, at.tiktok_service_id, at.tiktok_secret)
    tiktok_account = finish_authorization("tiktokshop", credentials, code, "")
    contender.accounts = {
        "tokopedia": tokopedia,
        "shopee": shopee_account,
        "tiktokshop": tiktok_account,
    }
    for account in contender.accounts.values():
        stack.import_now(account)


def _json(answer: httpx.Response) -> Any:
    if answer.is_error:
        raise RuntimeError(f"sandbox {answer.request.url}: {answer.status_code} {answer.text}")
    return answer.json()


def register_and_push(contender: Contender, hub_url: str) -> None:
    """satustok as a seller runs it: webhooks registered, push on, every shop converged."""
    from satustok.channels.models import ChannelAccount

    for account in contender.accounts.values():
        stack.register_webhooks(account, hub_url)
        stack.push_on(account)
    ids = [account.pk for account in contender.accounts.values()]
    stack.wait_until(lambda: stack.pending_pushes(ids) == 0, timeout=180, interval=0.2)
    contender.accounts = {
        channel: ChannelAccount.objects.get(pk=account.pk)
        for channel, account in contender.accounts.items()
    }


# --- the marketplace's side: shown stock --------------------------------------------------------


class StockLog:
    """Every change of the stock buyers see on the contenders' shops, read from the sandboxes'
    ``stock-log`` (wall-clock times, causes), kept as it comes by a reader thread every
    ``every`` seconds: buyers choose among what their shop shows, as on a product page."""

    def __init__(self, sandbox: stack.Sandbox, every: float = 0.05) -> None:
        self.urls = control_urls(sandbox)
        self.every = every
        self.records: list[dict[str, Any]] = []
        self.shown: dict[tuple[str, str], int] = {}
        self._after = dict.fromkeys(CHANNELS, 0)
        self._lock = threading.Lock()
        self._reading = threading.Lock()  # one reader at a time: each read moves ``_after``
        self._stop = threading.Event()
        self._clients = {
            channel: httpx.Client(base_url=url, timeout=30, trust_env=False)
            for channel, url in self.urls.items()
        }
        self.read()  # what the set-up left: the starting values
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.read()

    def read(self) -> None:
        with self._reading:
            self._read_all()

    def _read_all(self) -> None:
        for channel, client in self._clients.items():
            while True:
                rows = _json(client.get("stock-log", params={"after": self._after[channel]}))
                if not rows:
                    break
                with self._lock:
                    for row in rows:
                        self._after[channel] = max(self._after[channel], int(row["id"]))
                        record = {**row, "channel": channel}
                        self.records.append(record)
                        self.shown[(channel, str(row["unit"]))] = int(row["stock"])

    def start_from(self, contender: Contender) -> None:
        """A unit the log has not mentioned yet shows its seeded stock (the log records
        changes, and a shop nobody pushed to has had none)."""
        with self._lock:
            for channel in CHANNELS:
                for k, stock in enumerate(contender.stocks):
                    self.shown.setdefault((channel, contender.unit(channel, k)), stock)

    def shows(self, channel: str, unit: str) -> int:
        with self._lock:
            return self.shown.get((channel, unit), 0)

    def of(self, contender: Contender, since: float) -> list[dict[str, Any]]:
        """The contender's records from ``since`` on, oldest first."""
        with self._lock:
            rows = list(self.records)
        return [
            row
            for row in rows
            if row["at"] >= since
            and contender.index_of(row["channel"], str(row["unit"])) is not None
        ]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for client in self._clients.values():
            client.close()


def settle(log: StockLog, contender: Contender, quiet: float = 2.0, timeout: float = 60) -> None:
    """Wait until the contender's shops' stock has not changed for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.read()
        recent = log.of(contender, time.time() - quiet)
        if not recent:
            return
        time.sleep(0.25)
