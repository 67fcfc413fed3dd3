"""The admin's home (the index) and its navigation, per role: the to-do list, the figures of a range
against the period before, and the charts, all from `sellercenter.insights`."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellercenter import formatting
from sellercenter.db_router import reads_from_replica
from sellercenter.errors import InvalidInput
from sellercenter.insights.ranges import RANGE_LABELS, day_range_parse
from sellercenter.insights.selectors import sections_for, shop_insights
from sellercenter.insights.todos import shop_todos
from sellercenter.models import Membership, Role, Shop
from sellercenter.selectors import shops_for_user

# Apps in the order of a role's daily work; apps not named follow in their usual order.
APP_ORDER = {
    Role.OPERATIONS: ["orders", "customers", "promotions", "loyalty", "finance"],
    Role.MARKETING: ["customers", "promotions", "loyalty", "orders", "finance"],
    Role.ACCOUNTANT: ["finance", "orders", "customers", "loyalty", "promotions"],
    Role.OWNER: ["orders", "customers", "promotions", "loyalty", "finance"],
}
# Within an app, the lists used every day first.
MODEL_ORDER = [
    "order",
    "returnrequest",
    "productgroup",
    "product",
    "category",
    "customer",
    "segment",
    "campaign",
    "statement",
    "payout",
]
ICONS = {
    "orders": "local_shipping",
    "customers": "group",
    "promotions": "sell",
    "loyalty": "loyalty",
    "finance": "account_balance",
    "sellercenter": "storefront",
    "auth": "shield_person",
}


def current_shop(request) -> Shop | None:
    """The shop the home shows: `?shop=<slug>` among the user's shops, else the first of them."""
    shops = shops_for_user(request.user).filter(is_active=True).order_by("name")
    slug = request.GET.get("shop")
    return (shops.filter(slug=slug).first() if slug else None) or shops.first()


def current_role(request, shop: Shop | None) -> str | None:
    if shop is None or request.user.is_superuser:
        return None
    return Membership.objects.filter(user=request.user, shop=shop).values_list("role", flat=True).first()


def _role_of(request) -> str | None:
    """The role of the user's first shop, cached on the request for the navigation and the home."""
    if not hasattr(request, "_home_role"):
        request._home_role = current_role(request, current_shop(request))
    return request._home_role


def navigation(request) -> list[dict]:
    """The sidebar: the home, then the apps in the order of the role's work, each with its lists."""
    order = APP_ORDER.get(_role_of(request), APP_ORDER[Role.OWNER])
    apps = admin.site.get_app_list(request)
    apps.sort(key=lambda app: order.index(app["app_label"]) if app["app_label"] in order else len(order))
    groups = [{"items": [{"title": _("Home"), "icon": "home", "link": reverse("admin:index")}]}]
    for app in apps:
        models = sorted(
            app["models"],
            key=lambda m: (
                MODEL_ORDER.index(m["object_name"].lower())
                if m["object_name"].lower() in MODEL_ORDER
                else len(MODEL_ORDER)
            ),
        )
        groups.append(
            {
                "title": app["name"],
                "separator": True,
                "collapsible": app["app_label"] not in order[:2],
                "items": [
                    {"title": m["name"], "icon": ICONS.get(app["app_label"], "list"), "link": m["admin_url"]}
                    for m in models
                    if m.get("admin_url")
                ],
            }
        )
    return groups


def _chart_payload(insights) -> dict:
    """What home.js draws: labels and datasets, with the values also shown as a table."""
    series = insights.series
    days = [formatting.format_date(day) for day in series["days"]]
    return {
        "labels": days,
        "previousLabels": [formatting.format_date(day) for day in series["previous_days"]],
        "currency": insights.shop.currency,
        "sales": [str(value) for value in series["sales"]],
        "salesPrevious": [str(value) for value in series["sales_previous"]],
        "orders": series["orders"],
        "ordersPrevious": series["orders_previous"],
        "sessions": series["sessions"],
        "sessionsPrevious": series["sessions_previous"],
        "funnel": [{"label": str(step["label"]), "value": step["sessions"]} for step in insights.funnel],
        "channels": [{"label": str(c["label"]), "value": str(c["sales"])} for c in insights.channels],
        "tiers": [{"label": t["tier"] or _("Not a member"), "value": str(t["sales"])} for t in insights.tiers],
        "texts": {
            "now": _("This period"),
            "previous": _("Previous period"),
            "sales": _("Sales"),
            "orders": _("Orders"),
            "sessions": _("Sessions"),
        },
    }


def _series_rows(series: dict) -> list[dict]:
    """The charts' table view: one row per day of the period, beside the same day of the previous one."""
    names = ("sales", "sales_previous", "orders", "orders_previous")
    return [
        {"day": day, "previous_day": previous, **{name: series[name][i] for name in names}}
        for i, (day, previous) in enumerate(zip(series["days"], series["previous_days"], strict=True))
    ]


def dashboard(request, context: dict) -> dict:
    """Unfold's DASHBOARD_CALLBACK: the home's context for the user's shop and role."""
    shop = current_shop(request)
    context.update({"home_shop": shop, "range_labels": RANGE_LABELS})
    if shop is None:
        return context
    role = _role_of(request) if shop == current_shop(request) else current_role(request, shop)
    sections = sections_for(role=role)
    params = request.GET
    try:
        day_range = day_range_parse(
            shop=shop, key=params.get("range"), start=params.get("start"), end=params.get("end")
        )
        range_error = None
    except InvalidInput as error:
        day_range = day_range_parse(shop=shop, key="30d")
        range_error = "; ".join(message for messages in error.fields.values() for message in messages)
    # The figures tolerate a few seconds of lag; the user, the role and the to-dos are read on the primary.
    with reads_from_replica():
        insights = shop_insights(shop=shop, day_range=day_range, sections=sections)
    with formatting.shop_time(shop):
        context.update(
            {
                "title": _("Home"),
                "home_role": Role(role).label if role else _("Marketplace operator"),
                "home_shops": list(shops_for_user(request.user).filter(is_active=True).order_by("name")[:20]),
                "todos": shop_todos(shop=shop, sections=sections),
                "insights": insights,
                "figure_sections": [
                    (SECTION_TITLES[name], insights.figures[name]) for name in sections if name in insights.figures
                ],
                "range_error": range_error,
                "chart_data": _chart_payload(insights),
                "series_rows": _series_rows(insights.series),
            }
        )
    return context


SECTION_TITLES = {
    "sales": gettext_lazy("Sales"),
    "fulfilment": gettext_lazy("Fulfilment"),
    "customers": gettext_lazy("Customers"),
    "campaigns": gettext_lazy("Campaigns"),
    "finance": gettext_lazy("Finance"),
    "privacy": gettext_lazy("Personal data"),
}
