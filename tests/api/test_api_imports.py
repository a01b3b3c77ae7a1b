"""Imports over the API, against the sandbox: preview (*Next*) and import (*Finish*), the run
with its six bucket counts, its rows with reasons, the CSV of what was not imported, retry."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import ApiClient, make_account

from satustok.catalog.models import Variant
from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount
from satustok.sync.models import Bucket, ImportRun, RunState
from seed_oracle import bucket_counts, expected_buckets, sellable_units

pytestmark = pytest.mark.django_db

SHOP_A = 480001


@pytest.fixture
def shop(fast_sandbox: Any, demo_credentials: Callable[..., Any]) -> ChannelAccount:
    return connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP_A))


@pytest.fixture
def preview(api: ApiClient, shop: ChannelAccount) -> dict[str, Any]:
    response = api.post("/imports", {"integration": shop.pk, "mode": "preview"})
    assert response.status_code == 202, response.content
    return response.json()


def test_a_preview_sorts_every_product_and_writes_nothing(
    api: ApiClient, preview: dict[str, Any]
) -> None:
    # Tests run queued tasks at once, so the run is over when the answer comes.
    run = api.get(f"/imports/{preview['id']}").json()
    assert (run["mode"], run["state"], run["is_finished"]) == ("preview", "done", True)
    assert run["counts"] == bucket_counts(expected_buckets(SHOP_A))
    assert set(run["counts"]) == set(Bucket.values)
    assert run["progress"]["percent"] == 100
    assert run["progress"]["units_fetched"] == len(sellable_units(SHOP_A))
    assert run["created_by"] == "operator"
    assert not Variant.objects.exists()


def test_the_rows_carry_their_bucket_and_reason_and_filter_by_bucket(
    api: ApiClient, preview: dict[str, Any]
) -> None:
    expected = expected_buckets(SHOP_A)
    everything = api.get(f"/imports/{preview['id']}/rows", limit=500).json()
    assert everything["count"] == len(expected)
    assert {row["product_id"]: row["bucket"] for row in everything["items"]} == expected
    assert all(row["reason"] for row in everything["items"])
    empty = api.get(f"/imports/{preview['id']}/rows", bucket="skipped_empty_sku").json()
    assert empty["count"] == list(expected.values()).count("skipped_empty_sku")
    assert {row["bucket"] for row in empty["items"]} == {"skipped_empty_sku"}
    conflicts = api.get(f"/imports/{preview['id']}/rows", bucket="conflict_duplicate_sku").json()
    assert all(row["detail"] for row in conflicts["items"])  # the other ids sharing the SKU


def test_the_csv_lists_exactly_what_was_not_imported(
    api: ApiClient, preview: dict[str, Any]
) -> None:
    response = api.get(f"/imports/{preview['id']}/not-imported.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    imported = {"linked", "new_master"}
    skipped = {pid for pid, b in expected_buckets(SHOP_A).items() if b not in imported}
    assert {row["product_id"] for row in rows} == skipped
    assert all(row["reason"] for row in rows)


def test_an_import_writes_the_catalogue(api: ApiClient, shop: ChannelAccount) -> None:
    response = api.post("/imports", {"integration": shop.pk, "mode": "import"})
    assert response.status_code == 202
    run = response.json()
    assert (run["mode"], run["state"]) == ("import", "done")
    assert Variant.objects.count() == run["counts"]["new_master"] > 0
    assert run["progress"]["units_applied"] == run["progress"]["units_fetched"]
    listed = api.get("/imports", integration=shop.pk, mode="import").json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"integration": 999, "mode": "preview"}, "integration"),
        ({"integration": 1, "mode": "everything"}, "mode"),
        ({"mode": "preview"}, "integration"),
    ],
)
def test_bad_start_requests_are_422(api: ApiClient, body: dict[str, Any], field: str) -> None:
    response = api.post("/imports", body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not ImportRun.objects.exists()


def test_unknown_runs_and_buckets(api: ApiClient) -> None:
    for path in ("/imports/999", "/imports/999/rows", "/imports/999/not-imported.csv"):
        response = api.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    run = ImportRun.objects.create(account=make_account())
    response = api.get(f"/imports/{run.pk}/rows", bucket="imported")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "bucket"
    assert api.get("/imports", state="exploded").status_code == 422


def test_only_a_failed_run_can_be_retried(api: ApiClient, preview: dict[str, Any]) -> None:
    done = api.post(f"/imports/{preview['id']}/retry")
    assert (done.status_code, done.json()["code"]) == (409, "not_failed")
    # What a channel failure leaves behind (the task's own failure path is tested in tests/hub).
    ImportRun.objects.filter(pk=preview["id"]).update(
        state=RunState.FAILED, error="Tokopedia could not be reached."
    )
    assert api.get(f"/imports/{preview['id']}").json()["error"]
    retried = api.post(f"/imports/{preview['id']}/retry")
    assert retried.status_code == 202
    assert (retried.json()["state"], retried.json()["error"]) == ("done", "")
