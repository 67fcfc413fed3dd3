"""Reactions to what the kernel signals."""

from django.dispatch import receiver

from loyalty import services
from sellercenter.signals import shop_created


@receiver(shop_created, dispatch_uid="loyalty.programme_set_up")
def set_up_programme(sender, shop, **kwargs) -> None:
    """Every new shop starts with its programme settings and the five default tiers."""
    services.programme_set_up(shop=shop)
