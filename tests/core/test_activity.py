"""The activity log: each logged action records who (and through which front end), what it was
before and after, and never a secret; the Activity page filters by user, action and day."""

from __future__ import annotations

import getpass
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from roles_support import an_integration, user_with_role
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import connect_shop, default_warehouse
from satustok.channels.linking import link_by_hand
from satustok.channels.models import ChannelAccount, Listing
from satustok.core import activity, users
from satustok.core.access import Role
from satustok.core.activity import Action
from satustok.core.models import Activity, Via
from satustok.inventory import stock
from satustok.sync import imports
from satustok.sync.models import RunMode

pytestmark = pytest.mark.django_db
SECRET = "a-client-secret-of-some-length"


@pytest.fixture
def variant() -> Variant:
    made = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K-1")
    stock.set_on_hand(default_warehouse().pk, made.pk, 5, reference="test")
    return made


@pytest.fixture
def account() -> ChannelAccount:
    return an_integration(client_secret=SECRET)


def only(action: str) -> Activity:
    found = list(Activity.objects.filter(action=action))
    assert len(found) == 1, [str(entry) for entry in Activity.objects.all()]
    return found[0]


def logged_in(client: Client, role: str, name: str) -> Any:
    user = user_with_role(role, name)
    client.force_login(user)
    return user


def test_a_stock_adjustment_in_the_ui_records_who_and_before_after(
    client: Client, variant: Variant
) -> None:
    staff = logged_in(client, Role.STAFF, "sari")
    client.post(
        reverse("web:inventory_sku", args=[variant.pk]),
        {"action": "add", "quantity": "3", "reason": "received"},
    )
    entry = only(Action.STOCK_ADJUSTED)
    assert (entry.actor, entry.actor_name, entry.via) == (staff, "sari", Via.UI)
    assert entry.before == {"on_hand": 5}
    assert entry.after is not None and entry.after["on_hand"] == 8
    assert (entry.after["change"], entry.after["reason"]) == ("add", "received")
    assert entry.target_label == "K-1 @ Gudang Utama"


