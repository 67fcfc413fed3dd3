"""The public tracking links of journey messages, mounted under /t/ by sellercenter.urls."""

from django.urls import path

from promotions.journeys import views

urlpatterns = [
    path("c/<str:signed>", views.click, name="journey-click"),
    path("o/<str:signed>", views.open_pixel, name="journey-open"),
    path("u/<str:signed>", views.unsubscribe, name="journey-unsubscribe"),
]
