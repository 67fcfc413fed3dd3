"""What a cart gets from the shop's promotions, and whether a voucher code can be used now."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Channel
from promotions import selectors
from promotions.api.base import MONEY, CustomerInput, ShopTimeMixin
from promotions.api.serializers import PublicCampaignSerializer
from promotions.models import Kind
from promotions.quotes import QuoteLine, Reason
from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE


class QuoteView(ShopTimeMixin, APIView):
    """What a cart gets from the shop's promotions. Changes nothing; call it as often as the cart changes."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "promotions.view_campaign"
    throttle_scope = "quote"

    class InputSerializer(CustomerInput):
        class LineSerializer(serializers.Serializer):
            sku = serializers.CharField(max_length=64)
            quantity = serializers.IntegerField(min_value=1, max_value=100_000)
            unit_price = serializers.DecimalField(**MONEY, min_value=0)

        lines = LineSerializer(many=True, allow_empty=False, max_length=500)
        channel = serializers.ChoiceField(choices=Channel.choices)
        codes = serializers.ListField(
            child=serializers.CharField(max_length=64), default=list, max_length=selectors.MAX_CODES
        )
        shipping_fee = serializers.DecimalField(**MONEY, min_value=0, default=0)

    class OutputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            sku = serializers.CharField()
            quantity = serializers.IntegerField()
            unit_price = serializers.DecimalField(**MONEY)
            subtotal = serializers.DecimalField(**MONEY)
            discount = serializers.DecimalField(**MONEY, help_text="SKU discounts on this line.")
            order_discount_share = serializers.DecimalField(
                **MONEY, help_text="This line's share of the order discount."
            )
            total = serializers.DecimalField(**MONEY)

        class GiftSerializer(serializers.Serializer):
            campaign_id = serializers.IntegerField()
            sku = serializers.CharField()
            quantity = serializers.IntegerField()
            value = serializers.DecimalField(**MONEY)

        class AppliedSerializer(serializers.Serializer):
            campaign_id = serializers.IntegerField()
            name = serializers.CharField()
            kind = serializers.ChoiceField(choices=Kind.choices)
            code = serializers.CharField()
            amount = serializers.DecimalField(**MONEY, help_text="What it costs the campaign's budget.")

        class RejectedSerializer(serializers.Serializer):
            campaign_id = serializers.IntegerField(allow_null=True)
            code = serializers.CharField()
            reason = serializers.ChoiceField(choices=Reason.choices)
            message = serializers.CharField()

        currency = serializers.CharField()
        lines = LineSerializer(many=True)
        subtotal = serializers.DecimalField(**MONEY)
        line_discount = serializers.DecimalField(**MONEY)
        order_discount = serializers.DecimalField(**MONEY)
        shipping_fee = serializers.DecimalField(**MONEY)
        shipping_discount = serializers.DecimalField(**MONEY)
        total_discount = serializers.DecimalField(**MONEY)
        total = serializers.DecimalField(**MONEY)
        free_gifts = GiftSerializer(many=True)
        applied = AppliedSerializer(many=True)
        rejected = RejectedSerializer(many=True)

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="promotions_quote")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = selectors.quote(
            shop=request.shop,
            lines=[QuoteLine(line["sku"], line["quantity"], line["unit_price"]) for line in values["lines"]],
            customer=data.customer(request.shop),
            channel=values["channel"],
            codes=values["codes"],
            shipping_fee=values["shipping_fee"],
        )
        return Response(self.OutputSerializer(result).data)


class VoucherValidateView(ShopTimeMixin, APIView):
    """Whether a code can be used by this customer now, before the cart is known (the cart's minimum is
    checked by the quote). Always 200: `valid` and, if not, a machine-readable `reason`."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "promotions.view_campaign"
    throttle_scope = "voucher_validate"

    class InputSerializer(CustomerInput):
        code = serializers.CharField(max_length=64)
        channel = serializers.ChoiceField(choices=Channel.choices, required=False)

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        valid = serializers.BooleanField()
        reason = serializers.ChoiceField(choices=Reason.choices, allow_null=True)
        message = serializers.CharField()
        campaign = PublicCampaignSerializer(allow_null=True)

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="promotions_voucher_validate")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = selectors.voucher_check(
            shop=request.shop,
            code=data.validated_data["code"],
            customer=data.customer(request.shop),
            channel=data.validated_data.get("channel"),
        )
        return Response(self.OutputSerializer(check).data)
