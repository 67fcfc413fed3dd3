"""Reactions to what the customers and loyalty apps signal."""

from django.dispatch import receiver

from customers.signals import customer_merged, events_recorded, order_delivered
from loyalty.signals import tier_upgraded
from promotions import services
from promotions.journeys import triggers


@receiver(customer_merged, dispatch_uid="promotions.redemptions_merge")
def move_redemptions(sender, source, target, **kwargs) -> None:
    """A duplicate profile folded into another one: its redemptions count for the kept profile, so
    per-customer limits cannot be dodged with two profiles."""
    services.redemptions_move_customer(source=source, target=target)


@receiver(events_recorded, dispatch_uid="promotions.journeys_enrol_from_events")
def enrol_from_events(sender, shop, events, **kwargs) -> None:
    triggers.enrol_from_events(shop=shop, events=events)


@receiver(order_delivered, dispatch_uid="promotions.journeys_enrol_delivered")
def enrol_delivered(sender, shop, customer, order_ref, delivered_at, **kwargs) -> None:
    triggers.enrol_delivered(shop=shop, customer=customer, order_ref=order_ref, delivered_at=delivered_at)


@receiver(tier_upgraded, dispatch_uid="promotions.journeys_enrol_tier_upgraded")
def enrol_tier_upgraded(sender, account, at, **kwargs) -> None:
    triggers.enrol_tier_upgraded(customer=account.customer, tier_rank=account.tier.rank, at=at)
