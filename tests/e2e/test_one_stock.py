"""One stock, every channel — end to end on `make run`'s stack (hub, queue worker, sandbox in one
process), driven like an operator would: the CLI to connect and import, the sandbox's control
API to play the buyer. A sale on shop A must change shop B's stock on the channel: by webhook,
and by polling when the webhooks are lost. (How fast is measured by `make bench`.)"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from running_hub import eventually, hub_environment, satustok, start_hub, stop_hub

pytestmark = pytest.mark.dbless  # the stack has its own SQLite data directory

SHOP_A, SHOP_B = 480001, 480002


@dataclass
class Stack:
    env: dict[str, str]
    control: str

    def cli(self, *args: str, stdin: str = "") -> str:
        done = subprocess.run(
            satustok(*args), env=self.env, input=stdin, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def json(self, *args: str, stdin: str = "") -> object:
        return json.loads(self.cli(*args, "--json", stdin=stdin).strip().splitlines()[-1])

    def channel_stock(self, product_id: str) -> int:
        return int(httpx.get(f"{self.control}products/{product_id}", timeout=5).json()["stock"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = hub_environment(tmp_path_factory.mktemp("one-stock"))
    proc, banner = start_hub(env)
    hub_url = re.search(r"Open\s+(\S+)", banner).group(1).rstrip("/")  # type: ignore[union-attr]
    api_url = re.search(r"SATUSTOK_TOKOPEDIA_API_URL=(\S+)", banner).group(1)  # type: ignore[union-attr]
    control = re.search(r"control API\s+(\S+)", banner).group(1)  # type: ignore[union-attr]
    # CLI processes talk to the stack's sandbox and know the hub's address for webhook URLs.
    env = {
        **env,
        "SATUSTOK_PUBLIC_URL": hub_url,
        "SATUSTOK_TOKOPEDIA_API_URL": api_url,
        "SATUSTOK_TOKOPEDIA_ACCOUNTS_URL": api_url.replace("/fs", "/accounts"),
    }
    yield Stack(env=env, control=control)
    stop_hub(proc)


@pytest.fixture(scope="module")
def shared(stack: Stack) -> dict[str, str]:
    """Both demo shops connected, imported, push on for B, webhooks registered; one shared SKU."""
    app = httpx.get(f"{stack.control}info", timeout=5).json()["apps"][0]
    ids = {}
    for shop in (SHOP_A, SHOP_B):
        added = stack.json(
            "integrations",
            "add",
            "tokopedia",
            "--fs-id",
            str(app["fs_id"]),
            "--shop-id",
            str(shop),
            "--client-id",
            app["client_id"],
            stdin=app["client_secret"] + "\n",
        )
        ids[shop] = str(added["id"])  # type: ignore[index]
        stack.cli("import", "tokopedia", ids[shop])
    stack.cli("integrations", "push", ids[SHOP_B], "on")
    stack.cli("integrations", "webhooks", ids[SHOP_A])
    variants = stack.json("catalog", "list")
    both = next(v for v in variants if len({ls["integration"] for ls in v["listings"]}) == 2)  # type: ignore[union-attr]
    by_shop = {str(ls["integration"]): ls["external_id"] for ls in both["listings"]}
    return {
        "sku": both["sku"],
        "a": by_shop[ids[SHOP_A]],
        "b": by_shop[ids[SHOP_B]],
        "a_id": ids[SHOP_A],
    }


def available(stack: Stack, sku: str) -> int:
    return int(stack.json("stock", "show", sku)["available"])  # type: ignore[index]


def buy(stack: Stack, product_id: str, quantity: int) -> None:
    answer = httpx.post(
        f"{stack.control}orders",
        timeout=5,
        json={"shop_id": SHOP_A, "items": [{"product_id": int(product_id), "quantity": quantity}]},
    )
    assert answer.status_code < 300, answer.text


def test_switching_push_on_set_shop_b_to_the_master_stock(
    stack: Stack, shared: dict[str, str]
) -> None:
    eventually(lambda: stack.channel_stock(shared["b"]) == available(stack, shared["sku"]))


def test_a_sale_on_shop_a_lowers_shop_b_by_webhook(stack: Stack, shared: dict[str, str]) -> None:
    before = available(stack, shared["sku"])
    eventually(lambda: stack.channel_stock(shared["b"]) == before)
    buy(stack, shared["a"], 2)
    eventually(lambda: stack.channel_stock(shared["b"]) == before - 2)
    assert available(stack, shared["sku"]) == before - 2


def test_with_webhooks_lost_the_poller_still_gets_the_sale(
    stack: Stack, shared: dict[str, str]
) -> None:
    before = available(stack, shared["sku"])
    httpx.post(f"{stack.control}faults", json={"webhooks": {"drop": 1.0}}, timeout=5)
    try:
        buy(stack, shared["a"], 1)
        time.sleep(1.5)
        assert stack.channel_stock(shared["b"]) == before  # nothing arrived: the webhook is lost
        stack.cli("orders", "poll", shared["a_id"])  # what the periodic poll does
        eventually(lambda: stack.channel_stock(shared["b"]) == before - 1)
    finally:
        httpx.delete(f"{stack.control}faults", timeout=5)
