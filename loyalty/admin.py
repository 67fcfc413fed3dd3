"""Loyalty admin: the programme and its tiers, member accounts with their ledger, tier history.

Balances, the ledger and tier history are never edited here: points move through the adjustment
action and tiers through the manual-floor action, both of which call services and require a reason.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.models import Customer
from loyalty import selectors, services
from loyalty.member_card import member_code_barcode_svg
from loyalty.models import LoyaltyAccount, PointsEntry, ProgrammeSettings, Tier, TierChange
from sellercenter.access import has_shop_permission
from sellercenter.actor import Actor
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin, ShopScopedForm, ShopScopedTabularInline
from sellercenter.errors import DomainError
from sellercenter.money import MoneyFormField, money_format
from sellercenter.selectors import filter_by_user_shops

LEDGER_INLINE_ROWS = 100
TIER_HISTORY_INLINE_ROWS = 20


# --- Programme and tiers ----------------------------------------------------------------------------


PROGRAMME_FIELDS = [
    "qualification_basis",
    "qualification_window",
    "spend_per_point",
    "point_value",
    "max_redemption_percent",
    "points_lifetime_months",
]
TIER_RANKS = range(1, 6)
TIER_FIELDS = ("name", "threshold", "earn_multiplier", "benefits")


def _tier_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for rank in TIER_RANKS:
        fields[f"tier{rank}_name"] = forms.CharField(label=_("name"), max_length=100)
        fields[f"tier{rank}_threshold"] = MoneyFormField(
            label=_("qualification threshold"), max_digits=18, decimal_places=2, min_value=0
        )
        fields[f"tier{rank}_earn_multiplier"] = forms.DecimalField(
            label=_("earn multiplier"), max_digits=4, decimal_places=2, min_value=Decimal("0.01")
        )
        fields[f"tier{rank}_benefits"] = forms.CharField(
            label=_("benefits"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 80})
        )
    return fields


class _ProgrammeFormBase(ShopScopedForm):
    """The programme's rules and its five tiers on one page, checked and saved together."""

    class Meta:
        model = ProgrammeSettings
        fields = PROGRAMME_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = {tier.rank: tier for tier in Tier.objects.filter(shop_id=self.instance.shop_id)}
        for rank, tier in self.tiers.items():
            for name in TIER_FIELDS:
                self.initial[f"tier{rank}_{name}"] = getattr(tier, name)

    def clean(self):
        cleaned = super().clean()
        values = self.tier_values()
        if all(values[rank].get("threshold") is not None for rank in values):
            try:
                services.tiers_check(tiers=[{"rank": rank, **row} for rank, row in values.items()])
            except DomainError as error:
                for key, messages_ in error.fields.items():
                    _prefix, rank, field = key.split(".")
                    self.add_error(f"tier{rank}_{field}", messages_)
        return cleaned

    def tier_values(self) -> dict[int, dict]:
        return {
            rank: {name: self.cleaned_data.get(f"tier{rank}_{name}") for name in TIER_FIELDS} for rank in self.tiers
        }

    def tier_changes(self) -> dict[int, dict]:
        changed = set(self.changed_data)
        return {
            rank: {name: row[name] for name in TIER_FIELDS if f"tier{rank}_{name}" in changed}
            for rank, row in self.tier_values().items()
            if any(f"tier{rank}_{name}" in changed for name in TIER_FIELDS)
        }


ProgrammeForm = type(_ProgrammeFormBase)("ProgrammeForm", (_ProgrammeFormBase,), _tier_fields())


@admin.register(ProgrammeSettings)
class ProgrammeSettingsAdmin(ShopScopedAdmin):
    """The shop's loyalty programme: its rules and the configuration of its five tiers."""

    form = ProgrammeForm
    list_display = [
        "shop",
        "qualification_basis",
        "qualification_window",
        "spend_per_point",
        "point_value",
        "max_redemption_percent",
        "points_lifetime_months",
    ]
    list_select_related = ["shop"]
    readonly_fields = ["shop", "return_window"]

    def get_fieldsets(self, request, obj=None):
        tiers = {tier.rank: tier for tier in Tier.objects.filter(shop_id=obj.shop_id)} if obj else {}
        return [
            (None, {"fields": ["shop"]}),
            (_("Tier qualification"), {"fields": ["qualification_basis", "qualification_window"]}),
            (
                _("Points"),
                {"fields": ["spend_per_point", "point_value", "max_redemption_percent", "points_lifetime_months"]},
            ),
            (_("Pending points"), {"fields": ["return_window"]}),
            *[
                (
                    _("Tier %(tier)s") % {"tier": tiers.get(rank, rank)},
                    {"fields": [f"tier{rank}_{name}" for name in TIER_FIELDS]},
                )
                for rank in TIER_RANKS
                if rank in tiers
            ],
        ]

    def has_add_permission(self, request):
        return False  # created with the shop

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("return window"))
    def return_window(self, obj):
        return _(
            "%(days)s days after delivery (the shop's return window): points stay pending until the order completes."
        ) % {"days": obj.shop.return_window_days}

    def save_model(self, request, obj, form, change):
        programme_fields = [name for name in form.changed_data if name in PROGRAMME_FIELDS]
        actor = Actor.staff(request.user)
        services.programme_update(
            programme=obj, actor=actor, **{name: form.cleaned_data[name] for name in programme_fields}
        )
        changes = form.tier_changes()
        if changes:
            services.tiers_update(shop=obj.shop, changes=changes, actor=actor)


