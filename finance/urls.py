"""Finance API routes, mounted by sellercenter.api.router."""

urlpatterns = []
