"""Member cards and enrolment. Storefront keys read cards and enrol customers."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import customer_require
from loyalty import selectors, services
from sellercenter.actor import actor_from_request
from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.idempotency import idempotent


class TierSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField()
    threshold = serializers.DecimalField(max_digits=18, decimal_places=2)
    earn_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2)
    benefits = serializers.CharField()

    class Meta:
        ref_name = "LoyaltyTier"


class MemberCardSerializer(serializers.Serializer):
    external_id = serializers.CharField(source="account.customer.external_id")
    full_name = serializers.CharField(source="account.customer.full_name")
    member_code = serializers.CharField(source="account.member_code")
    member_since = serializers.DateTimeField(source="account.created_at")
    tier = TierSerializer(source="account.tier")
    tier_kept_until = serializers.DateTimeField(source="account.tier_kept_until", allow_null=True)
    available_points = serializers.IntegerField(help_text="Points that can be spent now.")
    pending_points = serializers.IntegerField(
        source="account.pending_points", help_text="Points of delivered orders, spendable once the order completes."
    )
    points_owed = serializers.IntegerField(
        source="account.debt_points", help_text="Clawed-back points not covered; netted against future points."
    )
    lifetime_points = serializers.IntegerField(source="account.lifetime_points")
    expiring_points = serializers.IntegerField(help_text="Available points that expire before `expiring_before`.")
    expiring_before = serializers.DateTimeField()
    qualifying_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Spend (or points, by the programme's basis) in the window."
    )
    next_tier = TierSerializer(allow_null=True)
    amount_to_next_tier = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    barcode_svg = serializers.CharField(help_text="The member code as a Code 128 barcode (SVG).")

    class Meta:
        ref_name = "LoyaltyMemberCard"


def _card_response(request, external_id: str, status_code: int = status.HTTP_200_OK) -> Response:
    account = selectors.account_for_customer(shop=request.shop, external_id=external_id)
    return Response(MemberCardSerializer(selectors.member_card(account=account)).data, status=status_code)


class MemberView(APIView):
    """A member's card: tier, balances, points expiring soon, progress to the next tier, barcode."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "loyalty.view_loyaltyaccount"

    @extend_schema(responses=MemberCardSerializer, operation_id="loyalty_member_retrieve")
    def get(self, request, external_id: str):
        return _card_response(request, external_id)


class MemberEnrolView(APIView):
    """Enrol a customer in the programme (at the lowest tier). Enrolling a member again changes nothing."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "loyalty.add_loyaltyaccount"

    class InputSerializer(serializers.Serializer):
        external_id = serializers.CharField(max_length=100)

        class Meta:
            ref_name = "LoyaltyEnrolInput"

    @extend_schema(
        request=InputSerializer,
        responses={201: MemberCardSerializer, 200: MemberCardSerializer},
        operation_id="loyalty_member_enrol",
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = customer_require(shop=request.shop, external_id=data.validated_data["external_id"])
        created = not selectors.is_member(customer=customer)
        services.account_enrol(customer=customer, actor=actor_from_request(request))
        return _card_response(request, customer.external_id, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
