"""Admin for customers: profiles (with addresses, consent history, timeline, duplicates, merge, data
export and erasure, CSV import), segments (live counts, member export), and the read-only records."""

import json
from datetime import UTC

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from customers import selectors, services
from customers.models import (
    Address,
    ConsentRecord,
    Customer,
    CustomerEvent,
    CustomerMerge,
    CustomerPurchase,
    MarketingChannel,
    PersonalDataRequest,
    PushSubscription,
    Review,
    Segment,
)
from customers.phones import phone_to_e164
from customers.resources import CustomerResource
from customers.segment_rules import rules_filter, rules_validate
from customers.services.profiles import ADDRESS_FIELDS, PROFILE_FIELDS, profile_clean, tags_clean
from sellercenter.access import ROLE_REFUSED, has_shop_permission, require_shop_permission
from sellercenter.admin_base import (
    ReadOnlyAdminMixin,
    ShopImportMixin,
    ShopScopedAdmin,
    ShopScopedForm,
    ShopScopedTabularInline,
)
from sellercenter.errors import DomainError, InvalidInput
from sellercenter.money import money_format
from sellercenter.spreadsheet import csv_streaming_response

TIMELINE_LENGTH = 20
SHOWN_PROPERTIES = ("sku", "quantity", "price", "query", "url", "utm_campaign")


