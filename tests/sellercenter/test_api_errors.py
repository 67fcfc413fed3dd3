import pytest
from django.test import override_settings
from django.utils import translation

from sellercenter.models import ApiScope
from tests.conftest import make_api_client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sellercenter.api_views_for_tests")]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("invalid", 400, "invalid"),
        ("not_found", 404, "not_found"),
        ("not_allowed", 409, "not_allowed"),
        ("conflict", 409, "out_of_stock"),
        ("permission_denied", 403, "permission_denied"),
        ("model_validation", 400, "invalid"),
    ],
)
def test_each_domain_error_has_its_status_and_the_one_shape(api, kind, status, code):
    response = api.get(f"/api/test/raise/{kind}")

    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)


def test_domain_error_names_its_field_and_details(api):
    assert api.get("/api/test/raise/invalid").json()["error"]["fields"] == {"sku": ["Unknown SKU."]}
    conflict = api.get("/api/test/raise/conflict").json()["error"]
    assert conflict["details"] == {"sku": "ABC-1"}
    assert conflict["message"] == "Out of stock: ABC-1"


def test_a_models_validation_error_names_its_field(api):
    error = api.get("/api/test/raise/model_validation").json()["error"]

    assert error["fields"] == {"slug": ["Đường dẫn đã được dùng."]}


def test_validation_error_names_each_field(api):
    response = api.post("/api/test/keys", {"name": "x" * 101, "wait": "maybe"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "wait"}


def test_malformed_json_is_a_400_parse_error(api):
    response = api.generic("POST", "/api/test/keys", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_wrong_method_is_405_in_the_shape(api):
    response = api.delete("/api/v1/shop")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_wrong_scope_is_403(shop):
    storefront = make_api_client(shop, [ApiScope.STOREFRONT])

    response = storefront.get("/api/test/back-office")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "back_office" in response.json()["error"]["message"]


def test_unknown_api_path_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@override_settings(LANGUAGE_CODE="vi")
def test_messages_follow_the_request_language(client):
    with translation.override("vi"):
        response = client.get("/api/v1/shop", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert message == "Chưa cung cấp thông tin xác thực."
    assert response.json()["error"]["code"] == "not_authenticated"


def test_flatten_nested_fields():
    from sellercenter.api.exceptions import flatten_fields

    detail = {"lines": [{}, {"sku": ["Unknown."]}], "address": {"ward": ["Required."]}, "note": ["Too long."]}

    assert flatten_fields(detail) == {
        "lines.1.sku": ["Unknown."],
        "address.ward": ["Required."],
        "note": ["Too long."],
    }
