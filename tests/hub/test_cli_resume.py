"""``satustok import … --resume RUN``: an unknown run or another integration's run is refused
with a sentence and exit code 2 (never a traceback); the integration's own run resumes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount
from satustok.sync import imports
from satustok.sync.models import ImportRun, RunMode, RunState

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shops(fast_sandbox: Any, demo_credentials: Callable[..., Any]) -> list[ChannelAccount]:
    credentials = demo_credentials(fast_sandbox)
    return [connect_shop("tokopedia", credentials, shop) for shop in ("480001", "480002")]


def resume(account: ChannelAccount, run_id: int, *extra: str) -> None:
    call_command("import", "tokopedia", str(account.pk), "--resume", str(run_id), *extra)


def test_an_unknown_run_id_exits_2_with_a_sentence(two_shops: list[ChannelAccount]) -> None:
    with pytest.raises(CommandError) as refused:
        resume(two_shops[0], 987654)
    assert refused.value.returncode == 2
    assert "No import run with id 987654" in str(refused.value)
    assert not ImportRun.objects.exists()  # nothing was started instead


def test_another_integrations_run_is_refused_and_left_alone(
    two_shops: list[ChannelAccount],
) -> None:
    shop_a, shop_b = two_shops
    foreign = imports.start_run(shop_b, RunMode.PREVIEW)
    with pytest.raises(CommandError) as refused:
        resume(shop_a, foreign.pk)
    assert refused.value.returncode == 2
    assert f"belongs to integration {shop_b.pk}, not {shop_a.pk}" in str(refused.value)
    foreign.refresh_from_db()
    assert foreign.state == RunState.QUEUED and foreign.pages_done == 0


def test_the_integrations_own_run_resumes(
    two_shops: list[ChannelAccount], capsys: pytest.CaptureFixture[str]
) -> None:
    own = imports.start_run(two_shops[0], RunMode.PREVIEW)
    resume(two_shops[0], own.pk, "--json")
    document = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert document["state"] == "done"
    own.refresh_from_db()
    assert own.state == RunState.DONE and ImportRun.objects.count() == 1


def test_the_console_refusal_has_no_traceback(
    two_shops: list[ChannelAccount], capsys: pytest.CaptureFixture[str]
) -> None:
    """What the operator sees: Django prints a CommandError's message and exits with its code."""
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["satustok", "import", "tokopedia", str(two_shops[0].pk)])
    utility.argv += ["--resume", "424242"]
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 2
    stderr = capsys.readouterr().err
    assert "No import run with id 424242" in stderr and "Traceback" not in stderr
