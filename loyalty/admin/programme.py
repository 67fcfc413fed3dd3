"""The programme's rules and its five tiers, edited on one page and checked together."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from loyalty import services
from loyalty.models import ProgrammeSettings, Tier
from sellercenter.actor import Actor
from sellercenter.admin_base import ReadOnlyAdminMixin, ShopScopedAdmin, ShopScopedForm, form_add_domain_error
from sellercenter.errors import DomainError
from sellercenter.money import MoneyFormField

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


def _tier_field(name: str) -> str:
    """The form field of a tier error the service names `tiers.<rank>.<field>`."""
    _prefix, rank, field = name.split(".")
    return f"tier{rank}_{field}"


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
                form_add_domain_error(self, error, renamed=_tier_field)
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
    list_display = ["shop", *PROGRAMME_FIELDS]
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
