"""The OpenAPI document lists every endpoint, the docs page works offline, and every refusal
answers the one error format."""

from __future__ import annotations

import re

import pytest
from api_helpers import ApiClient

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("get", "/api/integrations"),
    ("post", "/api/integrations"),
    ("get", "/api/integrations/{integration_id}"),
    ("patch", "/api/integrations/{integration_id}"),
    ("get", "/api/imports"),
    ("post", "/api/imports"),
    ("get", "/api/imports/{run_id}"),
    ("post", "/api/imports/{run_id}/retry"),
    ("get", "/api/imports/{run_id}/rows"),
    ("get", "/api/imports/{run_id}/not-imported.csv"),
    ("get", "/api/catalog/variants"),
    ("get", "/api/catalog/listings"),
    ("get", "/api/catalog/listings/unlinked"),
    ("get", "/api/catalog/listings/{listing_id}"),
    ("post", "/api/catalog/listings/{listing_id}/link"),
    ("get", "/api/stock"),
    ("get", "/api/stock/levels"),
    ("post", "/api/stock/adjustments"),
    ("get", "/api/stock/movements"),
    ("get", "/api/sync-log/pushes"),
    ("get", "/api/orders"),
    ("get", "/api/orders/{order_id}"),
    ("post", "/api/orders/{order_id}/accept"),
    ("post", "/api/orders/{order_id}/reject"),
    ("post", "/api/orders/{order_id}/refresh"),
    ("post", "/api/orders/{order_id}/restock"),
    ("post", "/api/orders/{order_id}/relink"),
    ("get", "/api/uploads"),
    ("get", "/api/uploads/{kind}/template"),
    ("post", "/api/uploads/{kind}"),
    ("get", "/api/uploads/{upload_id}"),
    ("post", "/api/uploads/{upload_id}/confirm"),
    ("post", "/api/uploads/{upload_id}/discard"),
}


def test_the_openapi_document_lists_every_endpoint_behind_the_token(
    anonymous: ApiClient,
) -> None:
    document = anonymous.get("/openapi.json").json()
    assert document["info"]["title"] == "satustok"
    listed = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert listed >= ENDPOINTS
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            assert operation["security"], f"{method} {path} must need the token"
            assert "401" in operation["responses"], f"{method} {path} documents 401"


def test_the_error_schema_is_documented(anonymous: ApiClient) -> None:
    document = anonymous.get("/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    assert {"detail", "code"} <= set(error["required"])
    connect = document["paths"]["/api/integrations"]["post"]["responses"]
    assert {"400", "409", "422", "429", "502", "503"} <= set(connect)


def test_the_docs_page_renders_from_this_machine_only(anonymous: ApiClient) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html and "/api/openapi.json" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page loads its assets"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "http://" not in html and "https://" not in html
    assert '"validatorUrl": null' in html  # no call to validator.swagger.io either
    for url in urls:
        asset = anonymous.get(url.removeprefix("/api"))
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content), url


def test_only_the_shipped_assets_are_served(anonymous: ApiClient) -> None:
    assert anonymous.get("/docs/assets/redoc.standalone.js").status_code == 404
    assert anonymous.get("/docs/assets/..%2F..%2F__init__.py").status_code == 404


@pytest.mark.parametrize("path", ["/no-such-thing", "/integrations/1/nothing-here"])
def test_an_unknown_path_is_a_json_404(api: ApiClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and path in response.json()["detail"]


def test_a_body_that_is_not_json_is_a_400_in_the_error_format(api: ApiClient) -> None:
    response = api.client.post(
        "/api/stock/adjustments", "{not json", content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"detail", "code"}


def test_validation_errors_name_the_fields(api: ApiClient) -> None:
    response = api.post("/stock/adjustments", {"sku": "A", "action": "burn", "typo": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"action", "quantity", "reason", "typo"}
    assert "action" in body["detail"] and "typo" in body["detail"]


def test_messages_follow_accept_language(api: ApiClient) -> None:
    english = api.get("/integrations/99", headers={"Accept-Language": "en"})
    assert english["Content-Language"] == "en"
    indonesian = api.get("/integrations/99", headers={"Accept-Language": "id"})
    assert indonesian["Content-Language"] == "id"


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(api: ApiClient) -> None:
    response = api._call("delete", "/integrations/1")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].split(", ")) == {"GET", "PATCH"}
