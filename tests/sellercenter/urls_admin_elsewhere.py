"""URL patterns with the admin under another path, for the test of the admin's remembered URLs."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("quan-tri/", admin.site.urls)]