def add_domain_errors(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form fields it names (or on the form when it names none)."""
    for name, messages_ in (error.fields or {"": [str(error)]}).items():
        field = name.split(".")[0]
        form.add_error(
            field if field in form.fields else None, messages_ if field in form.fields else f"{name}: {messages_}"
        )


# --- Customers -------------------------------------------------------------------------------------


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
            add_domain_errors(self, error)
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
        profile = ["shop", "external_id", "full_name", "email", "phone", "gender", "birth_date", "tags_text", "note"]
        fieldsets = [
            (None, {"fields": profile}),
            (
                _("Acquisition"),
                {
                    "fields": [
                        "acquisition_channel",
                        "acquisition_source",
                        "utm_source",
                        "utm_medium",
                        "utm_campaign",
                        "referred_by",
                    ]
                },
            ),
        ]
        if obj is not None:
            fieldsets += [
                (
                    _("Purchases and journey"),
                    {
                        "fields": [
                            "purchase_facts",
                            "journey_stage",
                            "journey_stage_changed_at",
                            "last_seen_at",
                            "consent_now",
                        ]
                    },
                ),
                (_("Possible duplicates"), {"fields": ["duplicates"]}),
                (_("Latest events"), {"fields": ["timeline"]}),
                (_("Record"), {"fields": ["merged_into", "erased_at", "created_at", "updated_at"]}),
            ]
        return fieldsets

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
        for field in Customer._meta.concrete_fields:
            setattr(obj, field.attname, getattr(customer, field.attname))
        obj._state = customer._state

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

    def _confirm(self, request, queryset, *, action: str, title: str, message: str, needs_reason: bool = False):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "message": message,
            "objects": queryset,
            "action": action,
            "needs_reason": needs_reason,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/customers/customer/confirm_action.html", context)

    def _allowed(self, request, permission: str, customer) -> bool:
        """The user's role in this customer's shop allows it (a user may hold other roles elsewhere)."""
        if has_shop_permission(request.user, permission, customer):
            return True
        self.message_user(request, f"{customer}: {ROLE_REFUSED}", level=messages.ERROR)
        return False

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
        if request.POST.get("confirm") != "yes":
            return self._confirm(
                request,
                queryset,
                action="erase_personal_data",
                title=_("Erase personal data"),
                message=_(
                    "Names, contacts, addresses, tags and anonymous ids of these customers will be erased and "
                    "their events detached. Purchases and consent records are kept. This cannot be undone."
                ),
                needs_reason=True,
            )
        reason = request.POST.get("reason", "")
        erased = sum(
            1
            for customer in queryset
            if self._allowed(request, "customers.erase_customer", customer)
            and self.call_service(
                request, services.customer_erase, customer=customer, requested_by=request.user, reason=reason
            )
        )
        self.message_user(
            request, ngettext("%(count)d customer erased.", "%(count)d customers erased.", erased) % {"count": erased}
        )
        return None

    @admin.action(description=gettext_lazy("Merge selected duplicates"), permissions=["merge"])
    def merge_duplicates(self, request, queryset):
        profiles = sorted(queryset, key=lambda c: (-c.orders_count, c.pk))
        if len(profiles) < 2 or len({c.shop_id for c in profiles}) > 1:
            self.message_user(request, _("Choose two or more profiles of one shop."), level=messages.WARNING)
            return None
        target, sources = profiles[0], profiles[1:]
        require_shop_permission(request.user, "customers.merge_customer", target)
        if request.POST.get("confirm") != "yes":
            return self._confirm(
                request,
                queryset,
                action="merge_duplicates",
                title=_("Merge selected duplicates"),
                message=_("Everything of the other profiles moves into #%(id)s %(name)s (the one with most orders).")
                % {"id": target.pk, "name": target},
            )
        merged = sum(
            1
            for source in sources
            if self.call_service(request, services.customer_merge, source=source, target=target, merged_by=request.user)
        )
        self.message_user(
            request,
            ngettext("%(count)d profile merged into %(target)s.", "%(count)d profiles merged into %(target)s.", merged)
            % {"count": merged, "target": target},
        )
        return None


# --- Segments --------------------------------------------------------------------------------------


class SegmentAdminForm(ShopScopedForm):
    class Meta:
        model = Segment
        fields = ["shop", "name", "description", "match", "rules"]
        help_texts = {
            "rules": gettext_lazy(
                'A list of rules, e.g. [{"kind": "event", "type": "add_to_cart", "within_days": 1, '
                '"after_last_order": true}]. Kinds: attribute, event, purchases, consent, discount_share, tag, '
                "address (see the README)."
            )
        }

    def clean(self):
        cleaned = super().clean()
        if "rules" in cleaned and "match" in cleaned:
            try:
                cleaned["rules"] = rules_validate(cleaned["rules"], match=cleaned["match"])
            except InvalidInput as error:
                add_domain_errors(self, error)
        return cleaned


class SegmentChangeList(ChangeList):
    """Counts the members of every segment on the page in one query."""

    def get_results(self, request):
        super().get_results(request)
        counts = selectors.segments_member_counts(segments=list(self.result_list))
        for segment in self.result_list:
            segment.member_count = counts[segment.pk]


def members_csv(segments: list[Segment]):
    header = [
        _("segment"),
        _("customer id"),
        _("external id"),
        _("full name"),
        _("e-mail"),
        _("phone"),
        _("journey stage"),
        pgettext("customer profile", "orders"),
        _("total spent"),
        _("last order at"),
    ]
    rows = (
        (
            segment.name,
            customer.pk,
            customer.external_id,
            customer.full_name,
            customer.email,
            customer.phone,
            customer.journey_stage,
            customer.orders_count,
            customer.total_spent,
            customer.last_order_at.isoformat() if customer.last_order_at else "",
        )
        for segment in segments
        for customer in selectors.segment_customers(segment=segment).order_by("pk").iterator(chunk_size=2000)
    )
    name = segments[0].name if len(segments) == 1 else _("segments")
    return csv_streaming_response(f"{name}.csv", header, rows)


@admin.register(Segment)
class SegmentAdmin(ShopScopedAdmin):
    form = SegmentAdminForm
    list_display = ["name", "members", "builtin", "match", "description"]
    list_filter = ["builtin", "match"]
    list_select_related = ["shop"]
    search_fields = ["name"]
    actions = ["export_members"]
    readonly_fields = ["builtin", "live_count"]

    def get_changelist(self, request, **kwargs):
        return SegmentChangeList

    def get_urls(self):
        export = path(
            "<int:pk>/members.csv",
            self.admin_site.admin_view(self.members_csv_view),
            name="customers_segment_members_csv",
        )
        return [export, *super().get_urls()]

    @admin.display(description=gettext_lazy("members"))
    def members(self, obj):
        return obj.member_count

    @admin.display(description=gettext_lazy("members now"))
    def live_count(self, obj):
        if obj.pk is None:
            return "—"
        count = selectors.segment_customers(segment=obj).count()
        url = reverse("admin:customers_segment_members_csv", args=[obj.pk])
        return format_html('{} — <a href="{}">{}</a>', count, url, _("export the members to CSV"))

    def members_csv_view(self, request, pk: int):
        segment = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, segment):
            raise PermissionDenied
        return members_csv([segment])

    @admin.action(description=gettext_lazy("Export members to CSV"), permissions=["view"])
    def export_members(self, request, queryset):
        return members_csv(list(queryset.select_related("shop")))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in ("name", "description", "match", "rules")}
        if change:
            segment = services.segment_update(segment=obj, **fields)
        else:
            segment = services.segment_create(shop=data["shop"], **fields)
        obj.pk = segment.pk
        obj._state = segment._state


# --- Read-only records -----------------------------------------------------------------------------


@admin.register(CustomerEvent)
class CustomerEventAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["occurred_at", "type", "customer", "channel", "session_id", "event_id"]
    list_filter = ["type", "channel"]
    list_select_related = ["customer"]
    search_fields = ["event_id", "anonymous_id", "session_id", "customer_external_id"]
    show_full_result_count = False


class ConsentRecordForm(ShopScopedForm):
    class Meta:
        model = ConsentRecord
        fields = ["customer", "channel", "granted", "source", "wording_version", "recorded_at", "evidence"]

    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is not None and not self.errors:
            try:
                services.consent_check(**{name: cleaned.get(name) for name in self.Meta.fields})
            except DomainError as error:
                add_domain_errors(self, error)
        return cleaned


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ShopScopedAdmin):
    """Consent history. Staff record a grant or a withdrawal here (e.g. from a phone call); records
    are never changed or deleted: they are the proof."""

    form = ConsentRecordForm
    list_display = ["customer", "channel", "granted", "recorded_at", "source", "wording_version", "recorded_by"]
    list_filter = ["channel", "granted", "source"]
    list_select_related = ["customer", "recorded_by"]
    search_fields = ["customer__full_name", "customer__email", "customer__phone", "source", "wording_version"]
    autocomplete_fields = ["customer"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        record = services.consent_record(
            recorded_by=request.user, **{name: data.get(name) for name in ConsentRecordForm.Meta.fields}
        )
        obj.pk = record.pk
        obj._state = record._state


@admin.register(CustomerPurchase)
class CustomerPurchaseAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["ordered_at", "customer", "reference", "amount", "discounted", "reversed_at"]
    list_filter = ["discounted", ("reversed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["customer"]
    search_fields = ["reference", "customer__full_name", "customer__phone"]


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["merged_at", "target", "source", "merged_by"]
    list_select_related = ["target", "source", "merged_by"]
    search_fields = ["target__full_name", "target__email", "target__phone"]


@admin.register(PersonalDataRequest)
class PersonalDataRequestAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["created_at", "kind", "customer", "requested_by", "api_key", "reason"]
    list_filter = ["kind"]
    list_select_related = ["customer", "requested_by", "api_key"]


@admin.register(Review)
class ReviewAdmin(ShopScopedAdmin):
    """Reviews are the customers' words: staff answer them (in public), never edit or delete them."""

    list_display = ["line", "customer", "rating", "short_comment", "replied_at", "created_at"]
    list_filter = ["rating", ("replied_at", admin.EmptyFieldListFilter)]
    list_select_related = ["line", "customer", "shop"]
    search_fields = ["comment", "line__sku", "line__order_ref", "customer__full_name"]
    fields = ["shop", "line", "customer", "rating", "comment", "created_at", "reply", "replied_at", "replied_by"]
    readonly_fields = ["line", "customer", "rating", "comment", "created_at", "replied_at", "replied_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("comment"))
    def short_comment(self, obj):
        return obj.comment[:80]

    def save_model(self, request, obj, form, change):
        if "reply" in form.changed_data:
            self.call_service(request, services.review_reply, review=obj, reply=obj.reply, replied_by=request.user)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["customer", "anonymous_id", "short_endpoint", "created_at", "last_sent_at"]
    list_select_related = ["customer", "shop"]
    search_fields = ["customer__full_name", "anonymous_id"]
    exclude = ["p256dh", "auth"]

    @admin.display(description=gettext_lazy("endpoint"))
    def short_endpoint(self, obj):
        return obj.endpoint[:60]
