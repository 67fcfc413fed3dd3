"""Finance API routes, mounted at /api/v1/finance/ by sellercenter.api.router."""

from django.urls import path

from finance.api import lines, overview, statements

urlpatterns = [
    path("statements", statements.StatementListView.as_view(), name="finance-statements"),
    path("statements/<int:pk>", statements.StatementDetailView.as_view(), name="finance-statement"),
    path(
        "statements/<int:pk>/lines.csv",
        statements.StatementLinesCsvView.as_view(),
        name="finance-statement-lines-csv",
    ),
    path(
        "statements/<int:pk>/lines.xlsx",
        statements.StatementLinesXlsxView.as_view(),
        name="finance-statement-lines-xlsx",
    ),
    path("lines.csv", lines.LinesCsvView.as_view(), name="finance-lines-csv"),
    path("lines.xlsx", lines.LinesXlsxView.as_view(), name="finance-lines-xlsx"),
    path("overview", overview.OverviewView.as_view(), name="finance-overview"),
]
