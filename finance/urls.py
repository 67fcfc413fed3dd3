"""Finance API routes, mounted at /api/v1/finance/ by sellercenter.api.router."""

from django.urls import path

from finance import api

urlpatterns = [
    path("statements", api.StatementListView.as_view(), name="finance-statements"),
    path("statements/<int:pk>", api.StatementDetailView.as_view(), name="finance-statement"),
    path("statements/<int:pk>/lines.csv", api.StatementLinesCsvView.as_view(), name="finance-statement-lines-csv"),
    path("lines.csv", api.LinesCsvView.as_view(), name="finance-lines-csv"),
    path("overview", api.OverviewView.as_view(), name="finance-overview"),
]
