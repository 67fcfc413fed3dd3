"""Kernel endpoints: the calling key's shop."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE
from sellercenter.models import Shop


class ShopView(APIView):
    """The shop the API key (or the staff member's X-Shop) belongs to."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "sellercenter.view_shop"

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Shop
            fields = [
                "id",
                "name",
                "slug",
                "currency",
                "time_zone",
                "contact_email",
                "contact_phone",
                "handling_days",
                "return_window_days",
                "payment_timeout_minutes",
            ]
            ref_name = "Shop"

    @extend_schema(responses=OutputSerializer, operation_id="shop_retrieve")
    def get(self, request):
        return Response(self.OutputSerializer(request.shop).data)
