"""Connecting a Tokopedia shop against the sandbox: success, and each failure with its own
message, in the order the seller can act on them. A failure saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount, Health
from satustok.channels.problems import Problem, SellerProblem

pytestmark = pytest.mark.django_db

SHOP_A, SHOP_B, REGULAR, HOLIDAY, OTHER_APP = "480001", "480002", "480003", "480004", "480005"


@pytest.fixture
def connect(sandbox: Any, demo_credentials: Callable[..., Any]) -> Callable[..., ChannelAccount]:
    def attempt(shop_id: str, **credential_overrides: Any) -> ChannelAccount:
        return connect_shop("tokopedia", demo_credentials(sandbox, **credential_overrides), shop_id)

    return attempt


@pytest.fixture
def refused(connect: Callable[..., ChannelAccount]) -> Callable[..., SellerProblem]:
    """Connect, expect a seller problem, and check that nothing was saved."""

    def attempt(shop_id: str, **credential_overrides: Any) -> SellerProblem:
        with pytest.raises(SellerProblem) as caught:
            connect(shop_id, **credential_overrides)
        assert not ChannelAccount.objects.exists(), "a failed connect must save nothing"
        return caught.value

    return attempt


def test_a_good_shop_connects_with_its_name_and_warehouses(sandbox: Any, connect) -> None:  # type: ignore[no-untyped-def]
    account = connect(SHOP_A)
    assert account.shop_name == sandbox.shop(int(SHOP_A))["name"]
    assert account.shop_warehouses and account.shop_warehouses[0]["name"]
    assert account.health == Health.CONNECTED
    assert account.push_stock is False  # off until reviewed


def test_the_secret_is_stored_encrypted(sandbox: Any, connect) -> None:  # type: ignore[no-untyped-def]
    secret = sandbox.app(fs_id=15001)["client_secret"]
    account = connect(SHOP_A)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM channels_channelaccount WHERE id = %s", [account.pk]
        )
        assert secret not in cursor.fetchone()[0]
    assert ChannelAccount.objects.get().client_secret.reveal() == secret


def test_wrong_secret(refused) -> None:  # type: ignore[no-untyped-def]
    found = refused(SHOP_A, secret="not-the-secret-at-all")
    assert found.problem == Problem.CREDENTIALS_REJECTED
    assert "15001" in found.explanation


@pytest.mark.parametrize("shop_id", [REGULAR, OTHER_APP])
def test_a_shop_the_app_cannot_reach_explains_both_causes(refused, shop_id: str) -> None:  # type: ignore[no-untyped-def]
    found = refused(shop_id)
    assert found.problem == Problem.NOT_ASSOCIATED
    with translation.override("en"):
        assert "Official Store or a Power Merchant" in found.explanation
        assert "another system" in found.explanation
    with translation.override("id"):
        assert "sistem lain" in found.explanation


def test_a_shop_on_holiday(sandbox: Any, refused) -> None:  # type: ignore[no-untyped-def]
    found = refused(HOLIDAY)
    assert found.problem == Problem.SHOP_CLOSED
    assert sandbox.shop(int(HOLIDAY))["name"] in found.headline


def test_a_shop_already_integrated(connect) -> None:  # type: ignore[no-untyped-def]
    connect(SHOP_B)
    with pytest.raises(SellerProblem) as caught:
        connect(SHOP_B)
    assert caught.value.problem == Problem.ALREADY_CONNECTED
    assert ChannelAccount.objects.count() == 1


def test_rate_limited_says_try_again_and_saves_nothing(sandbox: Any, refused) -> None:  # type: ignore[no-untyped-def]
    sandbox.set_faults(rate_limit_next=50)
    assert refused(SHOP_A).problem == Problem.RATE_LIMITED


def test_unreachable_says_try_again_and_saves_nothing(settings: Any, refused) -> None:  # type: ignore[no-untyped-def]
    settings.TOKOPEDIA_ACCOUNTS_URL = "http://127.0.0.1:9/tokopedia/accounts"  # nothing listens
    settings.TOKOPEDIA_API_URL = "http://127.0.0.1:9/tokopedia/fs"
    assert refused(SHOP_A).problem == Problem.UNREACHABLE
