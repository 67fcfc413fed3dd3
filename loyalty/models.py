"""Membership tiers, loyalty accounts and the points ledger."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellercenter.models import Shop
from sellercenter.money import MoneyField


class Tier(models.Model):
    """One of a shop's five membership tiers, rank 1 (lowest) to 5."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("shop"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    name = models.CharField(_("name"), max_length=100)
    threshold = MoneyField(
        _("qualification threshold"), default=Decimal("0"), help_text=_("Spend (or points) needed in the window.")
    )
    earn_multiplier = models.DecimalField(_("earn multiplier"), max_digits=4, decimal_places=2, default=Decimal("1"))
    benefits = models.TextField(_("benefits"), blank=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["shop", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "rank"], name="tier_unique_shop_rank"),
            models.CheckConstraint(condition=models.Q(rank__gte=1, rank__lte=5), name="tier_rank_1_to_5"),
            models.CheckConstraint(condition=models.Q(threshold__gte=0), name="tier_threshold_not_negative"),
            models.CheckConstraint(condition=models.Q(earn_multiplier__gt=0), name="tier_earn_multiplier_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}"
