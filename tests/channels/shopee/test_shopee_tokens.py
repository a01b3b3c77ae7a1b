"""The Shopee token keeper against the sandbox: a valid token is used as stored, an expiring one
is refreshed exactly once — also when threads and processes ask at the same moment — and the new
pair is stored encrypted; a refused refresh marks the integration for reconnecting, for good."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from django.utils import timezone
from shopee_client_helpers import DEMO_SHOP

from satustok.channels.http.errors import AuthError
from satustok.channels.models import ChannelAccount, Health
from satustok.channels.shopee.adapter import ShopeeConnector
from satustok.channels.shopee.tokens import (
    REFRESH_MARGIN,
    AuthorizationEnded,
    ShopSession,
    access_token_for,
    force_refresh,
    with_fresh_token,
)
from satustok.core.crypto import decrypt

if TYPE_CHECKING:
    from conftest import MakeAccount
    from satustok_sandbox.shopee.handle import ShopeeControl

EXPIRING = REFRESH_MARGIN / 2  # what the hub believes: the token ends within the margin
WORKER = Path(__file__).with_name("token_race_worker.py")


def refresh_ledger(shopee: ShopeeControl) -> dict[str, Any]:
    return shopee.refresh_token_uses()


def stored_ciphertext(account: ChannelAccount) -> tuple[str, str]:
    """The access and refresh token columns as the database holds them."""
    table = ChannelAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT access_token, refresh_token FROM {table} WHERE id = %s",
            [account.pk],
        )
        access, refresh = cursor.fetchone()
    return access, refresh


def assert_no_refresh_token_spent_twice(shopee: ShopeeControl) -> None:
    ledger = refresh_ledger(shopee)
    assert ledger["reused"] == [] and ledger["max_uses"] <= 1, ledger


@pytest.mark.django_db
def test_a_valid_token_is_used_as_stored(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    stored = shopee_account.access_token.reveal()  # type: ignore[union-attr]
    assert access_token_for(shopee_account) == stored
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 0


@pytest.mark.django_db
def test_an_expiring_token_is_refreshed_once_and_stored_encrypted(
    make_shopee_account: MakeAccount, shopee_hub: ShopeeControl
) -> None:
    account = make_shopee_account(expires_in=EXPIRING)
    old_access = account.access_token.reveal()  # type: ignore[union-attr]
    old_refresh = account.refresh_token.reveal()  # type: ignore[union-attr]

    token = access_token_for(account)
    assert token != old_access
    assert access_token_for(account) == token  # now valid: no second refresh
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1

    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.access_token.reveal() == token  # type: ignore[union-attr]
    new_refresh = stored.refresh_token.reveal()  # type: ignore[union-attr]
    assert new_refresh != old_refresh
    now = timezone.now()
    assert abs(stored.token_expires_at - (now + timedelta(hours=4))) < timedelta(minutes=1)  # type: ignore[operator]
    assert abs(stored.refresh_expires_at - (now + timedelta(days=30))) < timedelta(minutes=1)  # type: ignore[operator]
    access_cipher, refresh_cipher = stored_ciphertext(account)
    assert token not in access_cipher and new_refresh not in refresh_cipher
    assert (decrypt(access_cipher), decrypt(refresh_cipher)) == (token, new_refresh)
    # The pair the hub stored is the one Shopee now honours: the old refresh token is spent.
    ledger = {row["refresh_token"]: row for row in refresh_ledger(shopee_hub)["tokens"]}
    assert ledger[old_refresh]["replaced_by"] == new_refresh
    assert ledger[new_refresh]["uses"] == 0
    assert_no_refresh_token_spent_twice(shopee_hub)


@pytest.mark.django_db
def test_the_new_token_works_for_shop_calls(
    make_shopee_account: MakeAccount, shopee_hub: ShopeeControl
) -> None:
    account = make_shopee_account(expires_in=EXPIRING)
    shopee_hub.expire_access_tokens(DEMO_SHOP)  # the old one would be refused now
    session = ShopSession(account)
    try:
        assert session.call(lambda client: client.get_shop_info()).shop_name == "Demo Shopee Store"
    finally:
        session.close()
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1


@pytest.mark.django_db
def test_a_refused_token_that_looked_valid_is_refreshed_once_then_the_call_succeeds(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    old_access = shopee_account.access_token.reveal()  # type: ignore[union-attr]
    shopee_hub.expire_access_tokens(DEMO_SHOP)  # Shopee ended it early; the hub cannot know
    source = ShopeeConnector().catalog_source(shopee_account)
    try:
        assert source.page(1).units
    finally:
        source.close()
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1
    stored = ChannelAccount.objects.get(pk=shopee_account.pk)
    assert stored.access_token.reveal() != old_access  # type: ignore[union-attr]
    errors = shopee_hub.stats()["apis"]["product/get_item_list"]["errors"]
    assert errors == {"error_auth": 1}  # refused once, then read with the new token


@pytest.mark.django_db
def test_a_token_refused_again_after_the_refresh_is_not_refreshed_again(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    calls: list[str] = []

    def refused(token: str) -> None:
        calls.append(token)
        from satustok.channels.http.errors import TokenExpired

        raise TokenExpired("Invalid access_token.", error_code="error_auth")

    with pytest.raises(AuthError):
        with_fresh_token(shopee_account, refused)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1


@pytest.mark.django_db
def test_force_refresh_uses_the_token_another_worker_already_stored(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    refused = shopee_account.access_token.reveal()  # type: ignore[union-attr]
    other_worker = ChannelAccount.objects.get(pk=shopee_account.pk)
    replaced = force_refresh(other_worker, refused=refused)
    # This worker's request was refused with the old token meanwhile: no second refresh.
    assert force_refresh(shopee_account, refused=refused) == replaced
    assert shopee_account.access_token.reveal() == replaced  # type: ignore[union-attr]
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_revoked_authorization_ends_and_the_mark_is_committed(
    make_shopee_account: MakeAccount, shopee_hub: ShopeeControl
) -> None:
    account = make_shopee_account(expires_in=EXPIRING)
    shopee_hub.revoke(DEMO_SHOP)
    with pytest.raises(AuthorizationEnded) as ended:
        access_token_for(account)
    assert isinstance(ended.value, AuthError)
    stored = ChannelAccount.objects.get(pk=account.pk)  # autocommit: what other workers see
    assert stored.health == Health.NEEDS_RECONNECT
    # Written in the hub's language (Indonesian unless configured otherwise), with the cause.
    assert "Hubungkan ulang" in stored.health_message and "error_auth" in stored.health_message
    assert stored.health_checked_at is not None
    assert account.health == Health.NEEDS_RECONNECT  # the caller's object knows too
    # The refresh token is dead: it is not presented again, whoever asks.
    with pytest.raises(AuthorizationEnded):
        access_token_for(ChannelAccount.objects.get(pk=account.pk))
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1


@pytest.mark.django_db
def test_no_secret_reaches_reprs_or_logs(
    make_shopee_account: MakeAccount,
    shopee_hub: ShopeeControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    account = make_shopee_account(expires_in=EXPIRING)
    old_refresh = account.refresh_token.reveal()  # type: ignore[union-attr]
    session = ShopSession(account)
    try:
        session.call(lambda client: client.get_shop_info())
        shopee_hub.revoke(DEMO_SHOP)
        shopee_hub.expire_access_tokens(DEMO_SHOP)
        with pytest.raises(AuthorizationEnded) as ended:
            session.call(lambda client: client.get_shop_info())
        texts = [caplog.text, repr(session), repr(ended.value), str(ended.value)]
    finally:
        session.close()
    new_access = ChannelAccount.objects.get(pk=account.pk).access_token.reveal()  # type: ignore[union-attr]
    for secret in (shopee_hub.partner_key, old_refresh, new_access):
        assert not any(secret in text for text in texts)


# --- the race: several workers find the same expiring token at once -----------------------


def _race_threads(account_id: int, count: int) -> list[str | Exception]:
    """``count`` threads, each with its own database connection and its own copy of the
    integration, call ``access_token_for`` at the same moment."""
    barrier = threading.Barrier(count)
    results: list[str | Exception] = [""] * count

    def worker(index: int) -> None:
        try:
            account = ChannelAccount.objects.get(pk=account_id)
            barrier.wait(timeout=10)
            results[index] = access_token_for(account)
        except Exception as failure:
            results[index] = failure
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_threads_racing_on_an_expiring_token_refresh_it_once(
    make_shopee_account: MakeAccount, shopee_hub: ShopeeControl
) -> None:
    account = make_shopee_account(expires_in=EXPIRING)
    shopee_hub.set_faults(latency_ms=300)  # a slow refresh: every thread arrives during it
    results = _race_threads(account.pk, 4)
    assert all(isinstance(result, str) and result for result in results), results
    assert len(set(results)) == 1
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1
    assert_no_refresh_token_spent_twice(shopee_hub)
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.access_token.reveal() == results[0]  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_threads_racing_on_a_revoked_authorization_ask_shopee_once(
    make_shopee_account: MakeAccount, shopee_hub: ShopeeControl
) -> None:
    account = make_shopee_account(expires_in=EXPIRING)
    shopee_hub.revoke(DEMO_SHOP)
    shopee_hub.set_faults(latency_ms=300)
    results = _race_threads(account.pk, 3)
    assert all(isinstance(result, AuthorizationEnded) for result in results), results
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.NEEDS_RECONNECT


@pytest.mark.django_db(transaction=True)
def test_processes_racing_on_an_expiring_token_refresh_it_once(
    make_shopee_account: MakeAccount, shopee_hub: ShopeeControl
) -> None:
    account = make_shopee_account(expires_in=EXPIRING)
    shopee_hub.set_faults(latency_ms=300)
    env = {
        **os.environ,
        "SATUSTOK_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "SATUSTOK_SHOPEE_API_URL": shopee_hub.base_url,
    }
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(account.pk)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for worker in workers:  # go: all at once
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert all("token" in result for result in results), outputs
    assert len({result["token"] for result in results}) == 1
    assert refresh_ledger(shopee_hub)["refresh_calls"] == 1
    assert_no_refresh_token_spent_twice(shopee_hub)
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.access_token.reveal() == results[0]["token"]  # type: ignore[union-attr]
