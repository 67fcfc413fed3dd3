"""How a campaign is shown: without budget figures and code to storefronts, in full to the back office."""

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from promotions.models import Campaign
from sellercenter.api.permissions import is_back_office


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


def campaign_for_scope(*, many: bool = False) -> PolymorphicProxySerializer:
    """How a campaign answer is documented: the back office's shape or the storefront's (fewer fields)."""
    return PolymorphicProxySerializer(
        component_name="PromotionCampaignForScope",
        serializers=[StaffCampaignSerializer, PublicCampaignSerializer],
        resource_type_field_name=None,
        many=many,
    )


def campaign_output(request, campaign) -> dict:
    serializer = StaffCampaignSerializer if is_back_office(request) else PublicCampaignSerializer
    return serializer(campaign).data
