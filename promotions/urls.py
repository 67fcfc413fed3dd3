"""Promotions API routes, mounted under /api/v1/promotions/ by sellercenter.api.router."""

from django.urls import path, re_path

from promotions import api

ACTIONS = "|".join(api.CAMPAIGN_ACTIONS)

urlpatterns = [
    path("quote", api.QuoteView.as_view(), name="promotions-quote"),
    path("vouchers/validate", api.VoucherValidateView.as_view(), name="promotions-voucher-validate"),
    path("campaigns", api.CampaignListView.as_view(), name="promotions-campaigns"),
    path("campaigns/offers", api.CampaignOffersView.as_view(), name="promotions-campaign-offers"),
    path("campaigns/<int:pk>", api.CampaignDetailView.as_view(), name="promotions-campaign"),
    re_path(
        rf"^campaigns/(?P<pk>[0-9]+)/(?P<action>{ACTIONS})$",
        api.CampaignActionView.as_view(),
        name="promotions-campaign-action",
    ),
    path("campaigns/<int:pk>/duplicate", api.CampaignDuplicateView.as_view(), name="promotions-campaign-duplicate"),
    path("campaigns/<int:pk>/vouchers", api.CampaignVouchersView.as_view(), name="promotions-campaign-vouchers"),
    path("campaigns/<int:pk>/results", api.CampaignResultsView.as_view(), name="promotions-campaign-results"),
]
