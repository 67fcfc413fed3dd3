"""`POST /reviews`: a customer rates and comments a line of an order delivered to them."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import customer_named
from customers.services.reviews import COMMENT_MAX_LENGTH, review_post
from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.idempotency import idempotent


class ReviewView(APIView):
    """Post the customer's 1-5 rating and comment on one delivered order line (once per line). 404
    when the line was not delivered to this customer, 409 when it was reviewed already."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    # No staff role holds it: a review is the customer's word, posted by the storefront.
    required_permissions = "customers.add_review"

    class InputSerializer(serializers.Serializer):
        customer_id = serializers.CharField(max_length=100, help_text="The storefront's customer id.")
        order_ref = serializers.CharField(max_length=64, help_text="The order number, e.g. SC-000123.")
        sku = serializers.CharField(max_length=64)
        rating = serializers.IntegerField(min_value=1, max_value=5)
        comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True)

        class Meta:
            ref_name = "ReviewInput"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        order_ref = serializers.CharField(source="line.order_ref")
        sku = serializers.CharField(source="line.sku")
        rating = serializers.IntegerField()
        comment = serializers.CharField()
        created_at = serializers.DateTimeField()

        class Meta:
            ref_name = "Review"

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, operation_id="review_post")
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = customer_named(shop=request.shop, external_id=values["customer_id"], field="customer_id")
        review = review_post(
            customer=customer,
            order_ref=values["order_ref"],
            sku=values["sku"],
            rating=values["rating"],
            comment=values.get("comment", ""),
        )
        return Response(self.OutputSerializer(review).data, status=status.HTTP_201_CREATED)