def test_a_stock_adjustment_over_the_api_is_logged_via_the_api(
    client: Client, variant: Variant
) -> None:
    user = user_with_role(Role.STAFF, "skrip")
    key = tokens.issue(user, "script").key
    client.post(
        "/api/stock/adjustments",
        json.dumps({"sku": "K-1", "action": "set", "quantity": 9, "reason": "count"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    entry = only(Action.STOCK_ADJUSTED)
    assert (entry.actor_name, entry.via) == ("skrip", Via.API)
    assert (entry.before, entry.after and entry.after["on_hand"]) == ({"on_hand": 5}, 9)


def test_a_stock_adjustment_at_the_command_line_is_the_operators(variant: Variant) -> None:
    call_command("stock", "remove", "K-1", "2", "--reason", "broken", stdout=io.StringIO())
    entry = only(Action.STOCK_ADJUSTED)
    assert (entry.actor, entry.actor_name, entry.via) == (None, getpass.getuser(), Via.CLI)
    assert entry.after is not None and (entry.before, entry.after["on_hand"]) == ({"on_hand": 5}, 3)


def test_switching_push_records_before_and_after(client: Client, account: ChannelAccount) -> None:
    logged_in(client, Role.ADMIN, "adi")
    client.post(reverse("web:integration_push", args=[account.pk]), {"push_stock": "on"})
    entry = only(Action.PUSH_SWITCHED)
    assert (entry.actor_name, entry.before, entry.after) == (
        "adi",
        {"push_stock": False},
        {"push_stock": True},
    )
    assert (entry.target_type, entry.target_id) == ("channels.channelaccount", str(account.pk))


def test_connecting_logs_that_credentials_were_set_never_what_they_are(
    sandbox: Any, demo_credentials: Any
) -> None:
    credentials = demo_credentials(sandbox)
    with activity.acting(lambda: activity.Actor(None, "pemilik", Via.UI)):
        account = connect_shop("tokopedia", credentials, "480001")
    entry = only(Action.INTEGRATION_CONNECTED)
    assert entry.actor_name == "pemilik" and entry.target_id == str(account.pk)
    assert entry.after is not None and entry.after["credentials"] == activity.CHANGED
    everything = json.dumps(list(Activity.objects.values("before", "after", "target_label")))
    assert credentials.client_secret not in everything


def test_api_tokens_created_and_revoked_are_logged_without_their_key() -> None:
    user = user_with_role(Role.OWNER, "pemilik")
    out = io.StringIO()
    call_command(
        "api", "token", "create", "pemilik", "--name", "laporan", "--read-only", stdout=out
    )
    key = out.getvalue().strip()
    created = only(Action.TOKEN_CREATED)
    assert created.via == Via.CLI and created.after is not None
    assert created.after["read_only"] is True and created.after["user"] == "pemilik"
    tokens.revoke(tokens.find_active(key) or user.api_tokens.get())
    revoked = only(Action.TOKEN_REVOKED)
    assert revoked.before is not None and revoked.before["name"] == "laporan"
    everything = json.dumps(list(Activity.objects.values("before", "after", "target_label")))
    assert key not in everything and key[12:] not in everything


def test_user_management_is_logged_with_roles_before_and_after(client: Client) -> None:
    owner = logged_in(client, Role.OWNER, "pemilik")
    with activity.acting(lambda: activity.actor_for(owner, Via.UI)):
        invited = users.invite("cici", "", Role.VIEWER, owner)
        budi = users.create_user("budi", "", Role.STAFF, "kopi-susu-gula-aren-42", owner)
        users.set_role(budi, Role.ADMIN)
        users.deactivate(budi)
    assert only(Action.USER_INVITED).after == {"role": Role.VIEWER}
    assert only(Action.USER_CREATED).after == {"role": Role.STAFF}
    changed = only(Action.ROLE_CHANGED)
    assert (changed.before, changed.after) == ({"role": Role.STAFF}, {"role": Role.ADMIN})
    assert only(Action.USER_DEACTIVATED).after == {"active": False}
    assert set(Activity.objects.values_list("actor_name", flat=True)) == {"pemilik"}
    assert invited.key not in json.dumps(list(Activity.objects.values("before", "after")))


def test_a_listing_linked_by_hand_records_the_sku_before_and_after(
    account: ChannelAccount, variant: Variant
) -> None:
    listing = Listing.objects.create(account=account, external_id="77", sku="", name="Kaos")
    link_by_hand(listing, "k-1")
    entry = only(Action.LISTING_LINKED)
    assert entry.before == {"variant": None, "link": "unlinked"}
    assert entry.after == {"variant": "K-1", "link": "manual"}


def test_an_import_start_and_end_are_logged_under_who_started_it(
    account: ChannelAccount,
) -> None:
    admin = user_with_role(Role.ADMIN, "adi")
    with activity.acting(lambda: activity.actor_for(admin, Via.UI)):
        run = imports.start_run(account, RunMode.PREVIEW, admin)
    imports.fail(run, "the channel was down")  # the worker ends it, outside any request
    started, finished = only(Action.IMPORT_STARTED), only(Action.IMPORT_FINISHED)
    assert (started.actor_name, started.after) == ("adi", {"mode": "preview"})
    assert finished.actor_name == "adi" and finished.after is not None
    assert (finished.after["state"], finished.after["error"]) == ("failed", "the channel was down")


def test_the_activity_page_filters_by_user_action_and_day(client: Client, variant: Variant) -> None:
    logged_in(client, Role.ADMIN, "adi")
    for name in ("sari", "tono"):
        with activity.acting(lambda name=name: activity.Actor(None, name, Via.UI)):  # type: ignore[misc]
            activity.record(None, Action.STOCK_ADJUSTED, variant, after={"on_hand": 1})
    activity.record(None, Action.PUSH_SWITCHED, None, label="Toko Satu")
    page = client.get(reverse("web:activity"), {"user": "sari"}).content.decode()
    table = page.split('id="activity"', 1)[1]
    assert table.count("<tr data-action") == 1 and "sari" in table and "tono" not in table
    pushes = client.get(reverse("web:activity"), {"action": Action.PUSH_SWITCHED}).content
    assert pushes.decode().count("<tr data-action") == 1
    future = client.get(reverse("web:activity"), {"since": "2999-01-01"}).content.decode()
    assert "<tr data-action" not in future
    nonsense = client.get(reverse("web:activity"), {"since": "kemarin", "page": "x"})
    assert nonsense.status_code == 200 and nonsense.content.decode().count("<tr data-action") == 3


def test_every_permission_has_words_for_its_refusal() -> None:
    """A permission without a refusal sentence made a refused request a 500 instead of a 403."""
    from satustok.core.access import Permission, refusal

    for permission in Permission:
        assert refusal(permission), permission
