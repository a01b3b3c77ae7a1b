"""Integrations over the API: connecting against the sandbox (each failure with its own code
and status), listing, showing, and switching push on and off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import ApiClient, connect_body, make_account, make_listing, make_variant

from satustok.api.errors import PROBLEM_STATUS
from satustok.api.routes import integrations as route
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import Problem, problem

pytestmark = pytest.mark.django_db

SHOP_A, REGULAR, HOLIDAY = 480001, 480003, 480004


@pytest.fixture
def connect(
    api: ApiClient, sandbox: Any, demo_credentials: Callable[..., Any]
) -> Callable[..., Any]:
    def attempt(shop_id: int, **credential_overrides: Any) -> Any:
        body = connect_body(demo_credentials(sandbox, **credential_overrides), shop_id)
        return api.post("/integrations", body)

    return attempt


def test_connecting_a_good_shop_answers_201_with_the_secret_masked(
    connect: Callable[..., Any], sandbox: Any
) -> None:
    secret = sandbox.app(fs_id=15001)["client_secret"]
    response = connect(SHOP_A)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["shop_name"] == sandbox.shop(SHOP_A)["name"]
    assert (body["app_id"], body["shop_id"], body["health"]) == ("15001", "480001", "connected")
    assert body["push_stock"] is False
    assert body["client_secret"].endswith(secret[-4:]) and secret not in response.content.decode()
    assert body["shop_warehouses"] and body["warehouse"]["code"] == "utama"
    assert ChannelAccount.objects.get().client_secret.reveal() == secret


def test_a_wrong_secret_is_400_credentials_rejected(connect: Callable[..., Any]) -> None:
    response = connect(SHOP_A, secret="not-the-secret-at-all")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "credentials_rejected"
    assert body["detail"] and "15001" in body["explanation"]
    assert not ChannelAccount.objects.exists()


def test_a_shop_not_linked_to_the_app_is_422_and_explains_both_causes(
    connect: Callable[..., Any],
) -> None:
    response = connect(REGULAR)
    assert (response.status_code, response.json()["code"]) == (422, "not_associated")
    assert "sistem lain" in response.json()["explanation"]  # Bahasa Indonesia by default


def test_a_shop_on_holiday_is_409(connect: Callable[..., Any], sandbox: Any) -> None:
    response = connect(HOLIDAY)
    assert (response.status_code, response.json()["code"]) == (409, "shop_closed")
    assert sandbox.shop(HOLIDAY)["name"] in response.json()["detail"]


def test_connecting_twice_is_409_already_connected(connect: Callable[..., Any]) -> None:
    assert connect(SHOP_A).status_code == 201
    response = connect(SHOP_A)
    assert (response.status_code, response.json()["code"]) == (409, "already_connected")
    assert ChannelAccount.objects.count() == 1


def test_an_unreachable_channel_is_503(
    api: ApiClient, settings: Any, demo_credentials: Callable[..., Any], sandbox: Any
) -> None:
    credentials = demo_credentials(sandbox)
    settings.TOKOPEDIA_ACCOUNTS_URL = "http://127.0.0.1:9/tokopedia/accounts"  # nothing listens
    settings.TOKOPEDIA_API_URL = "http://127.0.0.1:9/tokopedia/fs"
    response = api.post("/integrations", connect_body(credentials, SHOP_A))
    assert (response.status_code, response.json()["code"]) == (503, "unreachable")


@pytest.mark.parametrize("kind", list(Problem))
def test_every_seller_problem_has_a_status_code_and_words(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch, kind: Problem
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise problem(kind, channel="Tokopedia", shop_id="480001", app_id="15001", cause="x")

    monkeypatch.setattr(route, "connect_shop", refuse)
    body = {"fs_id": "15001", "shop_id": "480001", "client_id": "c", "client_secret": "s"}
    response = api.post("/integrations", body)
    assert response.status_code == PROBLEM_STATUS[kind]
    assert 400 <= response.status_code < 600 and response.status_code not in (401, 403)
    assert response.json()["code"] == kind.value
    assert response.json()["detail"] and response.json()["explanation"]
    if kind == Problem.RATE_LIMITED:
        assert int(response["Retry-After"]) > 0


def test_seller_problems_speak_the_requested_language(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise problem(Problem.ALREADY_CONNECTED, shop_id="480001", existing="Toko")

    monkeypatch.setattr(route, "connect_shop", refuse)
    body = {"fs_id": "15001", "shop_id": "480001", "client_id": "c", "client_secret": "s"}
    default = api._call("post", "/integrations", body)
    english = api._call("post", "/integrations", body, headers={"Accept-Language": "en"})
    assert default.json()["detail"] == "Toko ini sudah terhubung"  # Bahasa Indonesia first
    assert english.json()["detail"] == "This shop is already connected"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"fs_id": "abc", "shop_id": "480001", "client_id": "c", "client_secret": "s"}, {"fs_id"}),
        ({"fs_id": "15001", "shop_id": "480001", "client_id": "c"}, {"client_secret"}),
        (
            {"fs_id": "15001", "shop_id": "1", "client_id": " ", "client_secret": "s"},
            {"client_id"},
        ),
        (
            {"fs_id": "1", "shop_id": "1", "client_id": "c", "client_secret": "s", "x": 1},
            {"x"},
        ),
        (
            {
                "channel": "shopee",
                "fs_id": "1",
                "shop_id": "1",
                "client_id": "c",
                "client_secret": "s",
            },
            {"channel"},
        ),
    ],
)
def test_bad_connect_input_is_422_naming_the_fields(
    api: ApiClient, body: dict[str, Any], fields: set[str]
) -> None:
    response = api.post("/integrations", body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert {error["field"] for error in response.json()["errors"]} == fields
    assert not ChannelAccount.objects.exists()


def test_numbers_are_accepted_for_the_ids(
    connect: Callable[..., Any], api: ApiClient, sandbox: Any, demo_credentials: Any
) -> None:
    body = connect_body(demo_credentials(sandbox), SHOP_A)
    body["fs_id"], body["shop_id"] = int(body["fs_id"]), int(body["shop_id"])
    assert api.post("/integrations", body).status_code == 201


def test_list_and_show(api: ApiClient) -> None:
    first, second = make_account("480001"), make_account("480002")
    make_listing(first, "1")
    listed = api.get("/integrations").json()
    assert listed["count"] == 2
    assert [(i["id"], i["listings"]) for i in listed["items"]] == [(first.pk, 1), (second.pk, 0)]
    assert "a-client-secret" not in str(listed)
    assert api.get(f"/integrations/{second.pk}").json()["shop_id"] == "480002"
    assert api.get("/integrations", limit=1, offset=1).json()["items"][0]["id"] == second.pk


def test_an_unknown_integration_is_404(api: ApiClient) -> None:
    response = api.get("/integrations/999")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_switching_push_stock_on_marks_every_linked_listing_for_a_push(api: ApiClient) -> None:
    account = make_account()
    linked = make_listing(account, "1", variant=make_variant("KAOS-1", on_hand=3))
    unlinked = make_listing(account, "2")
    response = api.patch(f"/integrations/{account.pk}", {"push_stock": True})
    assert response.status_code == 200 and response.json()["push_stock"] is True
    linked.refresh_from_db()
    unlinked.refresh_from_db()
    assert (linked.needs_push, unlinked.needs_push) == (True, False)
    off = api.patch(f"/integrations/{account.pk}", {"push_stock": False})
    assert off.json()["push_stock"] is False
    account.refresh_from_db()
    assert account.push_stock is False


def test_bad_settings_are_422_and_change_nothing(api: ApiClient) -> None:
    account = make_account()
    for body in ({"push_stok": True}, {"push_stock": "maybe"}):
        response = api.patch(f"/integrations/{account.pk}", body)
        assert response.status_code == 422, body
    account.refresh_from_db()
    assert account.push_stock is False
    assert api.patch("/integrations/999", {"push_stock": True}).status_code == 404


def test_bad_ids_get_the_forms_words_not_a_regex(api: ApiClient) -> None:
    body = {"fs_id": "15OO1", "shop_id": "480001", "client_id": "c", "client_secret": "s"}
    response = api._call("post", "/integrations", body, headers={"Accept-Language": "en"})
    assert response.json()["errors"][0]["message"] == "FS ID is a number, e.g. 15001."


def test_moving_a_shop_onto_its_new_integration(api: ApiClient) -> None:
    legacy = make_account("480001")
    successor = make_account("7494000000000000001", channel="tiktokshop", app_id="6d3")
    shirt = make_variant("KAOS-1", on_hand=3)
    make_listing(legacy, "1", variant=shirt)
    make_listing(successor, "P:S", variant=shirt)

    answer = api.post(f"/integrations/{legacy.pk}/move", {"to": successor.pk})

    assert answer.status_code == 200, answer.content
    assert answer.json()["carried_over"] == 1 and answer.json()["handed_over"] == 0
    legacy.refresh_from_db()
    assert legacy.moved_to_id == successor.pk and legacy.push_stock is False
    again = api.post(f"/integrations/{legacy.pk}/move", {"to": successor.pk})
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["reason"]) == ("move_refused", "moved")
    pushing = api.patch(f"/integrations/{legacy.pk}", {"push_stock": True})
    assert pushing.status_code == 422 and pushing.json()["errors"][0]["field"] == "push_stock"


def test_a_move_the_new_integration_cannot_take_is_refused(api: ApiClient) -> None:
    legacy = make_account("480001")
    other = make_account("7700001", channel="shopee", app_id="2001887")
    make_listing(other, "1:0", variant=make_variant("KAOS-1", on_hand=3))
    answer = api.post(f"/integrations/{legacy.pk}/move", {"to": other.pk})
    assert answer.status_code == 409 and answer.json()["reason"] == "other_marketplace"
    assert api.post(f"/integrations/{legacy.pk}/move", {"to": 99999}).status_code == 404
    legacy.refresh_from_db()
    assert legacy.moved_to_id is None
