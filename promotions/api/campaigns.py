"""Campaigns: list, create, change, status actions, duplicate, results, and the offers open to a customer."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Channel, Segment
from loyalty.models import Tier
from promotions import selectors, services
from promotions.api.base import MONEY, STOREFRONT_STATUSES, CustomerInput, ReadForStorefrontsMixin, ShopTimeMixin
from promotions.api.campaign_rows import campaign_rows, campaigns_output, loaded_campaigns_output
from promotions.api.serializers import (
    PublicCampaignSerializer,
    StaffCampaignSerializer,
    campaign_for_scope,
    campaign_output,
)
from promotions.models import Campaign, CodeMode, Kind, Status
from sellercenter.actor import actor_from_request
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.filters import FilterSet
from sellercenter.api.idempotency import idempotent
from sellercenter.api.permissions import is_back_office
from sellercenter.api.transactions import api_write


class CampaignFilter(FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices, field_name="current_status")
    kind = filters.ChoiceFilter(choices=Kind.choices)
    code_mode = filters.ChoiceFilter(choices=CodeMode.choices)

    class Meta:
        model = Campaign
        fields = ["status", "kind", "code_mode"]


class CampaignInputSerializer(serializers.Serializer):
    """The terms of a campaign; on PATCH any subset of them."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False)
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
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, max_length=len(Channel.choices)
    )
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
    required_permissions = {"GET": "promotions.view_campaign", "POST": "promotions.add_campaign"}

    def get_queryset(self):
        return _campaigns_for(self.request)

    @extend_schema(responses=campaign_for_scope(many=True), operation_id="promotions_campaigns_list")
    def get(self, request):
        # The serializer's JSON from the rows of one query (and one for the tiers), none per row.
        page = self.paginate_queryset(campaign_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(campaigns_output(page, staff=is_back_office(request)))

    @extend_schema(
        request=CampaignInputSerializer,
        responses={201: StaffCampaignSerializer},
        operation_id="promotions_campaigns_create",
    )
    @idempotent
    def post(self, request):
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(
            shop=request.shop, actor=actor_from_request(request), **data.terms(request.shop)
        )
        return Response(StaffCampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(ReadForStorefrontsMixin, APIView):
    required_permissions = {"GET": "promotions.view_campaign", "PATCH": "promotions.change_campaign"}

    @extend_schema(responses=campaign_for_scope(), operation_id="promotions_campaigns_retrieve")
    def get(self, request, pk: int):
        return Response(campaign_output(request, get_object_or_404(_campaigns_for(request), pk=pk)))

    @extend_schema(
        request=CampaignInputSerializer, responses=StaffCampaignSerializer, operation_id="promotions_campaigns_update"
    )
    @api_write
    def patch(self, request, pk: int):
        campaign = get_object_or_404(Campaign, shop=request.shop, pk=pk)
        data = CampaignInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_update(
            campaign=campaign, actor=actor_from_request(request), **data.terms(request.shop)
        )
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
    required_permissions = "promotions.change_campaign"

    @extend_schema(request=None, responses=StaffCampaignSerializer, operation_id="promotions_campaigns_action")
    @api_write
    def post(self, request, pk: int, action: str):
        campaign = get_object_or_404(Campaign, shop=request.shop, pk=pk)
        campaign = CAMPAIGN_ACTIONS[action](campaign=campaign, actor=actor_from_request(request))
        return Response(StaffCampaignSerializer(campaign).data)


class CampaignDuplicateView(ShopTimeMixin, APIView):
    """A draft copy of the campaign, with nothing spent and no code."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "promotions.add_campaign"

    @extend_schema(
        request=None, responses={201: StaffCampaignSerializer}, operation_id="promotions_campaigns_duplicate"
    )
    @idempotent
    def post(self, request, pk: int):
        campaign = get_object_or_404(Campaign, shop=request.shop, pk=pk)
        copy = services.campaign_duplicate(campaign=campaign, actor=actor_from_request(request))
        return Response(StaffCampaignSerializer(copy).data, status=status.HTTP_201_CREATED)


class CampaignResultsView(ShopTimeMixin, APIView):
    """How the campaign did: cost against the revenue of the orders that used it, spend per day, when
    the budget runs out at the current pace, and the split by member tier and channel."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "promotions.view_campaign"

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
    required_permissions = "promotions.view_campaign"

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
        at = timezone.now()
        offered = selectors.campaigns_offered(
            shop=request.shop, customer=data.customer(request.shop), channel=data.validated_data.get("channel"), at=at
        )
        # The serializer's JSON from the campaigns the selector loaded to judge them, in its order and
        # their status at the moment it judged them: no serializer per campaign and no query again.
        return Response(loaded_campaigns_output(offered, at=at, staff=False))
