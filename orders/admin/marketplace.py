"""The order list's two file pages: "Nhập đơn từ sàn" (a marketplace's order report: upload, preview
with each row's errors and what will change, confirm to apply all or nothing) and the order export
(the list as filtered, in XLSX or CSV, Vietnamese or English headers).

Between the preview and the confirmation the uploaded file waits in django-import-export's temporary
storage, as for the payout import; the page carries its name signed, so nobody can point the
confirmation at another file."""

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.tmp_storages import TempFolderStorage

from orders import services
from orders.exports import CSV, FORMATS, LANGUAGES, orders_export_response, orders_export_shows_addresses
from orders.marketplaces import MARKETPLACES
from orders.models import OrderStatus
from orders.pipeline import Actor
from sellercenter.access import has_shop_permission, require_shop_permission
from sellercenter.errors import InvalidInput
from sellercenter.models import Shop
from sellercenter.selectors import shops_for_user

IMPORT_PERMISSION = "orders.change_order"
SIGNING_SALT = "orders.marketplace-import"
ACTION_LABELS = {
    "new": _("New order"),
    "status": _("Status changes"),
    "unchanged": _("Unchanged"),
    "skipped": _("Left out (unpaid)"),
}


class MarketplaceImportForm(forms.Form):
    shop = forms.ModelChoiceField(label=_("shop"), queryset=None)
    marketplace = forms.ChoiceField(
        label=_("marketplace"), choices=[(channel, m.label) for channel, m in MARKETPLACES.items()]
    )
    file = forms.FileField(label=_("order report (XLSX or CSV)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        shops = shops_for_user(user)
        self.fields["shop"].queryset = shops
        if shops.count() == 1:
            self.fields["shop"].initial = shops.first().pk


def _store(content: bytes) -> str:
    storage = TempFolderStorage(read_mode="rb")
    storage.save(content)
    return storage.name


def _take(name: str) -> bytes:
    storage = TempFolderStorage(name=name, read_mode="rb")
    try:
        content = storage.read()
    except OSError:
        raise InvalidInput(fields={"file": [gettext("The uploaded file has expired; upload it again.")]}) from None
    storage.remove()
    return content


class MarketplaceFilesMixin:
    """OrderAdmin's import and export pages."""

    def can_import_marketplace(self, request) -> bool:
        return any(has_shop_permission(request.user, IMPORT_PERMISSION, shop) for shop in shops_for_user(request.user))

    def marketplace_import_view(self, request):
        if not self.can_import_marketplace(request):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("token"):
            return self._marketplace_confirm(request)
        form = MarketplaceImportForm(request.POST or None, request.FILES or None, user=request.user)
        context = {"form": form}
        if request.method == "POST" and form.is_valid():
            shop, channel = form.cleaned_data["shop"], form.cleaned_data["marketplace"]
            require_shop_permission(request.user, IMPORT_PERMISSION, shop)
            upload = form.cleaned_data["file"]
            content = upload.read()
            file = services.MarketplaceFile(content=content, file_name=upload.name)
            try:
                plan = services.marketplace_orders_plan(
                    shop=shop, channel=channel, file=file, actor=Actor.staff(request.user)
                )
            except InvalidInput as error:
                context["errors"] = [message for messages_ in error.fields.values() for message in messages_]
            else:
                token = {"shop": shop.pk, "channel": channel, "name": _store(content), "file_name": upload.name}
                context.update(plan=plan, rows=self._preview_rows(plan), token=signing.dumps(token, salt=SIGNING_SALT))
        return self._import_page(request, context)

    def _marketplace_confirm(self, request):
        try:
            token = signing.loads(request.POST["token"], salt=SIGNING_SALT, max_age=3600)
        except signing.BadSignature:
            raise PermissionDenied from None
        shop = shops_for_user(request.user).filter(pk=token["shop"]).first()
        if shop is None:
            raise PermissionDenied
        require_shop_permission(request.user, IMPORT_PERMISSION, shop)
        try:
            file = services.MarketplaceFile(content=_take(token["name"]), file_name=token["file_name"])
            plan = services.marketplace_orders_import(
                shop=shop, channel=token["channel"], file=file, actor=Actor.staff(request.user)
            )
        except InvalidInput as error:
            errors = [message for messages_ in error.fields.values() for message in messages_]
            context = {"form": MarketplaceImportForm(user=request.user), "errors": errors}
            return self._import_page(request, context)
        counts = plan.counts
        self.message_user(
            request,
            gettext("%(marketplace)s report imported: %(new)d new orders, %(status)d moved, %(unchanged)d unchanged.")
            % {"marketplace": plan.marketplace.label, **counts},
            messages.SUCCESS,
        )
        return redirect(reverse("admin:orders_order_changelist") + f"?channel__exact={token['channel']}")

    def _preview_rows(self, plan) -> list[dict]:
        return [
            {
                "external_id": planned.external_id,
                "rows": ", ".join(str(row) for row in planned.rows),
                "action": ACTION_LABELS[planned.action] if not planned.errors else gettext("Error"),
                "order": planned.order,
                "current": OrderStatus(planned.current_status).label if planned.current_status else "",
                "target": OrderStatus(planned.target).label if planned.target else "",
                "marketplace_status": planned.marketplace_status,
                "lines": sum(line.quantity for line in planned.lines),
                "total": planned.total,
                "errors": planned.errors,
            }
            for planned in plan.orders
        ]

    def _import_page(self, request, context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import orders from a marketplace"),
            **context,
        }
        return TemplateResponse(request, "admin/orders/order/marketplace_import.html", context)

    def export_view(self, request):
        """The order list as the changelist shows it (its filters and search, the user's shops)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        file_format = request.GET.get("format", CSV)
        language = request.GET.get("lang", "vi")
        if file_format not in FORMATS or language not in LANGUAGES:
            messages.error(request, gettext("Choose XLSX or CSV, and Vietnamese or English."))
            return redirect("admin:orders_order_changelist")
        request.GET = QueryDict(request.GET.get("filters", ""))
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        shops = Shop.objects.filter(pk__in=queryset.order_by().values("shop_id"))
        with_addresses = orders_export_shows_addresses(user=request.user, shops=shops)
        return orders_export_response(
            queryset=queryset, file_format=file_format, language=language, with_addresses=with_addresses
        )
