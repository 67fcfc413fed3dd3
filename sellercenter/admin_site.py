"""The admin site: django-unfold's, with what it computes again and again computed once.

- Django builds the app list (every registered model's permissions for the user) for the sidebar, for
  `available_apps` in every page's context and again for the home: three times per page. It depends
  only on the request's user, so it is built once and handed out as a copy (callers sort and change it).
  Its app and model names are lazy translations, which Django's sort compared by translating both
  sides again at every comparison, and which every copy copied as proxies: they are translated once,
  in the request's language.
- The theme's list template builds the column headers of a list again for every row (to label each
  cell on narrow screens): rows × columns header computations, most of a 50-row list's time. They depend
  only on the list, so they are built once per list, their labels translated once (each cell's label
  was a lazy translation, translated again for every cell)."""

import copy
import importlib

from django.contrib.admin.apps import AdminConfig
from django.utils.functional import Promise
from unfold.sites import UnfoldAdminSite


def _translated(text):
    """A lazy translation as its text in the active language; anything else as it is."""
    return str(text) if isinstance(text, Promise) else text


class SellerCenterAdminSite(UnfoldAdminSite):
    def get_app_list(self, request, app_label=None):
        built = request.__dict__.setdefault("_sellercenter_app_lists", {})
        if app_label not in built:
            built[app_label] = super().get_app_list(request, app_label)
        return copy.deepcopy(built[app_label])

    def _build_app_dict(self, request, label=None):
        app_dict = super()._build_app_dict(request, label)
        for app in app_dict.values():
            app["name"] = _translated(app["name"])
            for model in app["models"]:
                model["name"] = _translated(model["name"])
        return app_dict


class SellerCenterAdminConfig(AdminConfig):
    default_site = "sellercenter.admin_site.SellerCenterAdminSite"


def install_list_headers_once() -> None:
    """Called once from the kernel's AppConfig.ready: the theme's `result_headers(cl)` answers the same
    headers for the same list (read only by its callers) instead of building them per row."""
    module = importlib.import_module("unfold.templatetags.unfold_list")
    current = module.result_headers
    if getattr(current, "once_per_list", False):
        return

    def result_headers(cl):
        built = cl.__dict__.get("_sellercenter_result_headers")
        if built is None:
            built = [{**header, "text": _translated(header["text"])} for header in current(cl)]
            cl.__dict__["_sellercenter_result_headers"] = built
        return iter(built)

    result_headers.once_per_list = True
    module.result_headers = result_headers
