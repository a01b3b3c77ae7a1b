"""The token endpoint and bearer authentication of the Tokopedia sandbox."""

from __future__ import annotations

import httpx
from tokopedia_sandbox_helpers import OTHER_FS_ID, OUR_FS_ID, SARI, Api, fetch_token

from satustok_sandbox.server import RunningSandbox

SHOP_INFO = "/v1/shop/fs/{fs}/shop-info"


def test_token_is_issued_for_basic_client_credentials(tokopedia_sandbox: RunningSandbox) -> None:
    response = fetch_token(tokopedia_sandbox)
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 2_592_000
    assert body["access_token"]


def test_the_live_token_is_returned_again_until_it_expires(
    tokopedia_sandbox: RunningSandbox,
) -> None:
    first = fetch_token(tokopedia_sandbox).json()
    tokopedia_sandbox.advance_clock(1000)
    second = fetch_token(tokopedia_sandbox).json()
    assert second["access_token"] == first["access_token"]
    assert 2_592_000 - 1001 <= second["expires_in"] <= 2_592_000 - 999
    tokopedia_sandbox.advance_clock(2_592_000)
    third = fetch_token(tokopedia_sandbox).json()
    assert third["access_token"] != first["access_token"]
    assert tokopedia_sandbox.stats()["token"] == {"calls": 3, "issued": 2}


def test_each_app_has_its_own_token(tokopedia_sandbox: RunningSandbox) -> None:
    ours = fetch_token(tokopedia_sandbox, OUR_FS_ID).json()["access_token"]
    theirs = fetch_token(tokopedia_sandbox, OTHER_FS_ID).json()["access_token"]
    assert ours != theirs


def test_wrong_secret_is_an_oauth_invalid_client(tokopedia_sandbox: RunningSandbox) -> None:
    app = tokopedia_sandbox.app(OUR_FS_ID)
    response = httpx.post(
        f"{tokopedia_sandbox.accounts_url}/token?grant_type=client_credentials",
        auth=(app["client_id"], "not-the-secret"),
        trust_env=False,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]


def test_missing_credentials_and_wrong_grant_type_are_refused(
    tokopedia_sandbox: RunningSandbox,
) -> None:
    url = f"{tokopedia_sandbox.accounts_url}/token"
    bare = httpx.post(url, params={"grant_type": "client_credentials"}, trust_env=False)
    app = tokopedia_sandbox.app(OUR_FS_ID)
    wrong_grant = httpx.post(
        url,
        params={"grant_type": "password"},
        auth=(app["client_id"], app["client_secret"]),
        trust_env=False,
    )
    assert bare.status_code == 401
    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "unsupported_grant_type"


def test_api_calls_without_or_with_unknown_token_get_401_envelopes(
    tokopedia_sandbox: RunningSandbox,
) -> None:
    client = httpx.Client(base_url=tokopedia_sandbox.api_url, trust_env=False)
    missing = client.get(SHOP_INFO.format(fs=OUR_FS_ID))
    unknown = client.get(SHOP_INFO.format(fs=OUR_FS_ID), headers={"Authorization": "Bearer nope"})
    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.json()["data"] is None
        assert response.json()["header"]["error_code"] == "UNAUTHORIZED"
    assert "Missing" in missing.json()["header"]["reason"]


def test_an_expired_token_is_refused_and_a_new_one_works(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    assert api.get(SHOP_INFO).status_code == 200
    tokopedia_sandbox.advance_clock(2_592_001)
    expired = api.get(SHOP_INFO)
    assert expired.status_code == 401
    assert "expired" in expired.json()["header"]["reason"]
    api.token = None
    assert api.get(SHOP_INFO).status_code == 200


def test_expire_tokens_fault_expires_every_issued_token(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    old = api.headers()["Authorization"]
    tokopedia_sandbox.set_faults(expire_tokens=True)
    assert api.get(SHOP_INFO).status_code == 401
    api.token = None
    assert api.headers()["Authorization"] != old
    assert api.get(SHOP_INFO).status_code == 200


def test_a_token_only_works_for_its_own_fs_id(tokopedia_sandbox: RunningSandbox) -> None:
    theirs = Api(tokopedia_sandbox, OTHER_FS_ID)
    response = theirs.client.get(
        f"/v1/shop/fs/{OUR_FS_ID}/shop-info", params={"shop_id": SARI}, headers=theirs.headers()
    )
    assert response.status_code == 401
    assert "fs_id" in response.json()["header"]["reason"]


def test_a_token_ttl_from_the_seed_is_honoured() -> None:
    from satustok_sandbox.server import start_in_thread

    seed = {
        "apps": [{"fs_id": 1, "client_id": "a", "client_secret": "b", "token_ttl_seconds": 60}],
        "shops": [],
    }
    with start_in_thread(seed=seed) as sandbox:
        body = fetch_token(sandbox, 1).json()
        assert body["expires_in"] == 60
        sandbox.advance_clock(61)
        assert fetch_token(sandbox, 1).json()["access_token"] != body["access_token"]
