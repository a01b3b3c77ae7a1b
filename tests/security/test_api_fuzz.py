"""Schemathesis over the REST API's own OpenAPI document (``/api/openapi.json``), in-process
through the WSGI app and the test database: every operation, with a valid token and with none,
random and boundary values in paths, queries and bodies (huge integers, NUL, long text,
unknown fields). Whatever comes, the API answers 4xx or 2xx, never 5xx — on SQLite and on
PostgreSQL, whose integer columns refuse what SQLite silently stores.

Bounded for CI: a few examples per operation, no deadline (the first request of a process
warms Django up), shrinking off (a failure prints the case; a 5xx is fixed, not minimised).
``SATUSTOK_API_FUZZ_EXAMPLES`` raises the count for a longer local run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.result import Ok

from roles_support import an_integration
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import Listing
from satustok.inventory import stock
from satustok.wsgi import application

EXAMPLES = int(os.environ.get("SATUSTOK_API_FUZZ_EXAMPLES", "25"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the case is printed as found
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: a CI failure reproduces locally
    database=None,
)

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def world(db: None, sandbox: Any, hub_shopee: Any, hub_tiktokshop: Any) -> dict[str, Any]:
    """A little catalogue, an integration and a listing, so ids 1, 2… reach real rows and the
    generated requests go past "not found" into the code that reads and writes them. Every
    channel's base URL points at the loopback sandboxes: an operation that calls a channel
    (an import, a refresh) meets them, never the network."""
    warehouse = default_warehouse()
    account = an_integration(shop_name="Fuzz shop", warehouse=warehouse)
    product = MasterProduct.objects.create(name="Kaos Fuzz")
    variant = Variant.objects.create(product=product, sku="FUZZ-1")
    stock.set_on_hand(warehouse.pk, variant.pk, 5, reference="fuzz")
    Listing.objects.create(account=account, external_id="1", sku="FUZZ-1", name="Kaos Fuzz")
    return {"account": account, "variant": variant}


@pytest.fixture
def api_schema(world: dict[str, Any]) -> Iterator[schemathesis.schemas.BaseSchema]:
    # Django's WSGI handler closes the database connection after each request; the test's
    # transaction lives on it, so keep it open as Django's own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(world: dict[str, Any]) -> dict[str, str]:
    owner = get_user_model().objects.create_superuser("fuzz-owner", "owner@example.com", None)
    return {"Authorization": f"Bearer {tokens.issue(owner, 'fuzz').key}"}


def _operations(api_schema: schemathesis.schemas.BaseSchema) -> list[Any]:
    results = list(api_schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the OpenAPI document is invalid"
    return [result.ok() for result in results if isinstance(result, Ok)]


def _fuzz(api_schema: schemathesis.schemas.BaseSchema, headers: dict[str, str] | None) -> None:
    """Every operation in turn, each with its own bounded Hypothesis run."""
    operations = _operations(api_schema)
    assert len(operations) > 10, "the OpenAPI document lost its operations"
    for operation in operations:

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            _assert_no_server_error(case, response)
            if headers is None:  # everything but the documentation needs a token
                assert response.status_code in (401, 403, 404, 405, 422), case.as_curl_command()

        run()


def _assert_no_server_error(case: schemathesis.Case, response: Any) -> None:
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}\n"
        f"{case.as_curl_command()}\n{response.text[:2000]}"
    )


def test_no_operation_answers_5xx_with_a_valid_token(
    api_schema: schemathesis.schemas.BaseSchema, bearer: dict[str, str]
) -> None:
    _fuzz(api_schema, bearer)


def test_no_operation_answers_5xx_without_a_token(
    api_schema: schemathesis.schemas.BaseSchema,
) -> None:
    _fuzz(api_schema, None)
