"""The admin site: django-unfold's, with the app list built once per request.

Django builds the app list (every registered model's permissions for the user) for the sidebar, for
`available_apps` in every page's context and again for the home: three times per page. It depends only
on the request's user, so it is built once and handed out as a copy (callers sort and change it)."""

import copy

from django.contrib.admin.apps import AdminConfig
from unfold.sites import UnfoldAdminSite


class SellerCenterAdminSite(UnfoldAdminSite):
    def get_app_list(self, request, app_label=None):
        built = request.__dict__.setdefault("_sellercenter_app_lists", {})
        if app_label not in built:
            built[app_label] = super().get_app_list(request, app_label)
        return copy.deepcopy(built[app_label])


class SellerCenterAdminConfig(AdminConfig):
    default_site = "sellercenter.admin_site.SellerCenterAdminSite"
