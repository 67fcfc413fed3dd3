"""Loyalty API routes, mounted under /api/v1/loyalty/ by sellercenter.api.router."""

from django.urls import path

from loyalty import api

urlpatterns = [
    path("members", api.MemberEnrolView.as_view(), name="loyalty-member-enrol"),
    path("members/<str:external_id>", api.MemberView.as_view(), name="loyalty-member"),
    path("members/<str:external_id>/ledger", api.MemberLedgerView.as_view(), name="loyalty-member-ledger"),
    path("members/<str:external_id>/adjustments", api.MemberAdjustmentView.as_view(), name="loyalty-member-adjust"),
    path("redemption-quote", api.RedemptionQuoteView.as_view(), name="loyalty-redemption-quote"),
]
