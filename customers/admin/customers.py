"""Customer profiles: addresses, consent history, timeline, duplicates, merge, data export and
erasure, CSV import."""

import json
from datetime import UTC

from django import forms
from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from customers import selectors, services
from customers.models import Address, ConsentRecord, Customer, MarketingChannel
from customers.phones import phone_to_e164
from customers.resources import CustomerResource
from customers.segment_rules import rules_filter
from customers.services.profiles import ADDRESS_FIELDS, PROFILE_FIELDS, profile_clean, tags_clean
from sellercenter.access import require_shop_permission
from sellercenter.actor import Actor
from sellercenter.admin_base import (
    ReadOnlyAdminMixin,
    ShopImportMixin,
    ShopScopedAdmin,
    ShopScopedForm,
    ShopScopedTabularInline,
    adopt_saved,
    form_add_domain_error,
)
from sellercenter.errors import InvalidInput
from sellercenter.money import money_format

TIMELINE_LENGTH = 20


SHOWN_PROPERTIES = ("sku", "quantity", "price", "query", "url", "utm_campaign")


class CustomerAdminForm(ShopScopedForm):
    tags_text = forms.CharField(
        label=gettext_lazy("tags"), required=False, help_text=gettext_lazy("Separated by commas, e.g. vip, khách sỉ.")
    )

    class Meta:
        model = Customer
        fields = ["shop", "external_id", *PROFILE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tags_text"].initial = ", ".join(tag.name for tag in self.instance.tags.all())

    def clean(self):
        cleaned = super().clean()
        shop = cleaned.get("shop") or getattr(self.instance, "shop", None)
        given = {name: cleaned.get(name) for name in PROFILE_FIELDS if name in self.fields and name not in self.errors}
        try:
            cleaned["tags"] = tags_clean([t for t in cleaned.get("tags_text", "").split(",") if t.strip()])
            if shop is not None:
                cleaned.update(profile_clean(shop=shop, fields=given))
        except InvalidInput as error:
            form_add_domain_error(self, error)
        return cleaned


class AddressInlineForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [*ADDRESS_FIELDS, "is_default"]

    def clean_phone(self):
        return phone_to_e164(self.cleaned_data["phone"])

    def validate_constraints(self):
        """The one-default rule is kept by the address services when the formset is saved (a new
        default unsets the old one), not refused here."""


class AddressInline(ShopScopedTabularInline):
    model = Address
    form = AddressInlineForm
    extra = 0
    fields = [*ADDRESS_FIELDS, "is_default"]


class ConsentHistoryInline(ReadOnlyAdminMixin, ShopScopedTabularInline):
    model = ConsentRecord
    extra = 0
    fields = ["channel", "granted", "recorded_at", "source", "wording_version", "recorded_by"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("consent history")


class ConsentFilter(admin.SimpleListFilter):
    title = gettext_lazy("marketing consent now")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return MarketingChannel.choices

    def queryset(self, request, queryset):
        if self.value() not in MarketingChannel.values:
            return queryset
        rules = [{"kind": "consent", "channel": self.value()}]
        return rules_filter(queryset, rules=rules, match="all", now=timezone.now(), tzinfo=lambda: UTC)


class DuplicateFilter(admin.SimpleListFilter):
    title = gettext_lazy("possible duplicate")
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", _("Same e-mail or phone as another profile"))]

    def queryset(self, request, queryset):
        return queryset.filter(has_duplicates=True) if self.value() == "yes" else queryset


class ProfileStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("profile")
    parameter_name = "profile"

    def lookups(self, request, model_admin):
        return [("current", _("Current")), ("merged", _("Merged into another")), ("erased", _("Erased"))]

    def queryset(self, request, queryset):
        return {
            "current": lambda: queryset.current(),
            "merged": lambda: queryset.filter(merged_into__isnull=False),
            "erased": lambda: queryset.filter(erased_at__isnull=False),
        }.get(self.value(), lambda: queryset)()


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (e.g. the customer's request of 12/03)"), max_length=255, required=False
    )


@admin.register(Customer)
class CustomerAdmin(ShopImportMixin, ShopScopedAdmin):
    form = CustomerAdminForm
    resource_classes = [CustomerResource]
    list_display = [
        "__str__",
        "phone",
        "email",
        "journey_stage",
        "orders_count",
        "spent",
        "last_order_at",
        "possible_duplicate",
    ]  # The acquisition channel is a filter and on the page: the list fits 1440 px.
    list_filter = ["journey_stage", "acquisition_channel", ConsentFilter, DuplicateFilter, ProfileStateFilter, "gender"]
    list_select_related = ["shop"]
    search_fields = ["full_name", "email", "phone"]
    search_help_text = gettext_lazy("Name, e-mail, or phone typed any way (0912 345 678, +84912345678, 345678).")
    autocomplete_fields = ["referred_by"]
    inlines = [AddressInline, ConsentHistoryInline]
    actions = ["export_personal_data", "merge_duplicates", "erase_personal_data"]
    # The confirmation page of erase and merge says "yes, I am sure".
    action_submitted = ("confirm", "yes")
    readonly_fields = [
        "purchase_facts",
        "journey_stage",
        "journey_stage_changed_at",
        "last_seen_at",
        "duplicates",
        "consent_now",
        "timeline",
        "merged_into",
        "erased_at",
        "created_at",
        "updated_at",
    ]

    def get_fieldsets(self, request, obj=None):
        """The profile on top; the rest as tabs under it (the addresses and consent inlines are tabs of
        their own), so the page stays one screen."""
        profile = ["shop", "external_id", "full_name", "email", "phone", "gender", "birth_date", "tags_text", "note"]
        acquisition = [
            "acquisition_channel",
            "acquisition_source",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "referred_by",
        ]
        tabs = [(_("Acquisition"), acquisition)]
        if obj is not None:
            journey = ["purchase_facts", "journey_stage", "journey_stage_changed_at", "last_seen_at", "consent_now"]
            tabs = [
                (_("Purchases and journey"), journey),
                *tabs,
                (_("Possible duplicates"), ["duplicates"]),
                (_("Latest events"), ["timeline"]),
                (_("Record"), ["merged_into", "erased_at", "created_at", "updated_at"]),
            ]
        return [(None, {"fields": profile}), *((name, {"fields": f, "classes": ["tab"]}) for name, f in tabs)]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # The storefront's id is the link to the storefront: it is set once, not edited by hand.
        return [*readonly, "external_id"] if obj is not None and obj.external_id else readonly

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(has_duplicates=selectors.duplicate_exists())

    def get_search_results(self, request, queryset, search_term):
        return selectors.customer_search(queryset, search_term), False

    def has_change_permission(self, request, obj=None):
        # Erased and merged-away profiles are kept for the record only.
        if obj is not None and (obj.erased_at is not None or obj.merged_into_id is not None):
            return False
        return super().has_change_permission(request, obj)

    def has_personal_data_export_permission(self, request):
        return request.user.has_perm("customers.export_customer")

    def has_erase_permission(self, request):
        return request.user.has_perm("customers.erase_customer")

    def has_merge_permission(self, request):
        return request.user.has_perm("customers.merge_customer")

    @admin.display(description=gettext_lazy("spent"), ordering="total_spent")
    def spent(self, obj):
        return money_format(obj.total_spent, obj.shop.currency)

    @admin.display(description=gettext_lazy("duplicate?"), boolean=True)
    def possible_duplicate(self, obj):
        return obj.has_duplicates

    @admin.display(description=gettext_lazy("purchase facts"))
    def purchase_facts(self, obj):
        if not obj.orders_count:
            return _("No orders yet.")
        local = timezone.localtime
        return _(
            "%(orders)d orders (%(discounted)d with a discount), %(spent)s spent; first %(first)s, last %(last)s."
        ) % {
            "orders": obj.orders_count,
            "discounted": obj.discounted_orders_count,
            "spent": money_format(obj.total_spent, obj.shop.currency),
            "first": f"{local(obj.first_order_at):%d/%m/%Y}",
            "last": f"{local(obj.last_order_at):%d/%m/%Y}",
        }

    @admin.display(description=gettext_lazy("marketing consent now"))
    def consent_now(self, obj):
        state = selectors.customer_consents(customer=obj)
        labels = dict(MarketingChannel.choices)
        return format_html_join(
            ", ",
            "{}: {}",
            (
                (labels[channel], _("yes") if record and record.granted else _("no"))
                for channel, record in state.items()
            ),
        )

    @admin.display(description=gettext_lazy("possible duplicates"))
    def duplicates(self, obj):
        others = list(selectors.customer_duplicates(customer=obj)[:10])
        if not others:
            return _("None.")
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:customers_customer_change", args=[other.pk]), f"#{other.pk} {other}") for other in others),
        )
        return format_html("{} — {}", links, _("select them in the list and use “Merge selected duplicates”."))

    @admin.display(description=gettext_lazy("latest events"))
    def timeline(self, obj):
        events = selectors.customer_timeline(customer=obj, limit=TIMELINE_LENGTH)
        if not events:
            return _("No events yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{timezone.localtime(event.occurred_at):%d/%m/%Y %H:%M}",
                    event.get_type_display(),
                    event.get_channel_display(),
                    ", ".join(f"{k}: {event.properties[k]}" for k in SHOWN_PROPERTIES if k in event.properties),
                )
                for event in events
            ),
        )
        return format_html("<table>{}</table>", rows)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in PROFILE_FIELDS if name in data}
        if change:
            customer = services.customer_update(customer=obj, tags=data["tags"], **fields)
        else:
            customer = services.customer_create(
                shop=data["shop"], external_id=data.get("external_id") or None, tags=data["tags"], **fields
            )
        adopt_saved(obj, customer)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Address:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these, as after formset.save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for address_form in formset.deleted_forms:
            if address_form.instance.pk:
                services.address_delete(address=address_form.instance)
                formset.deleted_objects.append(address_form.instance)
        changed = [f for f in formset.forms if f not in formset.deleted_forms and f.has_changed()]
        # A new default goes last, so that it is the one left standing.
        for address_form in sorted(changed, key=lambda f: f.cleaned_data.get("is_default", False)):
            fields = {name: address_form.cleaned_data[name] for name in ADDRESS_FIELDS}
            if address_form.cleaned_data.get("is_default"):
                fields["is_default"] = True
            if address_form.instance.pk:
                address = services.address_update(address=Address.objects.get(pk=address_form.instance.pk), **fields)
                formset.changed_objects.append((address, address_form.changed_data))
            else:
                formset.new_objects.append(services.address_create(customer=form.instance, **fields))
        return None

    # Actions

    @admin.action(description=gettext_lazy("Export personal data (JSON)"), permissions=["personal_data_export"])
    def export_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one customer to export."), level=messages.WARNING)
            return None
        customer = queryset.get()
        require_shop_permission(request.user, "customers.export_customer", customer)
        data = services.customer_export(customer=customer, requested_by=request.user)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
        return response

    @admin.action(description=gettext_lazy("Erase personal data"), permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        form, page = self.service_action_form(
            request,
            queryset,
            title=_("Erase personal data"),
            form_class=EraseForm,
            message=_(
                "Names, contacts, addresses, tags and anonymous ids of these customers will be erased and "
                "their events detached. Purchases and consent records are kept. This cannot be undone."
            ),
            submit_label=_("Yes, I am sure"),
        )
        if page is not None:
            return page
        reason = form.cleaned_data["reason"]
        self.call_service_for_each(
            request,
            queryset,
            services.customer_erase,
            arguments=lambda customer: {"customer": customer, "requested_by": request.user, "reason": reason},
            done_message=lambda done: ngettext("%(count)d customer erased.", "%(count)d customers erased.", done),
            permission="customers.erase_customer",
        )
        return None

    @admin.action(description=gettext_lazy("Merge selected duplicates"), permissions=["merge"])
    def merge_duplicates(self, request, queryset):
        profiles = list(queryset)
        target = self.call_service(request, selectors.merge_survivor, customers=profiles)
        if target is None:
            return None
        require_shop_permission(request.user, "customers.merge_customer", target)
        _form, page = self.service_action_form(
            request,
            queryset,
            title=_("Merge selected duplicates"),
            message=_("Everything of the other profiles moves into #%(id)s %(name)s (the one with most orders).")
            % {"id": target.pk, "name": target},
            submit_label=_("Yes, I am sure"),
        )
        if page is not None:
            return page
        merged = self.call_service(
            request, services.customer_merge_duplicates, customers=profiles, actor=Actor.staff(request.user)
        )
        if merged is not None:
            target, merges = merged
            self.message_user(
                request,
                ngettext(
                    "%(count)d profile merged into %(target)s.",
                    "%(count)d profiles merged into %(target)s.",
                    len(merges),
                )
                % {"count": len(merges), "target": target},
            )
        return None
