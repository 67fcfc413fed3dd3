"""A campaign's unique voucher codes: list them and generate batches."""

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from promotions import services
from promotions.api.base import ShopTimeMixin
from promotions.models import Campaign, Voucher
from sellercenter.api.base import BACK_OFFICE_ONLY
from sellercenter.api.filters import FilterSet
from sellercenter.api.idempotency import idempotent
from sellercenter.api.rows import ListFromRowsMixin


class VoucherSerializer(serializers.ModelSerializer):
    class Meta:
        model = Voucher
        ref_name = "PromotionVoucher"
        fields = ["id", "code", "batch", "used_order_ref", "used_at", "created_at"]


class VoucherFilter(FilterSet):
    used = filters.BooleanFilter(field_name="used_at", lookup_expr="isnull", exclude=True)
    batch = filters.CharFilter()

    class Meta:
        model = Voucher
        fields = ["used", "batch"]


class CampaignVouchersView(ListFromRowsMixin, ShopTimeMixin, generics.GenericAPIView):
    """The campaign's unique voucher codes (filter `used`, `batch`), the page built from query rows;
    POST generates a batch."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = {"GET": "promotions.view_voucher", "POST": "promotions.change_campaign"}
    filterset_class = VoucherFilter
    serializer_class = VoucherSerializer  # the rows' shape; each operation names its own schema

    class InputSerializer(serializers.Serializer):
        count = serializers.IntegerField(min_value=1, max_value=services.MAX_VOUCHERS_PER_BATCH)
        prefix = serializers.CharField(max_length=12, allow_blank=True, default="")

    class BatchSerializer(serializers.Serializer):
        batch = serializers.CharField()
        codes = serializers.ListField(child=serializers.CharField())

    def _campaign(self) -> Campaign:
        return get_object_or_404(Campaign, shop=self.request.shop, pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no campaign in the URL
            return Voucher.objects.none()
        return Voucher.objects.filter(shop=self.request.shop, campaign=self._campaign())

    @extend_schema(responses=VoucherSerializer(many=True), operation_id="promotions_vouchers_list")
    def get(self, request, pk: int):
        return self.list(request)

    @extend_schema(
        request=InputSerializer, responses={201: BatchSerializer}, operation_id="promotions_vouchers_generate"
    )
    @idempotent
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vouchers = services.vouchers_generate(campaign=self._campaign(), **data.validated_data)
        body = {"batch": vouchers[0].batch, "codes": [voucher.code for voucher in vouchers]}
        return Response(self.BatchSerializer(body).data, status=status.HTTP_201_CREATED)
