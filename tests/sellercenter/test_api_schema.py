import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection

# One worker generates the schema (some 5 s) for all of the module's tests, not each worker that gets some.
pytestmark = pytest.mark.xdist_group("schema")

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
# `make openapi` writes docs/openapi.yaml the same way: in English, and with PostgreSQL's integer bounds
# (drf-spectacular takes a model integer's minimum and maximum from the database backend; the URL is
# never connected to).
MAKE_OPENAPI = ["manage.py", "spectacular", "--lang", "en", "--validate", "--fail-on-warn"]
POSTGRESQL_BOUNDS = "postgres://openapi@127.0.0.1:1/openapi"


@pytest.fixture(scope="module")
def schema_text(tmp_path_factory) -> str:
    """The OpenAPI document as `make openapi` writes it. --validate checks it against the OpenAPI 3
    JSON schema; --fail-on-warn makes any generator warning (an unresolved serializer, a missing type)
    fail the test."""
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    if connection.vendor == "postgresql":
        call_command(*MAKE_OPENAPI[1:], "--file", str(path))
    else:
        environment = {**os.environ, "DATABASE_URL": POSTGRESQL_BOUNDS}
        subprocess.run(
            [sys.executable, *MAKE_OPENAPI, "--file", str(path)], cwd=settings.BASE_DIR, env=environment, check=True
        )
    return path.read_text()


@pytest.fixture(scope="module")
def schema(schema_text):
    return yaml.safe_load(schema_text)


def test_the_document_is_the_committed_one(schema_text):
    """docs/openapi.yaml is what the code documents: a change of the API (or one that was not meant to
    change it, such as a list built from rows instead of its serializer) shows here."""
    committed = COMMITTED.read_text()
    if schema_text != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), schema_text.splitlines(), "docs/openapi.yaml", "generated", lineterm="", n=2
        )
        shown = "\n".join(list(diff)[:80])
        pytest.fail(f"The OpenAPI document differs from docs/openapi.yaml; if meant, run `make openapi`.\n{shown}")


def test_schema_is_openapi_3_and_documents_the_api_key(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Api-Key <secret>`: a shop's API key, issued in the admin.",
    }


def test_every_operation_documents_the_error_shape(schema):
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("401", "403", "404"):
                response = operation["responses"][code]
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", f"{method} {path} {code}"


def test_docs_page_serves_assets_locally(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_request_bodies_are_json_only(schema):
    for path, method, operation in _operations(schema):
        if "requestBody" in operation:
            assert set(operation["requestBody"]["content"]) == {"application/json"}, f"{method} {path}"


def test_every_post_that_honours_idempotency_keys_declares_the_header(schema):
    from tests.sellercenter.api_serializers import endpoint_views

    honouring = {
        (path, method.lower())
        for path, method, view in endpoint_views()
        if getattr(getattr(view, method.lower()), "honours_idempotency_key", False)
    }
    declared = {
        (path, method)
        for path, method, operation in _operations(schema)
        if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert ("/api/v1/orders", "post") in honouring
    assert declared == honouring


def test_fields_that_come_back_null_are_nullable(schema):
    components = schema["components"]["schemas"]
    nullable = {
        name: {field for field, spec in component.get("properties", {}).items() if spec.get("nullable")}
        for name, component in components.items()
    }
    assert {"replacement_for", "customer_external_id"} <= nullable["Order"] & nullable["OrderDetail"]
    assert "replacement_order" in nullable["ReturnRequest"]
    assert {"paid_on", "bank_reference"} <= nullable["FinanceStatement"]


def test_campaigns_are_documented_in_the_shape_each_scope_sees(schema):
    any_of = schema["components"]["schemas"]["PromotionCampaignForScope"]["anyOf"]

    assert [ref["$ref"].rsplit("/", 1)[1] for ref in any_of] == ["PromotionCampaign", "PromotionCampaignPublic"]
    detail = schema["paths"]["/api/v1/promotions/campaigns/{id}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"]["$ref"].endswith("/PromotionCampaignForScope")


def test_csv_downloads_are_documented_as_csv(schema):
    for path in ("/api/v1/finance/lines.csv", "/api/v1/finance/statements/{id}/lines.csv"):
        assert set(schema["paths"][path]["get"]["responses"]["200"]["content"]) == {"text/csv"}


def test_path_patterns_are_anchored_and_alternatives_are_enums(schema):
    action = next(
        p for p in schema["paths"]["/api/v1/orders/{number}/{action}"]["post"]["parameters"] if p["name"] == "action"
    )
    assert "confirm-payment" in action["schema"]["enum"] and "pattern" not in action["schema"]
    for path, method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            pattern = parameter["schema"].get("pattern")
            if pattern:
                assert pattern.startswith("^") and pattern.endswith("$"), f"{method} {path} {parameter['name']}"
                assert "|" not in pattern or pattern.startswith("^(?:"), f"{method} {path} {parameter['name']}"


def test_error_answers_are_documented_per_status(schema):
    for path, method, operation in _operations(schema):
        expected = {"400", "401", "403", "404", "429", "500", "503"}
        if method in {"post", "put", "patch"}:
            expected |= {"413", "415", "422"}
        assert expected <= set(operation["responses"]), f"{method} {path}"
