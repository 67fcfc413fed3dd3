"""A member's points ledger (storefront and back office) and manual adjustments (back office only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty import selectors, services
from loyalty.models import ENTRY_POINTS, PointsEntry
from sellercenter.actor import actor_from_request
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.idempotency import idempotent
from sellercenter.api.rows import ListFromRowsMixin


class LedgerEntrySerializer(serializers.ModelSerializer):
    points = serializers.IntegerField(help_text="Effect on what the member holds (pending + available - owed).")

    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "kind",
            "points",
            "pending_delta",
            "available_delta",
            "debt_delta",
            "source",
            "amount",
            "reason",
            "occurred_at",
        ]
        ref_name = "LoyaltyLedgerEntry"


class MemberLedgerView(ListFromRowsMixin, generics.ListAPIView):
    """The member's points ledger, newest first (cursor pages), the page built from query rows."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "loyalty.view_pointsentry"
    serializer_class = LedgerEntrySerializer
    row_annotations = {"points": ENTRY_POINTS}  # PointsEntry.points, computed by the query

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no member in the URL
            return PointsEntry.objects.none()
        account = selectors.account_for_customer(shop=self.request.shop, external_id=self.kwargs["external_id"])
        return selectors.ledger_entries(account=account)

    @extend_schema(operation_id="loyalty_member_ledger")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MemberAdjustmentView(APIView):
    """Add points to (or, with a negative number, remove them from) a member's available balance,
    with a reason. Back office only."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "loyalty.change_loyaltyaccount"

    class InputSerializer(serializers.Serializer):
        points = serializers.IntegerField()
        reason = serializers.CharField(max_length=300)

        class Meta:
            ref_name = "LoyaltyAdjustmentInput"

    @extend_schema(
        request=InputSerializer, responses={201: LedgerEntrySerializer}, operation_id="loyalty_member_adjust"
    )
    @idempotent
    def post(self, request, external_id: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = selectors.account_for_customer(shop=request.shop, external_id=external_id)
        # The ledger records who adjusted: the staff member of the session, or the API key.
        entry = services.points_adjust(account=account, actor=actor_from_request(request), **data.validated_data)
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
