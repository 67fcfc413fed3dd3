"""Redemption quotes: how many points a cart may take. Changes nothing."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import customer_require
from loyalty import selectors
from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE


class RedemptionQuoteView(APIView):
    """How many points a customer may use on a cart and what they are worth. Changes nothing.
    A customer who is not a member gets a quote of 0 points."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "loyalty.view_loyaltyaccount"

    class InputSerializer(serializers.Serializer):
        external_id = serializers.CharField(max_length=100)
        order_amount = serializers.DecimalField(
            max_digits=18, decimal_places=2, min_value=0, help_text="Cart total payable, before points."
        )
        points = serializers.IntegerField(
            required=False, min_value=0, help_text="Points the customer wants to use; the most allowed if left out."
        )

        class Meta:
            ref_name = "LoyaltyRedemptionQuoteInput"

    class OutputSerializer(serializers.Serializer):
        available_points = serializers.IntegerField()
        max_points = serializers.IntegerField(help_text="The most points this cart may take.")
        points = serializers.IntegerField()
        value = serializers.DecimalField(max_digits=18, decimal_places=2)
        point_value = serializers.DecimalField(max_digits=18, decimal_places=2)
        max_share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
        currency = serializers.CharField()

        class Meta:
            ref_name = "LoyaltyRedemptionQuote"

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="loyalty_redemption_quote")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = customer_require(shop=request.shop, external_id=values["external_id"])
        quote = selectors.points_quote_redemption(
            customer=customer, order_amount=values["order_amount"], points=values.get("points")
        )
        return Response(self.OutputSerializer(quote).data)
