"""Secrets are encrypted at rest and never shown by accident."""

from __future__ import annotations

import pytest
from django.db import connection

from satustok.catalog.models import MasterProduct  # noqa: F401  (app registry warm-up)
from satustok.channels.models import ChannelAccount
from satustok.core.crypto import Secret, mask
from satustok.inventory.models import Warehouse

PLAIN = "tokopedia-client-secret-0123456789"


@pytest.fixture
def account(db) -> ChannelAccount:
    warehouse = Warehouse.objects.create(name="Gudang Utama", code="utama")
    return ChannelAccount.objects.create(
        channel="tokopedia",
        shop_id="480001",
        app_id="15001",
        client_id="cid",
        client_secret=PLAIN,
        warehouse=warehouse,
    )


def test_the_database_holds_ciphertext_not_the_secret(account: ChannelAccount) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM channels_channelaccount WHERE id = %s", [account.id]
        )
        (stored,) = cursor.fetchone()
    assert PLAIN not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_the_secret_reads_back_intact(account: ChannelAccount) -> None:
    fresh = ChannelAccount.objects.get(pk=account.pk)
    assert isinstance(fresh.client_secret, Secret)
    assert fresh.client_secret.reveal() == PLAIN


def test_repr_str_and_format_never_show_the_secret(account: ChannelAccount) -> None:
    secret = ChannelAccount.objects.get(pk=account.pk).client_secret
    # "%s" is how logging formats its arguments.
    for shown in (repr(secret), str(secret), f"{secret}", "%s" % secret):  # noqa: UP031
        assert PLAIN not in shown
    assert str(secret).endswith(PLAIN[-4:])


def test_short_secrets_are_fully_masked() -> None:
    assert mask("abc123") == "••••••••"
    assert "3456" not in mask("123456")


def test_values_queries_decrypt_too(account: ChannelAccount) -> None:
    (value,) = ChannelAccount.objects.values_list("client_secret", flat=True)
    assert value.reveal() == PLAIN


def test_a_fresh_object_masks_its_secret_too(account: ChannelAccount) -> None:
    assert isinstance(account.client_secret, Secret)
    assert PLAIN not in repr(account.__dict__)
