"""Customer profiles and segments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellercenter.models import Shop


class Customer(models.Model):
    """A shop's customer, as known from every channel the shop sells on."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="customers", verbose_name=_("shop"))
    external_id = models.CharField(
        _("external id"), max_length=100, null=True, blank=True, help_text=_("The storefront's id for the customer.")
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +84912345678."))
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
