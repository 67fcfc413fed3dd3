"""Loyalty API routes, mounted under /api/v1/loyalty/ by sellercenter.api.router."""

from django.urls import path

from loyalty.api import ledger, members, redemptions

urlpatterns = [
    path("members", members.MemberEnrolView.as_view(), name="loyalty-member-enrol"),
    path("members/<str:external_id>", members.MemberView.as_view(), name="loyalty-member"),
    path("members/<str:external_id>/ledger", ledger.MemberLedgerView.as_view(), name="loyalty-member-ledger"),
    path("members/<str:external_id>/adjustments", ledger.MemberAdjustmentView.as_view(), name="loyalty-member-adjust"),
    path("redemption-quote", redemptions.RedemptionQuoteView.as_view(), name="loyalty-redemption-quote"),
]
