import pytest
from django.urls import reverse

from sellercenter import services
from sellercenter.models import ApiKey, ApiScope, Role
from tests.sellercenter.factories import ShopFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(shop, other_shop):
    mine, _secret = services.api_key_create(shop=shop, name="Website Hoa Mai", scopes=[ApiScope.STOREFRONT])
    theirs, _secret = services.api_key_create(shop=other_shop, name="Website Sen Việt", scopes=[ApiScope.STOREFRONT])
    return mine, theirs


def test_changelist_shows_only_the_users_shop(owner_client, keys):
    response = owner_client.get(reverse("admin:sellercenter_apikey_changelist"))

    assert response.status_code == 200
    shown = list(response.context["cl"].queryset)
    assert shown == [keys[0]]


def test_another_shops_object_is_a_404(owner_client, keys):
    mine, theirs = keys

    assert owner_client.get(reverse("admin:sellercenter_apikey_change", args=[mine.pk])).status_code == 200
    assert owner_client.get(reverse("admin:sellercenter_apikey_change", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("admin:sellercenter_shop_change", args=[theirs.shop_id])).status_code == 404


def test_foreign_key_choices_are_the_users_shops(owner_client, shop, other_shop):
    response = owner_client.get(reverse("admin:sellercenter_apikey_add"))

    choices = list(response.context["adminform"].form.fields["shop"].queryset)
    assert choices == [shop]


def test_posting_another_shops_id_is_refused(owner_client, other_shop):
    response = owner_client.post(
        reverse("admin:sellercenter_apikey_add"), {"shop": other_shop.pk, "name": "Lén lút", "scopes": ["storefront"]}
    )

    assert response.status_code == 200  # the form again, with an error
    assert "shop" in response.context["adminform"].form.errors
    assert not ApiKey.objects.filter(name="Lén lút").exists()


def test_creating_a_key_shows_the_secret_once_and_stores_only_its_hash(owner_client, shop):
    response = owner_client.post(
        reverse("admin:sellercenter_apikey_add"),
        {"shop": shop.pk, "name": "Ứng dụng di động", "scopes": ["storefront", "back_office"]},
    )

    assert response.status_code == 200
    secret = response.context["secret"]
    api_key = ApiKey.objects.get(name="Ứng dụng di động")
    assert secret.startswith(f"sc_{api_key.prefix}.")
    assert secret not in api_key.secret_hash
    assert api_key.scopes == ["back_office", "storefront"]
    assert services.api_key_authenticate(secret=secret) == api_key


def test_revoke_action_revokes_only_the_users_keys(owner_client, keys):
    mine, theirs = keys

    owner_client.post(
        reverse("admin:sellercenter_apikey_changelist"),
        {"action": "revoke", "_selected_action": [mine.pk, theirs.pk]},
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None


def test_superuser_sees_every_shop(client, keys, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("operator", "o@example.vn", "x"))

    response = client.get(reverse("admin:sellercenter_apikey_changelist"))

    assert set(response.context["cl"].queryset) == set(keys)


def test_role_permissions_hold_per_shop(shop, other_shop, keys):
    """An accountant in one shop who owns another may change keys only in the shop they own."""
    user = UserFactory()
    services.membership_set(user=user, shop=shop, role=Role.ACCOUNTANT)
    services.membership_set(user=user, shop=other_shop, role=Role.OWNER)
    mine, theirs = keys

    assert user.has_perm("sellercenter.change_apikey")  # opens the admin page
    assert not user.has_perm("sellercenter.change_apikey", mine)
    assert user.has_perm("sellercenter.change_apikey", theirs)
    assert user.has_perm("sellercenter.view_shop", shop)


def test_accountant_reads_the_change_page_but_cannot_save(client, shop, keys):
    accountant = staff_user(shop, Role.ACCOUNTANT)
    client.force_login(accountant)

    assert client.get(reverse("admin:sellercenter_apikey_changelist")).status_code == 403
    assert client.get(reverse("admin:sellercenter_shop_change", args=[shop.pk])).status_code == 200
    client.post(reverse("admin:sellercenter_shop_change", args=[shop.pk]), {"name": "Đổi tên", "slug": shop.slug})
    shop.refresh_from_db()
    assert shop.name != "Đổi tên"


def test_multi_shop_user_chooses_among_their_shops(client, shop, other_shop):
    user = staff_user(shop, Role.OWNER)
    services.membership_set(user=user, shop=other_shop, role=Role.OWNER)
    ShopFactory(name="Cửa hàng người khác")
    client.force_login(user)

    response = client.get(reverse("admin:sellercenter_apikey_add"))

    assert set(response.context["adminform"].form.fields["shop"].queryset) == {shop, other_shop}