@admin.register(Tier)
class TierAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """The tiers of every shop at a glance (and for autocompletion elsewhere); edited on the programme."""

    list_display = ["__str__", "shop", "threshold", "earn_multiplier", "member_count"]
    list_select_related = ["shop"]
    search_fields = ["name"]
    ordering = ["shop", "rank"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members=Count("accounts"))

    @admin.display(description=_("members"), ordering="members")
    def member_count(self, obj):
        return obj.members


# --- Accounts --------------------------------------------------------------------------------------


class TierRankFilter(admin.SimpleListFilter):
    title = _("tier")
    parameter_name = "tier_rank"

    def lookups(self, request, model_admin):
        names: dict[int, list[str]] = {}
        for rank, name in filter_by_user_shops(Tier.objects.all(), request.user).values_list("rank", "name"):
            names.setdefault(rank, [])
            if name not in names[rank]:
                names[rank].append(name)
        return [(str(rank), f"{rank}. {' / '.join(names[rank])}") for rank in sorted(names)]

    def queryset(self, request, queryset):
        return queryset.filter(tier__rank=self.value()) if self.value() else queryset


class LatestRowsFormSet(BaseInlineFormSet):
    """Only the latest rows of a long history (the full list is one click away)."""

    rows = LEDGER_INLINE_ROWS

    def get_queryset(self):
        queryset = super().get_queryset()
        latest = list(queryset.order_by("-pk").values_list("pk", flat=True)[: self.rows])
        return queryset.filter(pk__in=latest).order_by("-pk")


class TierHistoryFormSet(LatestRowsFormSet):
    rows = TIER_HISTORY_INLINE_ROWS


