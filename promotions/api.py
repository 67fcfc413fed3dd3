"""Promotions API: quotes, voucher checks and offers for storefronts; campaigns for staff tools.

Dates are read and written in the shop's time zone (an offset-less date is the shop's local time;
answers carry the shop's offset). Storefront keys see published campaigns that are running or
scheduled, without budget figures; back-office keys and staff see and change everything.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Channel, Customer, Segment
from loyalty.models import Tier
from promotions import selectors, services
from promotions.models import Campaign, CodeMode, Kind, Status, Voucher
from promotions.quotes import QuoteLine, Reason
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.idempotency import idempotent
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


# --- Quote and voucher check -----------------------------------------------------------------------


class QuoteView(ShopTimeMixin, APIView):
    """What a cart gets from the shop's promotions. Changes nothing; call it as often as the cart changes."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    write_permission = None
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


class PublicCampaignSerializer(serializers.ModelSerializer):
    """What a storefront may show about a campaign. Not its code: shared codes are often handed to
    some customers only (a KOL's followers, a newsletter), so the API never lists them."""

    status = serializers.SerializerMethodField()
    tier_ranks = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        ref_name = "PromotionCampaignPublic"
        fields = [
            "id",
            "name",
            "description",
            "kind",
            "value",
            "skus",
            "gift_sku",
            "gift_quantity",
            "min_subtotal",
            "max_discount",
            "starts_at",
            "ends_at",
            "code_mode",
            "channels",
            "tier_ranks",
            "first_order_only",
            "exclusive",
            "status",
        ]

    def get_status(self, campaign) -> str:
        return getattr(campaign, "current_status", None) or campaign.status

    def get_tier_ranks(self, campaign) -> list[int]:
        return sorted(tier.rank for tier in campaign.tiers.all())


class StaffCampaignSerializer(PublicCampaignSerializer):
    class Meta(PublicCampaignSerializer.Meta):
        ref_name = "PromotionCampaign"
        fields = [
            *PublicCampaignSerializer.Meta.fields,
            "code",
            "priority",
            "segment_id",
            "budget",
            "spent",
            "remaining_budget",
            "uses_count",
            "usage_limit_total",
            "usage_limit_per_customer",
            "published_at",
            "paused_at",
            "ended_at",
            "created_at",
            "updated_at",
        ]


def campaign_output(request, campaign) -> dict:
    serializer = StaffCampaignSerializer if is_back_office(request) else PublicCampaignSerializer
    return serializer(campaign).data


class VoucherValidateView(ShopTimeMixin, APIView):
    """Whether a code can be used by this customer now, before the cart is known (the cart's minimum is
    checked by the quote). Always 200: `valid` and, if not, a machine-readable `reason`."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    write_permission = None
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


# --- Campaigns -------------------------------------------------------------------------------------


class CampaignFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices, field_name="current_status")
    kind = filters.ChoiceFilter(choices=Kind.choices)
    code_mode = filters.ChoiceFilter(choices=CodeMode.choices)

    class Meta:
        model = Campaign
        fields = ["status", "kind", "code_mode"]


class CampaignInputSerializer(serializers.Serializer):
    """The terms of a campaign; on PATCH any subset of them."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices)
    value = serializers.DecimalField(**MONEY)
    skus = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=1000)
    gift_sku = serializers.CharField(max_length=64, allow_blank=True, required=False)
    gift_quantity = serializers.IntegerField(min_value=1, max_value=100, required=False)
    min_subtotal = serializers.DecimalField(**MONEY, required=False)
    max_discount = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    budget = serializers.DecimalField(**MONEY)
    usage_limit_total = serializers.IntegerField(required=False, allow_null=True)
    usage_limit_per_customer = serializers.IntegerField(required=False, allow_null=True)
    tier_ranks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=5), required=False, max_length=5
    )
    segment_id = serializers.IntegerField(required=False, allow_null=True)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), required=False)
    first_order_only = serializers.BooleanField(required=False)
    exclusive = serializers.BooleanField(required=False)
    priority = serializers.IntegerField(min_value=-1000, max_value=1000, required=False)
    code_mode = serializers.ChoiceField(choices=CodeMode.choices, required=False)
    code = serializers.CharField(max_length=32, allow_blank=True, required=False)

    def terms(self, shop) -> dict:
        """The validated data as service terms: tier ranks and segment id become the shop's rows."""
        terms = dict(self.validated_data)
        if "tier_ranks" in terms:
            ranks = set(terms.pop("tier_ranks"))
            tiers = list(Tier.objects.filter(shop=shop, rank__in=ranks))
            if len(tiers) != len(ranks):
                raise serializers.ValidationError({"tier_ranks": [_("The shop has no tier of this rank.")]})
            terms["tiers"] = tiers
        if "segment_id" in terms:
            segment_id = terms.pop("segment_id")
            terms["segment"] = None if segment_id is None else Segment.objects.filter(shop=shop, pk=segment_id).first()
            if segment_id is not None and terms["segment"] is None:
                raise serializers.ValidationError({"segment_id": [_("Unknown segment.")]})
        return terms


