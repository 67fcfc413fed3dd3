import factory
from django.contrib.auth import get_user_model

from sellercenter import services
from sellercenter.models import ApiScope, Role, Shop


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"Cửa hàng Phố Cổ {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    contact_email = factory.Sequence(lambda n: f"shop{n}@example.vn")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, so every app sets the shop up as in production (e.g. loyalty tiers).
        return services.shop_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"nhanvien{n}")
    first_name = "Lan"
    last_name = "Nguyễn Thị"
    password = factory.django.Password("mat-khau-123")


def staff_user(shop: Shop, role: str = Role.OWNER, **fields):
    """A staff user with `role` in `shop`."""
    user = UserFactory(**fields)
    services.membership_set(user=user, shop=shop, role=role)
    return user


def api_key_secret(shop: Shop, scopes=(ApiScope.STOREFRONT, ApiScope.BACK_OFFICE)) -> str:
    _key, secret = services.api_key_create(shop=shop, name="Test key", scopes=list(scopes))
    return secret
