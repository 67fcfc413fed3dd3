"""What every promotions endpoint shares: dates in the shop's time zone, the role check on staff writes,
who the customer is, and which callers count as the back office."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from customers.models import Customer
from promotions.models import Status
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE
from sellercenter.models import ApiKey, ApiScope

MONEY = {"max_digits": 18, "decimal_places": 2}


STOREFRONT_STATUSES = (Status.ACTIVE, Status.SCHEDULED)


def is_back_office(request) -> bool:
    return not isinstance(request.auth, ApiKey) or request.auth.has_scope(ApiScope.BACK_OFFICE)


class ShopTimeMixin:
    """Read and write dates in the shop's time zone; writes by staff need their role's permission."""

    write_permission = "promotions.change_campaign"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        timezone.activate(request.shop.tzinfo)
        if request.method not in ("GET", "HEAD", "OPTIONS") and self.write_permission:
            self._check_role(request)

    def _check_role(self, request) -> None:
        if isinstance(request.auth, ApiKey) or request.user.has_perm(self.write_permission, request.shop):
            return
        raise exceptions.PermissionDenied(_("Your role in this shop may not do this."))

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


class ReadForStorefrontsMixin(ShopTimeMixin):
    """GET for storefront and back-office keys; every other method for the back office only."""

    @property
    def required_scopes(self):
        return STOREFRONT_AND_BACK_OFFICE if self.request.method in ("GET", "HEAD", "OPTIONS") else BACK_OFFICE_ONLY


class CustomerInput(serializers.Serializer):
    """Who the customer is: our id or the storefront's own id (both optional: a guest)."""

    customer_id = serializers.IntegerField(required=False, allow_null=True)
    customer_external_id = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def customer(self, shop) -> Customer | None:
        data = self.validated_data
        if data.get("customer_id") is not None:
            lookup, field = {"pk": data["customer_id"]}, "customer_id"
        elif data.get("customer_external_id"):
            lookup, field = {"external_id": data["customer_external_id"]}, "customer_external_id"
        else:
            return None
        customer = Customer.objects.filter(shop=shop, **lookup).first()
        if customer is None:
            raise serializers.ValidationError({field: [_("Unknown customer.")]})
        return customer
