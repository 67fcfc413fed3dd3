"""Loyalty API routes, mounted under /api/v1/ by sellercenter.api.router."""

urlpatterns = []
