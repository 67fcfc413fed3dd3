"""Opens the changelist and add page of every registered ModelAdmin, as superuser and as shop owner.

Every admin any app registers is covered here automatically."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth import get_user_model
from django.urls import reverse

from sellercenter.models import Role
from tests.sellercenter.factories import ShopFactory, staff_user

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _model_admin in REGISTERED]


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser("operator", "operator@example.vn", "mat-khau-123")
    client.force_login(user)
    return client


@pytest.fixture
def shop_owner_client(client, db):
    owner = staff_user(ShopFactory(), Role.OWNER)
    client.force_login(owner)
    return client, owner


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_superuser_opens_changelist_and_add_page(superuser_client, model, model_admin):
    opts = model._meta
    changelist = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200

    add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    expected = 200 if model_admin.has_add_permission(_request_for(changelist)) else 403
    assert superuser_client.get(add_url).status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_shop_owner_gets_pages_as_their_role_allows(shop_owner_client, model, model_admin):
    client, owner = shop_owner_client
    opts = model._meta
    may_view = owner.has_perm(f"{opts.app_label}.view_{opts.model_name}") or owner.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == (200 if may_view else 403)

    # The role's permission, unless the admin never adds such rows by hand (as for the superuser above).
    may_add = owner.has_perm(f"{opts.app_label}.add_{opts.model_name}") and model_admin.has_add_permission(
        _request_for(changelist)
    )
    add_page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add_page.status_code in ((200,) if may_add else (403,))


def _request_for(response):
    return response.wsgi_request


def test_every_project_model_with_a_shop_is_registered_with_a_shop_scoped_admin():
    from django.apps import apps

    from sellercenter.admin_base import ShopScopedMixin

    for model, model_admin in admin.site._registry.items():
        has_shop = any(field.name == "shop" for field in model._meta.get_fields())
        if has_shop and model._meta.app_config.name in {c.name for c in apps.get_app_configs()}:
            assert isinstance(model_admin, ShopScopedMixin), f"{model._meta.label} admin is not shop-scoped"


def test_admin_speaks_vietnamese_by_default(superuser_client):
    html = superuser_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Trung tâm người bán" in html
    assert "Cửa hàng và nhân viên" in html


def test_the_app_list_is_built_once_per_page(shop_owner_client, monkeypatch):
    """The sidebar, every page's context and the home each ask for the app list (every model's
    permissions for the user): it is built once per request and each caller gets its own copy."""
    client, _owner = shop_owner_client
    built = []
    build = AdminSite._build_app_dict

    def counted(self, request, label=None):
        built.append(label)
        return build(self, request, label)

    monkeypatch.setattr(AdminSite, "_build_app_dict", counted)
    home = client.get(reverse("admin:index"))
    assert home.status_code == 200
    assert built == [None]

    built.clear()
    changelist = client.get(reverse("admin:orders_order_changelist"))
    assert changelist.status_code == 200
    assert built == [None]
    sidebar_apps = [group["title"] for group in changelist.context["sidebar_navigation"][1:]]
    assert sidebar_apps and len(sidebar_apps) == len(changelist.context["available_apps"])


def test_the_app_list_names_are_text_in_the_pages_language_in_djangos_order(shop_owner_client):
    """The app and model names are translated once per page (not compared as lazy translations at
    every step of the sort): plain text in Vietnamese, apps and models in the order Django sorts them."""
    client, _owner = shop_owner_client
    apps = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="vi").context["available_apps"]

    app_names = [app["name"] for app in apps]
    assert all(type(name) is str for name in app_names)
    assert app_names == sorted(app_names, key=str.lower)
    for app in apps:
        model_names = [model["name"] for model in app["models"]]
        assert all(type(name) is str for name in model_names)
        assert model_names == sorted(model_names)
    models = {model["name"] for app in apps for model in app["models"]}
    assert {"Đơn hàng", "Khách hàng"} <= models


def test_each_cell_of_a_list_is_labelled_with_its_column_in_the_pages_language(shop_owner_client):
    """On a narrow screen each cell shows its column's name (`data-label`): the headers are built and
    translated once per list, and every row's cells still carry them, column by column."""
    from orders.models import Order
    from tests.orders.factories import place

    client, owner = shop_owner_client
    shop = owner.memberships.get().shop
    place(shop)
    place(shop)
    page = client.get(reverse("admin:orders_order_changelist"), HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200

    html = page.content.decode()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    labelled = [re.findall(r'data-label="([^"]*)"', row) for row in rows]
    labelled = [labels for labels in labelled if labels]
    assert len(labelled) == Order.objects.filter(shop=shop).count() == 2
    assert labelled[0] == labelled[1]
    assert "trạng thái" in labelled[0]
    assert "status" not in labelled[0]


def test_each_caller_of_the_app_list_gets_a_copy_of_its_own(shop_owner_client):
    """The app list is built once per request; a caller that sorts it or changes a model's entry (the
    sidebar does both) leaves the next caller's copy as it was built."""
    from django.test import RequestFactory

    _client, owner = shop_owner_client
    request = RequestFactory().get(reverse("admin:index"))
    request.user = owner

    first = admin.site.get_app_list(request)
    first.reverse()
    first[0]["models"].clear()
    for app in first[1:]:
        for model in app["models"]:
            model["name"] = "changed"
            model["perms"]["view"] = not model["perms"]["view"]

    second = admin.site.get_app_list(request)
    assert second == AdminSite.get_app_list(admin.site, request)
    assert second is not first and all("changed" not in str(app) for app in second)
    assert {model["model"] for app in second for model in app["models"]} == {
        model["model"] for app in AdminSite.get_app_list(admin.site, request) for model in app["models"]
    }


def test_a_list_page_asks_its_model_admin_only_for_what_it_has(shop_owner_client, monkeypatch):
    """When a template asks an object for an attribute it lacks, Django's template engine lists all of
    the object's attributes (`dir()`) to tell a missing one from a failing property. The theme's list
    template asks each row's ModelAdmin for row sections: a 50-row page listed the ModelAdmin's
    attributes a hundred times. Every ModelAdmin here answers it."""
    import builtins

    from django.contrib.admin.options import BaseModelAdmin
    from django.template import base as template_base

    from tests.orders.factories import place

    client, owner = shop_owner_client
    shop = owner.memberships.get().shop
    place(shop)
    place(shop)
    listed = []

    def recorded_dir(obj):
        listed.append(type(obj))
        return builtins.dir(obj)

    monkeypatch.setattr(template_base, "dir", recorded_dir, raising=False)
    page = client.get(reverse("admin:orders_order_changelist"))
    assert page.status_code == 200
    assert "data-label" in page.content.decode()
    assert listed, "the page made no failed lookup at all: the recording does not see the engine"
    assert [kind for kind in listed if issubclass(kind, BaseModelAdmin)] == []


def test_every_model_admin_is_the_kernels():
    """The theme styles, and the list template reads, what its own ModelAdmin defines: a ModelAdmin
    straight from Django gets neither (and pays the failed lookups above on every row)."""
    from django.contrib import admin

    from sellercenter.admin_base import ModelAdmin

    others = sorted(
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ModelAdmin)
    )
    assert others == []


