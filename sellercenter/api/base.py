"""What every shop-scoped API view shares: the queryset is always the request's shop's."""

from sellercenter.models import ApiScope

STOREFRONT_AND_BACK_OFFICE = (ApiScope.STOREFRONT, ApiScope.BACK_OFFICE)
BACK_OFFICE_ONLY = (ApiScope.BACK_OFFICE,)


class ShopScopedMixin:
    """Filter `queryset` (or `get_base_queryset()`) to `request.shop`: another shop's row is a 404."""

    shop_field = "shop"

    def get_queryset(self):
        return super().get_queryset().filter(**{self.shop_field: self.request.shop})
