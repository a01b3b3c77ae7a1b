"""Fulfilment from the command line: ship one order, print labels as one PDF, run a bulk action
now with each order's result — against the Tokopedia sandbox over HTTP; a channel's refusal is
the seller's words and its problem's exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import EXIT_CODES, Problem
from satustok.channels.protocol import Credentials
from satustok.orders import poller
from satustok.orders.models import Order, OrderStatus
from satustok.sync import imports, tasks

pytestmark = pytest.mark.django_db

SHOP, SKU = 480001, "SB-MSK-SDM-050"


@pytest.fixture
def shop(fast_sandbox: Any) -> ChannelAccount:
    app = fast_sandbox.app(fs_id=15001)
    account = connect_shop(
        "tokopedia", Credentials("15001", app["client_id"], app["client_secret"]), str(SHOP)
    )
    tasks.run_import_now(imports.start_run(account).pk)
    return account


def placed(sandbox: Any, account: ChannelAccount, count: int) -> list[str]:
    ids = [
        str(sandbox.place_order(SHOP, [{"sku": SKU, "quantity": 1}])["order_id"])
        for _ in range(count)
    ]
    poller.poll_account(account.pk, force=True)
    return ids


def last_json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_bulk_accept_then_ship_then_labels(
    fast_sandbox: Any, shop: ChannelAccount, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = placed(fast_sandbox, shop, 2)
    call_command("orders", "bulk", "accept", "--status", "open", "--json")
    results = {r["order_id"]: r["state"] for r in last_json(capsys)}
    assert results[first] == results[second] == "ok"  # beside the demo shop's own open orders
    assert not Order.objects.filter(account=shop, status=OrderStatus.OPEN).exists()

    call_command("orders", "ship", first, "--json")
    shipped = last_json(capsys)
    assert shipped["status"] == OrderStatus.READY_TO_SHIP
    assert fast_sandbox.order(int(first))["order_status"] == 450

    pdf = tmp_path / "labels.pdf"
    call_command("orders", "labels", first, "--output", str(pdf), "--layout", "a4")
    assert len(PdfReader(pdf).pages) == 1, "one A4 sheet holds the one label"


def test_a_refusal_is_the_channels_words_and_its_exit_code(
    fast_sandbox: Any, shop: ChannelAccount
) -> None:
    (order_id,) = placed(fast_sandbox, shop, 1)
    with pytest.raises(CommandError) as refused:
        call_command("orders", "ship", order_id)  # not accepted yet: the hub sends nothing
    assert refused.value.returncode == EXIT_CODES[Problem.NOT_AT_THIS_STATUS]
    assert fast_sandbox.order(int(order_id))["order_status"] == 220


def test_bulk_reports_each_failure_and_exits_non_zero(
    fast_sandbox: Any, shop: ChannelAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    kept, gone = placed(fast_sandbox, shop, 2)
    fast_sandbox.move_order(int(gone), 0)  # cancelled on the channel, the hub not told
    with pytest.raises(CommandError) as failed:
        call_command("orders", "bulk", "accept", kept, gone, "--json")
    assert failed.value.returncode == 14
    results = {r["order_id"]: r for r in last_json(capsys)}
    assert results[kept]["state"] == "ok" and results[gone]["state"] == "failed"
    assert "ORD_USC_001" in results[gone]["message"]
    assert Order.objects.get(external_id=gone).status == OrderStatus.CANCELLED


def test_bulk_needs_orders_or_a_status(shop: ChannelAccount) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("orders", "bulk", "accept")
    assert refused.value.returncode == 2