def _campaigns_for(request):
    campaigns = selectors.campaign_list(shop=request.shop)
    if not is_back_office(request):
        campaigns = campaigns.filter(current_status__in=STOREFRONT_STATUSES)
    return campaigns


class CampaignListView(ReadForStorefrontsMixin, generics.GenericAPIView):
    """The shop's campaigns, newest first, filtered by status, kind or code mode. Storefront keys see
    only running and scheduled ones. POST (back office) creates a draft."""

    filterset_class = CampaignFilter
    write_permission = "promotions.add_campaign"

    def get_queryset(self):
        return _campaigns_for(self.request)

    @extend_schema(responses=StaffCampaignSerializer(many=True), operation_id="promotions_campaigns_list")
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = StaffCampaignSerializer if is_back_office(request) else PublicCampaignSerializer
        return self.get_paginated_response(serializer(page, many=True).data)

    @extend_schema(
        request=CampaignInputSerializer,
        responses={201: StaffCampaignSerializer},
        operation_id="promotions_campaigns_create",
    )
    @idempotent
    def post(self, request):
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(shop=request.shop, **data.terms(request.shop))
        return Response(StaffCampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(ReadForStorefrontsMixin, APIView):
    @extend_schema(responses=StaffCampaignSerializer, operation_id="promotions_campaigns_retrieve")
    def get(self, request, pk: int):
        return Response(campaign_output(request, get_object_or_404(_campaigns_for(request), pk=pk)))

    @extend_schema(
        request=CampaignInputSerializer, responses=StaffCampaignSerializer, operation_id="promotions_campaigns_update"
    )
    def patch(self, request, pk: int):
        campaign = get_object_or_404(Campaign, shop=request.shop, pk=pk)
        data = CampaignInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_update(campaign=campaign, **data.terms(request.shop))
        return Response(StaffCampaignSerializer(campaign).data)


CAMPAIGN_ACTIONS = {
    "publish": services.campaign_publish,
    "pause": services.campaign_pause,
    "resume": services.campaign_resume,
    "end": services.campaign_end,
}


class CampaignActionView(ShopTimeMixin, APIView):
    """POST campaigns/{id}/publish | pause | resume | end: one status change; 409 if the status
    does not allow it."""

    required_scopes = BACK_OFFICE_ONLY

    @extend_schema(request=None, responses=StaffCampaignSerializer, operation_id="promotions_campaigns_action")
    def post(self, request, pk: int, action: str):
        campaign = get_object_or_404(Campaign, shop=request.shop, pk=pk)
        campaign = CAMPAIGN_ACTIONS[action](campaign=campaign)
        return Response(StaffCampaignSerializer(campaign).data)


class CampaignDuplicateView(ShopTimeMixin, APIView):
    """A draft copy of the campaign, with nothing spent and no code."""

    required_scopes = BACK_OFFICE_ONLY
    write_permission = "promotions.add_campaign"

    @extend_schema(
        request=None, responses={201: StaffCampaignSerializer}, operation_id="promotions_campaigns_duplicate"
    )
    @idempotent
    def post(self, request, pk: int):
        campaign = get_object_or_404(Campaign, shop=request.shop, pk=pk)
        copy = services.campaign_duplicate(campaign=campaign)
        return Response(StaffCampaignSerializer(copy).data, status=status.HTTP_201_CREATED)


class VoucherSerializer(serializers.ModelSerializer):
    class Meta:
        model = Voucher
        ref_name = "PromotionVoucher"
        fields = ["id", "code", "batch", "used_order_ref", "used_at", "created_at"]


class VoucherFilter(filters.FilterSet):
    used = filters.BooleanFilter(field_name="used_at", lookup_expr="isnull", exclude=True)
    batch = filters.CharFilter()

    class Meta:
        model = Voucher
        fields = ["used", "batch"]


class CampaignVouchersView(ShopTimeMixin, generics.GenericAPIView):
    """The campaign's unique voucher codes (filter `used`, `batch`); POST generates a batch."""

    required_scopes = BACK_OFFICE_ONLY
    filterset_class = VoucherFilter

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
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(VoucherSerializer(page, many=True).data)

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


class CampaignResultsView(ShopTimeMixin, APIView):
    """How the campaign did: cost against the revenue of the orders that used it, spend per day, when
    the budget runs out at the current pace, and the split by member tier and channel."""

    required_scopes = BACK_OFFICE_ONLY

    class OutputSerializer(serializers.Serializer):
        class RowSerializer(serializers.Serializer):
            key = serializers.CharField()
            label = serializers.CharField()
            redemptions = serializers.IntegerField()
            cost = serializers.DecimalField(**MONEY)
            revenue = serializers.DecimalField(**MONEY)

        class DaySerializer(serializers.Serializer):
            day = serializers.DateField()
            redemptions = serializers.IntegerField()
            cost = serializers.DecimalField(**MONEY)

        campaign_id = serializers.IntegerField()
        currency = serializers.CharField()
        status = serializers.ChoiceField(choices=Status.choices)
        budget = serializers.DecimalField(**MONEY)
        spent = serializers.DecimalField(**MONEY)
        remaining = serializers.DecimalField(**MONEY)
        redemptions = serializers.IntegerField()
        released = serializers.IntegerField(help_text="Redemptions given back by cancelled orders.")
        cost = serializers.DecimalField(**MONEY)
        revenue = serializers.DecimalField(**MONEY)
        return_on_spend = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
        pace_per_day = serializers.DecimalField(**MONEY)
        projected_exhaustion = serializers.DateField(allow_null=True)
        runs_out_before_end = serializers.BooleanField()
        daily = DaySerializer(many=True)
        by_tier = RowSerializer(many=True)
        by_channel = RowSerializer(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="promotions_campaigns_results")
    def get(self, request, pk: int):
        campaign = get_object_or_404(Campaign.objects.select_related("shop"), shop=request.shop, pk=pk)
        return Response(self.OutputSerializer(selectors.campaign_results(campaign=campaign)).data)


class CampaignOffersView(ShopTimeMixin, APIView):
    """The running campaigns a customer may use now, whatever the cart (e.g. a member's tier offers),
    highest priority first. Without a customer: those open to guests."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE

    class InputSerializer(CustomerInput):
        channel = serializers.ChoiceField(choices=Channel.choices, required=False)

    @extend_schema(
        parameters=[InputSerializer],
        responses=PublicCampaignSerializer(many=True),
        operation_id="promotions_campaigns_offers",
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        campaigns = selectors.campaigns_offered(
            shop=request.shop, customer=data.customer(request.shop), channel=data.validated_data.get("channel")
        )
        return Response(PublicCampaignSerializer(campaigns, many=True).data)
