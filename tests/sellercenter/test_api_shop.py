import pytest

from sellercenter import services
from sellercenter.models import ApiKey, ApiScope
from tests.conftest import make_api_client

pytestmark = pytest.mark.django_db


def test_shop_endpoint_answers_with_the_keys_shop(api, shop, other_shop):
    response = api.get("/api/v1/shop")

    assert response.status_code == 200
    assert response.json()["slug"] == shop.slug
    assert response.json()["currency"] == "VND"


def test_missing_key_is_401_with_the_error_shape(client):
    response = client.get("/api/v1/shop")

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided.", "fields": {}}
    }
    assert response["WWW-Authenticate"] == "Api-Key"


def test_unknown_key_is_401(client):
    response = client.get("/api/v1/shop", HTTP_AUTHORIZATION="Api-Key sc_0000.nope")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_revoked_key_is_401(shop):
    api_client = make_api_client(shop)
    assert api_client.get("/api/v1/shop").status_code == 200

    services.api_key_revoke(api_key=ApiKey.objects.get(shop=shop))

    assert api_client.get("/api/v1/shop").status_code == 401


def test_key_of_an_inactive_shop_is_401(shop, api):
    shop.is_active = False
    shop.save()

    assert api.get("/api/v1/shop").status_code == 401


def test_storefront_key_may_read_the_shop(shop):
    response = make_api_client(shop, [ApiScope.STOREFRONT]).get("/api/v1/shop")

    assert response.status_code == 200


def test_key_use_is_recorded(shop, api):
    api.get("/api/v1/shop")

    assert ApiKey.objects.get(shop=shop).last_used_at is not None
