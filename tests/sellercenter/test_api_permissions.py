"""The kernel's permission check (sellercenter.api.permissions): declared per method, fail closed."""

import pytest

from sellercenter.api.permissions import Access, declared_access
from sellercenter.models import ApiScope, Role
from tests.conftest import make_api_client
from tests.sellercenter.api_views_for_tests import UndeclaredView
from tests.sellercenter.factories import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sellercenter.api_views_for_tests")]


def test_a_method_without_a_declared_permission_is_refused_to_everybody(client, shop, django_user_model):
    client.force_login(staff_user(shop, Role.OWNER))
    key = make_api_client(shop)
    superuser = django_user_model.objects.create_superuser("van.hanh", password="x")

    assert client.get("/api/test/undeclared").status_code == 200
    for caller in (client, key):
        response = caller.post("/api/test/undeclared", {}, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    client.force_login(superuser)
    assert client.post("/api/test/undeclared", {}, format="json", HTTP_X_SHOP=shop.slug).status_code == 403


def test_a_method_the_view_does_not_serve_answers_405_not_403(shop):
    assert make_api_client(shop).put("/api/test/undeclared", {}, format="json").status_code == 405


def test_head_follows_get_and_undeclared_methods_have_no_access():
    assert declared_access(UndeclaredView, "HEAD") == declared_access(UndeclaredView, "GET")
    assert declared_access(UndeclaredView, "GET") == Access(
        permission="sellercenter.view_shop", scopes=(ApiScope.STOREFRONT, ApiScope.BACK_OFFICE)
    )
    assert declared_access(UndeclaredView, "POST") is None


def test_scopes_default_to_the_back_office():
    class View:
        required_permissions = "sellercenter.view_shop"

    assert declared_access(View, "GET").scopes == (ApiScope.BACK_OFFICE,)
