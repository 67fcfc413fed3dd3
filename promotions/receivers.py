"""Reactions to what the customers app signals."""

from django.dispatch import receiver

from customers.signals import customer_merged
from promotions import services


@receiver(customer_merged, dispatch_uid="promotions.redemptions_merge")
def move_redemptions(sender, source, target, **kwargs) -> None:
    """A duplicate profile folded into another one: its redemptions count for the kept profile, so
    per-customer limits cannot be dodged with two profiles."""
    services.redemptions_move_customer(source=source, target=target)
