"""Reactions to what the kernel and the customers app signal."""

from django.dispatch import receiver

from customers.signals import customer_merged
from loyalty import services
from sellercenter.signals import shop_created


@receiver(shop_created, dispatch_uid="loyalty.programme_set_up")
def set_up_programme(sender, shop, **kwargs) -> None:
    """Every new shop starts with its programme settings and the five default tiers."""
    services.programme_set_up(shop=shop)


@receiver(customer_merged, dispatch_uid="loyalty.account_merge")
def merge_accounts(sender, source, target, actor, **kwargs) -> None:
    """A duplicate profile folded into another one brings its membership and points along."""
    services.account_merge(source_customer=source, target_customer=target, actor=actor)
