"""Promotions API routes, mounted under /api/v1/promotions/ by sellercenter.api.router."""

from django.urls import path, re_path

from promotions.api import campaigns, carts, journeys, vouchers

ACTIONS = "|".join(campaigns.CAMPAIGN_ACTIONS)
JOURNEY_ACTIONS = "|".join(journeys.JOURNEY_ACTIONS)

urlpatterns = [
    path("quote", carts.QuoteView.as_view(), name="promotions-quote"),
    path("vouchers/validate", carts.VoucherValidateView.as_view(), name="promotions-voucher-validate"),
    path("campaigns", campaigns.CampaignListView.as_view(), name="promotions-campaigns"),
    path("campaigns/offers", campaigns.CampaignOffersView.as_view(), name="promotions-campaign-offers"),
    path("campaigns/<int:pk>", campaigns.CampaignDetailView.as_view(), name="promotions-campaign"),
    re_path(
        rf"^campaigns/(?P<pk>[0-9]+)/(?P<action>{ACTIONS})$",
        campaigns.CampaignActionView.as_view(),
        name="promotions-campaign-action",
    ),
    path(
        "campaigns/<int:pk>/duplicate", campaigns.CampaignDuplicateView.as_view(), name="promotions-campaign-duplicate"
    ),
    path("campaigns/<int:pk>/vouchers", vouchers.CampaignVouchersView.as_view(), name="promotions-campaign-vouchers"),
    path("campaigns/<int:pk>/results", campaigns.CampaignResultsView.as_view(), name="promotions-campaign-results"),
    path("journeys", journeys.JourneyListView.as_view(), name="promotions-journeys"),
    path(
        "journeys/templates/cart-recovery",
        journeys.CartRecoveryTemplateView.as_view(),
        name="promotions-journey-template",
    ),
    path("journeys/<int:pk>", journeys.JourneyDetailView.as_view(), name="promotions-journey"),
    re_path(
        rf"^journeys/(?P<pk>[0-9]+)/(?P<action>{JOURNEY_ACTIONS})$",
        journeys.JourneyActionView.as_view(),
        name="promotions-journey-action",
    ),
    path("journeys/<int:pk>/results", journeys.JourneyResultsView.as_view(), name="promotions-journey-results"),
]
