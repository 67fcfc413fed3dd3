"""Member accounts: ledger and tier history, enrolment, the adjustment and tier-floor actions, the card."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.models import Customer
from loyalty import selectors, services
from loyalty.models import LoyaltyAccount, PointsEntry, Tier, TierChange
from sellercenter.actor import Actor
from sellercenter.admin_base import (
    ReadOnlyAdminMixin,
    ShopScopedAdmin,
    ShopScopedTabularInline,
    actor_shown,
    adopt_saved,
)
from sellercenter.barcodes import barcode_svg
from sellercenter.money import money_format
from sellercenter.selectors import filter_by_user_shops

LEDGER_INLINE_ROWS = 100


TIER_HISTORY_INLINE_ROWS = 20


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
        actor_shown,
    ]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("points"))
    def points_shown(self, obj):
        return obj.points

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "api_key")


class TierChangeInline(ReadOnlyAdminMixin, ShopScopedTabularInline):
    model = TierChange
    formset = TierHistoryFormSet
    fk_name = "account"
    fields = ["occurred_at", "from_tier", "to_tier", "reason", "note", actor_shown]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_tier", "to_tier", "user", "api_key")


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
        account = services.account_enrol(customer=form.cleaned_data["customer"], actor=Actor.staff(request.user))
        adopt_saved(obj, account)

    @admin.display(description=_("qualifying amount"), ordering="qualifying_amount")
    def qualifying(self, obj):
        return money_format(obj.qualifying_amount, obj.shop.currency)

    @admin.display(description=_("barcode"))
    def barcode(self, obj):
        # The SVG is generated here from a digits-only code: nothing user-supplied reaches the markup.
        return mark_safe(barcode_svg(obj.member_code))  # noqa: S308

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

    def _each_account(self, request, queryset, service, arguments, done_message) -> int:
        """`service` for every selected account the user may change, by the staff member."""
        actor = Actor.staff(request.user)
        return self.call_service_for_each(
            request,
            queryset.select_related("shop"),
            service,
            arguments=lambda account: {"account": account, "actor": actor, **arguments(account)},
            done_message=done_message,
            permission="loyalty.change_loyaltyaccount",
        )

    @admin.action(description=_("Adjust points (with a reason)"), permissions=["change"])
    def adjust_points(self, request, queryset):
        form, page = self.service_action_form(request, queryset, title=_("Adjust points"), form_class=AdjustPointsForm)
        if page is not None:
            return page
        self._each_account(
            request,
            queryset,
            services.points_adjust,
            lambda account: form.cleaned_data,
            lambda done: ngettext("%(count)d account adjusted.", "%(count)d accounts adjusted.", done),
        )
        return None

    @admin.action(description=_("Set a manual tier floor (with a reason)"), permissions=["change"])
    def set_tier_floor(self, request, queryset):
        form, page = self.service_action_form(
            request, queryset, title=_("Set a manual tier floor"), form_class=TierFloorForm
        )
        if page is not None:
            return page
        rank, reason = form.cleaned_data["rank"], form.cleaned_data["reason"]

        def arguments(account):
            tier = Tier.objects.get(shop_id=account.shop_id, rank=rank) if rank else None
            return {"tier": tier, "reason": reason}

        self._each_account(
            request,
            queryset,
            services.account_set_tier_floor,
            arguments,
            lambda done: ngettext("%(count)d account updated.", "%(count)d accounts updated.", done),
        )
        return None
