"""``satustok integrations authorize CHANNEL``: the approval-page connect from a terminal. The
command prints the approval page's address; the seller approves in any browser and pastes back
the address the marketplace sent the browser to. Here the "seller" is a small script that opens
the printed address on the sandbox's real page, approves, and pastes the redirect it got."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from django.core.management import CommandError, call_command

from satustok.channels.models import ChannelAccount, Health

pytestmark = pytest.mark.django_db

DEMO_SHOPEE_SHOP = 7700001
DEMO_TIKTOK_SHOP = "7494000000000000001"


class PastingSeller(io.StringIO):
    """Standard input of the command: first the secret, then — once the command has printed
    the approval page's address — the address the approved page redirected to."""

    def __init__(self, secret: str, printed: io.StringIO, choice: dict[str, str]) -> None:
        super().__init__()
        self.lines = [secret]
        self.printed, self.choice = printed, choice

    def readline(self, *args: Any) -> str:
        if self.lines:
            return self.lines.pop(0) + "\n"
        url = re.search(r"https?://\S+", self.printed.getvalue())
        assert url is not None, "the command printed no approval address"
        return approve(url.group(0), self.choice) + "\n"


def approve(url: str, choice: dict[str, str]) -> str:
    """Open the approval page, press the approve button, return where it redirects."""
    with httpx.Client(trust_env=False, timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        session = re.search(r"name='session' value='([^']+)'", page.text)
        action = re.search(r"<form method='post' action='([^']+)'", page.text)
        assert session and action
        answer = browser.post(
            urljoin(str(page.url), action.group(1)),
            data={"session": session.group(1), "decision": "approve", **choice},
        )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def authorize(
    channel: str, options: list[str], out: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> Any:
    """Run the command (its prompt and address to ``out``); the JSON document it printed."""
    capsys.readouterr()
    call_command("integrations", "authorize", channel, *options, "--json", stdout=out)
    return json.loads(capsys.readouterr().out)


def test_shopee_connects_from_the_terminal(
    hub_shopee: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    partner = hub_shopee.partner()
    out = io.StringIO()
    seller = PastingSeller(partner["partner_key"], out, {"shop_id": str(DEMO_SHOPEE_SHOP)})
    monkeypatch.setattr("sys.stdin", seller)
    added = authorize("shopee", ["--partner-id", str(partner["partner_id"])], out, capsys)
    account = ChannelAccount.objects.get(pk=added["id"])
    assert (account.channel, account.shop_id) == ("shopee", str(DEMO_SHOPEE_SHOP))
    assert account.health == Health.CONNECTED and account.refresh_token
    assert partner["partner_key"] not in out.getvalue()


def test_tiktokshop_connects_from_the_terminal(
    hub_tiktokshop: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings.PUBLIC_URL = "http://hub.example.id"
    hub_tiktokshop.set_redirect_url("http://hub.example.id/integrations/authorized/tiktokshop/")
    app = hub_tiktokshop.app()
    out = io.StringIO()
    seller_account = {"open_id": hub_tiktokshop.info["sellers"][0]["open_id"]}
    monkeypatch.setattr("sys.stdin", PastingSeller(app["app_secret"], out, seller_account))
    options = ["--app-key", app["app_key"], "--service-id", app["service_id"]]
    added = authorize("tiktokshop", options, out, capsys)
    account = ChannelAccount.objects.get(pk=added["id"])
    assert (account.channel, account.shop_id) == ("tiktokshop", DEMO_TIKTOK_SHOP)
    assert account.shop_handle and account.health == Health.CONNECTED


def test_a_pasted_address_from_another_run_is_refused_and_nothing_is_saved(
    hub_tiktokshop: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.PUBLIC_URL = "http://hub.example.id"
    app = hub_tiktokshop.app()
    stale = "http://hub.example.id/integrations/authorized/tiktokshop/?code=abc&state=other"
    monkeypatch.setattr("sys.stdin", io.StringIO(app["app_secret"] + "\n" + stale + "\n"))
    options = ["--app-key", app["app_key"], "--service-id", app["service_id"]]
    with pytest.raises(CommandError) as refused:
        call_command("integrations", "authorize", "tiktokshop", *options, stdout=io.StringIO())
    assert refused.value.returncode == 2 and "state" in str(refused.value)
    assert not ChannelAccount.objects.exists()


def test_a_credentials_channel_has_no_authorize_command() -> None:
    with pytest.raises(CommandError):
        call_command("integrations", "authorize", "tokopedia", stdout=io.StringIO())
