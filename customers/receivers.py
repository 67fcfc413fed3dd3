"""What customers does when the kernel signals (connected in CustomersConfig.ready)."""

from django.dispatch import receiver

from customers.services import segments_create_builtin
from sellercenter.signals import shop_created


@receiver(shop_created, dispatch_uid="customers_create_builtin_segments")
def create_builtin_segments(sender, shop, **kwargs) -> None:
    segments_create_builtin(shop=shop)
