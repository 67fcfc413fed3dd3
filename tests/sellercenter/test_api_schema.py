import pytest
import yaml
from django.core.management import call_command

# One worker generates the schema (some 5 s) for all of the module's tests, not each worker that gets some.
pytestmark = pytest.mark.xdist_group("schema")


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    # --validate checks the document against the OpenAPI 3 JSON schema; --fail-on-warn makes any
    # generator warning (an unresolved serializer, a missing type) fail the test.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


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
