"""Customers API routes, mounted under /api/v1/ by sellercenter.api.router."""

from django.urls import path

from customers.api import customers, events, insights, push, reviews

urlpatterns = [
    path("events", events.EventBatchView.as_view(), name="customer-events-ingest"),
    path("customers", customers.CustomerListView.as_view(), name="customers"),
    path("push-subscriptions", push.PushSubscriptionView.as_view(), name="push-subscriptions"),
    path("reviews", reviews.ReviewView.as_view(), name="reviews"),
    path("push-subscriptions/key", push.PushKeyView.as_view(), name="push-public-key"),
    path("customers/identify", events.IdentifyView.as_view(), name="customers-identify"),
    path("customers/metrics", insights.CustomerMetricsView.as_view(), name="customers-metrics"),
    path("customers/segments", insights.SegmentListView.as_view(), name="customer-segments"),
    path("customers/segments/<int:pk>", insights.SegmentDetailView.as_view(), name="customer-segment"),
    path("customers/<int:pk>", customers.CustomerDetailView.as_view(), name="customer"),
    path("customers/<int:pk>/addresses", customers.AddressListView.as_view(), name="customer-addresses"),
    path(
        "customers/<int:pk>/addresses/<int:address_pk>",
        customers.AddressDetailView.as_view(),
        name="customer-address",
    ),
    path("customers/<int:pk>/consents", customers.ConsentView.as_view(), name="customer-consents"),
    path("customers/<int:pk>/events", customers.CustomerEventsView.as_view(), name="customer-events"),
    path("customers/<int:pk>/export", customers.CustomerExportView.as_view(), name="customer-export"),
    path("customers/<int:pk>/erase", customers.CustomerEraseView.as_view(), name="customer-erase"),
]
