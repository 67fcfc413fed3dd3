"""Customer profiles and segments."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellercenter.models import Shop
from sellercenter.money import MoneyField


class Channel(models.TextChoices):
    """Where a shop sells and meets its customers (also the sales channel of an order)."""

    WEBSITE = "website", _("Website")
    APP = "app", _("App")
    FANPAGE = "fanpage", _("Fanpage")
    MARKETPLACE = "marketplace", _("Marketplace")
    POS = "pos", _("Shop counter (POS)")


class Customer(models.Model):
    """A shop's customer, as known from every channel the shop sells on."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="customers", verbose_name=_("shop"))
    external_id = models.CharField(
        _("external id"), max_length=100, null=True, blank=True, help_text=_("The storefront's id for the customer.")
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +84912345678."))
    # Purchase facts, kept by customers.services when orders records a purchase.
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    discounted_orders_count = models.PositiveIntegerField(_("orders with a discount"), default=0)
    total_spent = MoneyField(_("total spent"), default=Decimal("0"))
    first_order_at = models.DateTimeField(_("first order at"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="customer_unique_shop_external_id"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"


class Segment(models.Model):
    """A saved group of customers, defined by rules (evaluated by customers.selectors)."""

    class Match(models.TextChoices):
        ALL = "all", _("all rules")
        ANY = "any", _("any rule")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="segments", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=200)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    rules = models.JSONField(_("rules"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="segment_unique_shop_name")]

    def __str__(self) -> str:
        return self.name
