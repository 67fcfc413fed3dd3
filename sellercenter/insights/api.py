"""`GET /api/v1/insights`: the home's figures for a storefront, a BI tool or a script (back office only)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from sellercenter.api.base import BACK_OFFICE_ONLY
from sellercenter.db_router import reads_from_replica
from sellercenter.insights.ranges import day_range_parse
from sellercenter.insights.selectors import sections_for, shop_insights
from sellercenter.insights.todos import shop_todos
from sellercenter.models import Membership

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 2, "allow_null": True}


def _number(value) -> str | None:
    return None if value is None else str(value)


class InsightsView(APIView):
    """The shop's to-dos and business insights for a range of days in its time zone, with the same
    figures for the period right before. A staff session sees what its role sees; an API key all."""

    required_scopes = BACK_OFFICE_ONLY
    # Every role may open the home; what it sees of it follows the role (SECTIONS_BY_ROLE).
    required_permissions = "sellercenter.view_shop"

    class OutputSerializer(serializers.Serializer):
        class RangeSerializer(serializers.Serializer):
            key = serializers.CharField()
            start = serializers.DateField()
            end = serializers.DateField()
            previous_start = serializers.DateField(source="previous.start")
            previous_end = serializers.DateField(source="previous.end")

            class Meta:
                ref_name = "InsightsRange"

        class FigureSerializer(serializers.Serializer):
            key = serializers.CharField()
            label = serializers.CharField()
            unit = serializers.ChoiceField(choices=["money", "count", "percent", "hours", "ratio"])
            value = serializers.SerializerMethodField(help_text=_("A decimal number as a string; null if none."))
            previous = serializers.SerializerMethodField(help_text=_("The same figure in the previous period."))
            change = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
            help = serializers.CharField()

            class Meta:
                ref_name = "InsightsFigure"

            def get_value(self, figure) -> str | None:
                return _number(figure.value)

            def get_previous(self, figure) -> str | None:
                return _number(figure.previous)

        class TodoSerializer(serializers.Serializer):
            key = serializers.CharField()
            label = serializers.CharField()
            count = serializers.IntegerField()
            url = serializers.CharField(help_text=_("The admin list of these rows."))
            section = serializers.CharField()
            urgent = serializers.BooleanField()

            class Meta:
                ref_name = "InsightsTodo"

        class SeriesSerializer(serializers.Serializer):
            days = serializers.ListField(child=serializers.DateField())
            previous_days = serializers.ListField(child=serializers.DateField())
            sales = serializers.ListField(child=serializers.DecimalField(**MONEY))
            sales_previous = serializers.ListField(child=serializers.DecimalField(**MONEY))
            orders = serializers.ListField(child=serializers.IntegerField())
            orders_previous = serializers.ListField(child=serializers.IntegerField())
            sessions = serializers.ListField(child=serializers.IntegerField())
            sessions_previous = serializers.ListField(child=serializers.IntegerField())

            class Meta:
                ref_name = "InsightsSeries"

        class FunnelStepSerializer(serializers.Serializer):
            step = serializers.CharField()
            label = serializers.CharField()
            sessions = serializers.IntegerField()
            rate = serializers.DecimalField(**RATE)

            class Meta:
                ref_name = "InsightsFunnelStep"

        class ChannelSerializer(serializers.Serializer):
            channel = serializers.CharField()
            label = serializers.CharField()
            orders = serializers.IntegerField()
            sales = serializers.DecimalField(**MONEY)
            share = serializers.DecimalField(**RATE)

            class Meta:
                ref_name = "InsightsChannel"

        class TierSerializer(serializers.Serializer):
            tier = serializers.CharField(help_text=_("Empty for customers who are not members."))
            members = serializers.IntegerField(allow_null=True)
            sales = serializers.DecimalField(**MONEY)
            share = serializers.DecimalField(**RATE)

            class Meta:
                ref_name = "InsightsTier"

        class ProductSerializer(serializers.Serializer):
            sku = serializers.CharField()
            name = serializers.CharField()
            quantity = serializers.IntegerField()
            sales = serializers.DecimalField(**MONEY)

            class Meta:
                ref_name = "InsightsProduct"

        currency = serializers.CharField(source="shop.currency")
        range = RangeSerializer(source="day_range")
        sections = serializers.ListField(child=serializers.CharField())
        todos = TodoSerializer(many=True)
        figures = serializers.DictField(child=FigureSerializer(many=True))
        series = SeriesSerializer()
        funnel = FunnelStepSerializer(many=True)
        channels = ChannelSerializer(many=True)
        tiers = TierSerializer(many=True)
        top_products = ProductSerializer(many=True)

        class Meta:
            ref_name = "Insights"

    @extend_schema(
        parameters=[
            OpenApiParameter("range", str, enum=["today", "7d", "30d", "90d", "custom"], description=_("Default 30d.")),
            OpenApiParameter("start", str, description=_("First day (YYYY-MM-DD), with range=custom.")),
            OpenApiParameter("end", str, description=_("Last day, included (YYYY-MM-DD), with range=custom.")),
        ],
        responses=OutputSerializer,
        operation_id="insights_retrieve",
    )
    def get(self, request):
        shop = request.shop
        params = request.query_params
        day_range = day_range_parse(
            shop=shop, key=params.get("range"), start=params.get("start"), end=params.get("end")
        )
        sections = sections_for(role=_role(request))
        # The figures tolerate a few seconds of lag; the to-dos are what to do now, read on the primary.
        with reads_from_replica():
            insights = shop_insights(shop=shop, day_range=day_range, sections=sections)
        insights.todos = shop_todos(shop=shop, sections=sections)
        return Response(self.OutputSerializer(insights).data)


def _role(request) -> str | None:
    """The staff member's role in the request's shop; None for an API key or the marketplace operator."""
    if request.auth is not None or request.user.is_superuser:
        return None
    return Membership.objects.filter(user=request.user, shop=request.shop).values_list("role", flat=True).first()
