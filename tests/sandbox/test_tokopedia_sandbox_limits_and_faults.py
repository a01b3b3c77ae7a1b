"""Rate-limit headers and buckets, bulk per-item charging, injected faults, stats."""

from __future__ import annotations

import time

from tokopedia_sandbox_helpers import SARI, Api

from satustok_sandbox.server import RunningSandbox
from satustok_sandbox.tokopedia.envelope import MESSAGE_SERVER_ERROR

SHOP_INFO = "/v1/shop/fs/{fs}/shop-info"
STOCK_UPDATE = "/inventory/v1/fs/{fs}/stock/update"
IN_STOCK = 2100050


def test_every_answer_carries_rate_limit_headers(api: Api) -> None:
    first = api.get(SHOP_INFO)
    second = api.get(SHOP_INFO)
    assert first.headers["X-Ratelimit-Limit"] == "5 req/s (burst 5)"
    assert first.headers["X-Ratelimit-Remaining"] == "4"
    assert second.headers["X-Ratelimit-Remaining"] == "3"
    assert first.headers["X-Ratelimit-Reset-After"] == "-0.000000"
    assert 0 < float(first.headers["X-Ratelimit-Full-Reset-After"]) <= 0.2
    error = api.get(SHOP_INFO, {"shop_id": "x"})
    assert error.status_code == 400 and "X-Ratelimit-Remaining" in error.headers


def test_an_empty_bucket_answers_429_then_refills(api: Api) -> None:
    api.headers()  # fetch the token first, so the five calls follow each other closely
    statuses = [api.get(SHOP_INFO).status_code for _ in range(5)]
    limited = api.get(SHOP_INFO)
    assert statuses == [200] * 5
    assert limited.status_code == 429
    assert limited.headers["X-Ratelimit-Remaining"] == "0"
    assert float(limited.headers["X-Ratelimit-Reset-After"]) > 0
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["header"]["error_code"] == "ERR_TOO_MANY_REQUEST"
    time.sleep(float(limited.headers["X-Ratelimit-Reset-After"]) + 0.05)
    assert api.get(SHOP_INFO).status_code == 200


def test_buckets_are_per_endpoint_group(api: Api) -> None:
    for _ in range(5):
        api.get(SHOP_INFO)
    assert api.get(SHOP_INFO).status_code == 429
    assert api.products(product_id=str(IN_STOCK))


def test_bulk_rows_beyond_the_tokens_left_fail_with_err_too_many_request(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    tokopedia_sandbox.set_faults(limits={"stock_update": {"rate": 1, "burst": 3}})
    rows = [{"product_id": pid, "new_stock": 9} for pid in range(2100050, 2100055)]
    partial = api.post(STOCK_UPDATE, rows, {"shop_id": SARI})
    data = partial.json()["data"]
    assert partial.status_code == 200
    assert data["succeed_rows"] == 3
    assert [row["message"] for row in data["failed_rows_data"]] == ["ERR_TOO_MANY_REQUEST"] * 2
    assert [row["product_id"] for row in data["failed_rows_data"]] == [2100053, 2100054]
    assert tokopedia_sandbox.product(2100054)["stock"] != 9
    empty = api.post(STOCK_UPDATE, rows[:1], {"shop_id": SARI})
    assert empty.status_code == 429
    stats = tokopedia_sandbox.stats()["groups"]["stock_update"]
    assert (stats["calls"], stats["items"], stats["rate_limited"]) == (2, 6, 1)


def test_unlimited_limits_from_faults_and_clearing_them(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    tokopedia_sandbox.set_faults(limits={"*": {"unlimited": True}})
    assert all(api.get(SHOP_INFO).status_code == 200 for _ in range(12))
    tokopedia_sandbox.clear_faults()
    assert api.get(SHOP_INFO).headers["X-Ratelimit-Limit"] == "5 req/s (burst 5)"


def test_the_unlimited_sandbox_never_limits(fast_api: Api) -> None:
    assert all(fast_api.get(SHOP_INFO).status_code == 200 for _ in range(12))


def test_rate_limit_next_forces_429s_with_headers(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    tokopedia_sandbox.set_faults(rate_limit_next=2)
    answers = [api.get(SHOP_INFO) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["X-Ratelimit-Remaining"] == "0"
    assert answers[0].headers["Retry-After"] == "1"


def test_fail_next_answers_5xx_then_recovers(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    tokopedia_sandbox.set_faults(fail_next=2, error_status=503)
    answers = [api.get(SHOP_INFO) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json()["header"]["messages"] == MESSAGE_SERVER_ERROR
    assert answers[0].json()["data"] is None
    assert tokopedia_sandbox.stats()["groups"]["shop_info"]["server_errors"] == 2


def test_faults_can_target_one_group(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    tokopedia_sandbox.set_faults(fail_next=1, only_groups=["product_info"])
    assert api.get(SHOP_INFO).status_code == 200
    failed = api.get("/inventory/v1/fs/{fs}/product/info", {"product_id": IN_STOCK})
    assert failed.status_code == 500


def test_error_rate_is_reproducible_with_a_random_seed(fast_api: Api) -> None:
    sandbox = fast_api.sandbox
    runs = []
    for _ in range(2):
        sandbox.set_faults(error_rate=0.5, random_seed=3)
        runs.append([fast_api.get(SHOP_INFO).status_code for _ in range(12)])
    assert runs[0] == runs[1]
    assert {200, 500} == set(runs[0])


def test_latency_fault_slows_api_calls(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    api.get(SHOP_INFO)
    tokopedia_sandbox.set_faults(latency_ms=200)
    started = time.perf_counter()
    api.get(SHOP_INFO)
    assert time.perf_counter() - started >= 0.2


def test_bad_faults_are_refused_with_a_message(tokopedia_sandbox: RunningSandbox) -> None:
    from satustok_sandbox.server import SandboxControlError

    for bad in ({"error_rate": 2}, {"limits": {"nope": {"rate": 1, "burst": 1}}}, {"typo": 1}):
        try:
            tokopedia_sandbox.set_faults(**bad)
        except SandboxControlError as error:
            assert error.status == 400 and error.message
        else:
            raise AssertionError(f"{bad} was accepted")


def test_stats_and_reset(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    api.get(SHOP_INFO)
    api.products(product_id=str(IN_STOCK))
    stats = tokopedia_sandbox.stats()
    assert stats["groups"]["shop_info"]["calls"] == 1
    assert stats["groups"]["product_info"]["statuses"] == {"200": 1}
    assert stats["token"]["issued"] == 1
    tokopedia_sandbox.reset()
    assert tokopedia_sandbox.stats()["groups"]["shop_info"]["calls"] == 0
    assert [c["path"] for c in tokopedia_sandbox.calls()] == []


def test_unknown_paths_answer_404_in_an_envelope(api: Api) -> None:
    response = api.get("/v9/nothing/here")
    assert response.status_code == 404 and response.json()["data"] is None