class PointsEntryInline(ReadOnlyAdminMixin, ShopScopedTabularInline):
    model = PointsEntry
    formset = LatestRowsFormSet
    verbose_name_plural = _("points ledger (latest %(rows)d entries)") % {"rows": LEDGER_INLINE_ROWS}
    fields = [
        "occurred_at",
        "kind",
        "points_shown",
        "pending_delta",
        "available_delta",
        "debt_delta",
        "source",
        "reason",
        "actor",
    ]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("points"))
    def points_shown(self, obj):
        return obj.points

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class TierChangeInline(ReadOnlyAdminMixin, ShopScopedTabularInline):
    model = TierChange
    formset = TierHistoryFormSet
    fk_name = "account"
    fields = ["occurred_at", "from_tier", "to_tier", "reason", "note", "actor"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_tier", "to_tier", "actor")


class AdjustPointsForm(forms.Form):
    points = forms.IntegerField(
        label=_("points"), help_text=_("Positive to add points, negative to remove available points.")
    )
    reason = forms.CharField(label=_("reason"), max_length=300)


class TierFloorForm(forms.Form):
    rank = forms.TypedChoiceField(
        label=_("tier floor"),
        coerce=int,
        choices=[(0, _("No floor"))] + [(rank, str(rank)) for rank in range(1, 6)],
    )
    reason = forms.CharField(label=_("reason"), max_length=300)


class EnrolForm(forms.ModelForm):
    class Meta:
        model = LoyaltyAccount
        fields = ["customer"]


@admin.register(LoyaltyAccount)
class LoyaltyAccountAdmin(ShopScopedAdmin):
    list_display = [
        "member_code",
        "customer",
        "tier",
        "available_points",
        "pending_points",
        "debt_points",
        "qualifying",
        "tier_kept_until",
    ]
    list_select_related = ["customer", "tier", "shop"]
    list_filter = [TierRankFilter]
    search_fields = [
        "member_code",
        "customer__full_name",
        "customer__phone",
        "customer__email",
        "customer__external_id",
    ]
    readonly_fields = [
        "customer",
        "member_code",
        "barcode",
        "card_link",
        "tier",
        "tier_reached_at",
        "tier_kept_until",
        "tier_floor",
        "tier_floor_reason",
        "available_points",
        "pending_points",
        "debt_points",
        "lifetime_points",
        "qualifying_amount",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["customer", "member_code", "barcode", "card_link", "created_at"]}),
        (
            _("Tier"),
            {"fields": ["tier", "tier_reached_at", "tier_kept_until", "tier_floor", "tier_floor_reason"]},
        ),
        (
            _("Points"),
            {"fields": ["available_points", "pending_points", "debt_points", "lifetime_points", "qualifying_amount"]},
        ),
    ]
    inlines = [PointsEntryInline, TierChangeInline]
    actions = ["adjust_points", "set_tier_floor"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = EnrolForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ["customer"]})] if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = Customer.objects.filter(
                merged_into__isnull=True, erased_at__isnull=True, loyalty_account__isnull=True
            ).order_by("full_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger is a financial record

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on the page is editable
        account = services.account_enrol(customer=form.cleaned_data["customer"])
        obj.pk = account.pk
        obj._state = account._state

    @admin.display(description=_("qualifying amount"), ordering="qualifying_amount")
    def qualifying(self, obj):
        return money_format(obj.qualifying_amount, obj.shop.currency)

    @admin.display(description=_("barcode"))
    def barcode(self, obj):
        # The SVG is generated here from a digits-only code: nothing user-supplied reaches the markup.
        return mark_safe(member_code_barcode_svg(obj.member_code))  # noqa: S308

    @admin.display(description=_("member card"))
    def card_link(self, obj):
        url = reverse("admin:loyalty_loyaltyaccount_card", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Printable member card"))

    def get_urls(self):
        card = path(
            "<path:object_id>/card/",
            self.admin_site.admin_view(self.card_view),
            name="loyalty_loyaltyaccount_card",
        )
        return [card, *super().get_urls()]

    def card_view(self, request, object_id):
        account = self.get_object(request, object_id)
        if not self.has_view_permission(request, account):
            raise PermissionDenied
        card = selectors.member_card(account=account)
        return TemplateResponse(
            request,
            "admin/loyalty/loyaltyaccount/member_card.html",
            {"card": card, "barcode": mark_safe(card.barcode_svg), "shop": account.shop},  # noqa: S308 - as above
        )

    def _action_form(self, request, queryset, form_class, title: str):
        """The intermediate page of an action: the form until it is valid, then None."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            return form, None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return None, TemplateResponse(request, "admin/loyalty/loyaltyaccount/action_form.html", context)

    def _each_account(self, request, queryset, service, arguments) -> int:
        """Call `service` for every selected account the user may change; `arguments(account)` gives
        its keyword arguments. Returns how many succeeded; refusals become messages."""
        done = 0
        for account in queryset.select_related("shop"):
            if not has_shop_permission(request.user, "loyalty.change_loyaltyaccount", account):
                self.message_user(request, _("%(account)s: not allowed.") % {"account": account}, messages.ERROR)
                continue
            result = self.call_service(request, service, account=account, actor=request.user, **arguments(account))
            done += result is not None
        return done

    @admin.action(description=_("Adjust points (with a reason)"), permissions=["change"])
    def adjust_points(self, request, queryset):
        form, page = self._action_form(request, queryset, AdjustPointsForm, _("Adjust points"))
        if page is not None:
            return page
        done = self._each_account(request, queryset, services.points_adjust, lambda account: form.cleaned_data)
        self.message_user(
            request, ngettext("%(count)d account adjusted.", "%(count)d accounts adjusted.", done) % {"count": done}
        )
        return None

    @admin.action(description=_("Set a manual tier floor (with a reason)"), permissions=["change"])
    def set_tier_floor(self, request, queryset):
        form, page = self._action_form(request, queryset, TierFloorForm, _("Set a manual tier floor"))
        if page is not None:
            return page
        rank, reason = form.cleaned_data["rank"], form.cleaned_data["reason"]

        def arguments(account):
            tier = Tier.objects.get(shop_id=account.shop_id, rank=rank) if rank else None
            return {"tier": tier, "reason": reason}

        done = self._each_account(request, queryset, services.account_set_tier_floor, arguments)
        self.message_user(
            request, ngettext("%(count)d account updated.", "%(count)d accounts updated.", done) % {"count": done}
        )
        return None


# --- History ----------------------------------------------------------------------------------------


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = [
        "occurred_at",
        "account",
        "kind",
        "points_shown",
        "pending_delta",
        "available_delta",
        "debt_delta",
        "source",
        "reason",
        "actor",
    ]
    list_select_related = ["account__customer", "actor", "shop"]
    list_filter = ["kind"]
    search_fields = ["source", "account__member_code", "account__customer__full_name"]
    date_hierarchy = "occurred_at"

    @admin.display(description=_("points"))
    def points_shown(self, obj):
        return obj.points


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ["occurred_at", "account", "from_tier", "to_tier", "reason", "note", "actor"]
    list_select_related = ["account__customer", "from_tier", "to_tier", "actor", "shop"]
    list_filter = ["reason"]
    search_fields = ["account__member_code", "account__customer__full_name", "note"]
    date_hierarchy = "occurred_at"
