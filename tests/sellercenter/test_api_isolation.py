import pytest

from sellercenter import services
from sellercenter.models import ApiScope, Role
from tests.sellercenter.factories import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sellercenter.api_views_for_tests")]


@pytest.fixture
def their_key(other_shop):
    api_key, _secret = services.api_key_create(shop=other_shop, name="Sen Việt app", scopes=[ApiScope.STOREFRONT])
    return api_key


@pytest.fixture
def my_key(shop):
    api_key, _secret = services.api_key_create(shop=shop, name="Hoa Mai app", scopes=[ApiScope.STOREFRONT])
    return api_key


def test_own_object_is_found_another_shops_is_404(api, my_key, their_key):
    assert api.get(f"/api/test/keys/{my_key.pk}").status_code == 200
    response = api.get(f"/api/test/keys/{their_key.pk}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_staff_session_with_one_shop_works_in_it(client, shop, my_key, their_key):
    client.force_login(staff_user(shop, Role.OPERATIONS))

    assert client.get("/api/v1/shop").json()["slug"] == shop.slug
    assert client.get(f"/api/test/keys/{their_key.pk}").status_code == 404


def test_staff_of_several_shops_name_the_shop(client, shop, other_shop):
    user = staff_user(shop, Role.OWNER)
    services.membership_set(user=user, shop=other_shop, role=Role.MARKETING)
    client.force_login(user)

    assert client.get("/api/v1/shop").status_code == 403
    assert client.get("/api/v1/shop", HTTP_X_SHOP="sen-viet").json()["slug"] == "sen-viet"


def test_staff_cannot_name_a_shop_they_do_not_work_in(client, shop, other_shop):
    client.force_login(staff_user(shop, Role.OWNER))

    response = client.get("/api/v1/shop", HTTP_X_SHOP=other_shop.slug)

    assert response.status_code == 403


def test_a_customer_login_is_not_staff(client, shop, django_user_model):
    client.force_login(django_user_model.objects.create_user("khach.hang", password="x"))

    assert client.get("/api/v1/shop").status_code == 403
