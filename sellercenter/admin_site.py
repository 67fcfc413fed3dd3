"""The admin site: django-unfold's, with what it computes again and again computed once.

- Django builds the app list (every registered model's permissions for the user) for the sidebar, for
  `available_apps` in every page's context and again for the home: three times per page. It depends
  only on the request's user, so it is built once and handed out as a copy (callers sort and change it):
  its lists and dicts copied, the rest (text, booleans, model classes) shared, as `deepcopy` shares
  them, without `deepcopy`'s bookkeeping for every value.
  Its app and model names are lazy translations, which Django's sort compared by translating both
  sides again at every comparison, and which every copy copied as proxies: they are translated once,
  in the request's language.
- Every model's list and add URLs in that app list are Django's `reverse()`, which walks the URL
  patterns again each time: 70 reversals per page of URLs that never change while the URL patterns
  and the script prefix stay. The admin site's reversals are remembered on the URL resolver (a new
  resolver, after the URL patterns change, starts with none), per script prefix and language (a URL
  pattern may be translated).
- The theme's list template builds the column headers of a list again for every row (to label each
  cell on narrow screens): rows × columns header computations, most of a 50-row list's time. They depend
  only on the list, so they are built once per list, their labels translated once (each cell's label
  was a lazy translation, translated again for every cell)."""

import importlib

from django.contrib.admin.apps import AdminConfig
from django.urls import get_resolver, get_script_prefix, get_urlconf
from django.utils.functional import Promise
from django.utils.translation import get_language
from unfold.sites import UnfoldAdminSite


def _copied(value):
    """A copy of nested lists and dicts; their other values are shared."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def _translated(text):
    """A lazy translation as its text in the active language; anything else as it is."""
    return str(text) if isinstance(text, Promise) else text


class SellerCenterAdminSite(UnfoldAdminSite):
    def get_app_list(self, request, app_label=None):
        built = request.__dict__.setdefault("_sellercenter_app_lists", {})
        if app_label not in built:
            built[app_label] = super().get_app_list(request, app_label)
        return _copied(built[app_label])

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


def install_admin_reverse_once() -> None:
    """Called once from the kernel's AppConfig.ready: the admin site's `reverse()` answers a URL it has
    reversed before from the resolver's memory."""
    module = importlib.import_module("django.contrib.admin.sites")
    current = module.reverse
    if getattr(current, "remembered", False):
        return

    def reverse(viewname, urlconf=None, args=None, kwargs=None, current_app=None, **extra):
        if extra:
            return current(viewname, urlconf, args, kwargs, current_app, **extra)
        resolver = get_resolver(urlconf or get_urlconf())
        remembered = resolver.__dict__.setdefault("_sellercenter_reversed", {})
        key = (viewname, tuple(args or ()), tuple(sorted((kwargs or {}).items())), current_app)
        key += (get_script_prefix(), get_language())
        if key not in remembered:
            remembered[key] = current(viewname, urlconf, args, kwargs, current_app)
        return remembered[key]

    reverse.remembered = True
    module.reverse = reverse
