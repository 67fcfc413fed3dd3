"""What every promotions endpoint shares: dates in the shop's time zone, who the customer is, and which
callers may see what (storefronts: running and scheduled campaigns only)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers.models import Customer
from customers.selectors import customer_resolve
from promotions.models import Status
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE

MONEY = {"max_digits": 18, "decimal_places": 2}


STOREFRONT_STATUSES = (Status.ACTIVE, Status.SCHEDULED)


class ShopTimeMixin:
    """Read and write dates in the shop's time zone."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        timezone.activate(request.shop.tzinfo)

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


class ReadForStorefrontsMixin(ShopTimeMixin):
    """GET for storefront and back-office keys; every other method for the back office only."""

    required_scopes = {"GET": STOREFRONT_AND_BACK_OFFICE, "POST": BACK_OFFICE_ONLY, "PATCH": BACK_OFFICE_ONLY}


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
        customer = customer_resolve(shop=shop, **lookup)
        if customer is None:
            raise serializers.ValidationError({field: [_("Unknown customer.")]})
        return customer