def test_the_admins_urls_follow_the_script_prefix_and_the_url_patterns(shop_owner_client, settings, monkeypatch):
    """The admin site's URLs are reversed once and remembered, per script prefix and per URL patterns:
    a site served under a prefix, or URL patterns that change, get their own URLs."""
    from django.test import RequestFactory
    from django.urls import URLResolver, clear_url_caches, get_resolver, set_script_prefix

    _client, owner = shop_owner_client
    request = RequestFactory().get("/")
    request.user = owner

    def order_list_url():
        apps = admin.site.get_app_list(request)
        return next(m["admin_url"] for app in apps for m in app["models"] if m["object_name"] == "Order")

    reversals = []
    get_resolver().__dict__.pop("_sellercenter_reversed", None)
    reverse_with_prefix = URLResolver._reverse_with_prefix

    def counted(self, lookup_view, *args, **kwargs):
        reversals.append(lookup_view)
        return reverse_with_prefix(self, lookup_view, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counted)
    try:
        assert order_list_url() == "/admin/orders/order/"
        first = len(reversals)
        assert first > 0
        request.__dict__.pop("_sellercenter_app_lists")
        assert order_list_url() == "/admin/orders/order/"
        assert len(reversals) == first  # remembered

        set_script_prefix("/ban-hang/")
        request.__dict__.pop("_sellercenter_app_lists")
        assert order_list_url() == "/ban-hang/admin/orders/order/"
    finally:
        set_script_prefix("/")

    settings.ROOT_URLCONF = "tests.sellercenter.urls_admin_elsewhere"
    clear_url_caches()
    request.__dict__.pop("_sellercenter_app_lists")
    try:
        assert order_list_url() == "/quan-tri/orders/order/"
    finally:
        settings.ROOT_URLCONF = "sellercenter.urls"
        clear_url_caches()
