"""Purchase facts on the customer (orders count, spend, first/last order), fed by the orders app.

Each recorded purchase is also a `CustomerPurchase` row: windowed segment rules ("spent over X in 90
days") and the cohort metrics read those rows, and a reversal finds the purchase it takes back."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, CustomerPurchase
from customers.services.journey import journey_stages_refresh
from sellercenter.bulk import insert_unless_present
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from sellercenter.money import MoneyField, money_round, to_decimal


def _current_profile_id(customer: Customer) -> int:
    # Orders may still point at a profile that was merged away (and hold a copy loaded before the
    # merge): its purchases belong to the kept one.
    return Customer.objects.filter(pk=customer.pk).values_list(Coalesce("merged_into_id", "pk"), flat=True).get()


def _amount(amount, currency: str) -> Decimal:
    try:
        value = money_round(to_decimal(amount), currency)
    except (TypeError, ValueError):
        raise InvalidInput(fields={"amount": [_("Give an amount of money.")]}) from None
    if value < 0:
        raise InvalidInput(fields={"amount": [_("The amount must not be negative.")]})
    return value


def _earlier(field: str, moment: datetime) -> Case:
    return Case(
        When(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": moment}), then=Value(moment)),
        default=F(field),
    )


def _later(field: str, moment: datetime) -> Case:
    return Case(
        When(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": moment}), then=Value(moment)),
        default=F(field),
    )


def customer_record_purchase(
    *,
    customer: Customer,
    amount: Decimal,
    ordered_at: datetime,
    discounted: bool,
    reference: str = "",
    locked: bool = False,
) -> None:
    """Count one order in the customer's purchase facts and bring their journey stage up to date.

    Call it when the order is placed (confirmed: COD at checkout, prepaid once paid), with the amount
    the customer pays and `ordered_at` = when the order was placed. `reference` (the order number,
    optional) makes the call idempotent: a second call with the same reference changes nothing.
    The facts change by one UPDATE with F() expressions, safe under concurrent orders.
    `locked`: the caller's transaction read `customer` as the current profile with its row locked
    (the checkout's buyer), so no merge can have moved it away and it is not read again.
    Refuses a negative amount or a naive datetime (InvalidInput)."""
    if timezone.is_naive(ordered_at):
        raise InvalidInput(fields={"ordered_at": [_("Give a date and time with a time zone.")]})
    value = _amount(amount, customer.shop.currency)
    # No savepoint inside a caller's transaction: nothing in here refuses (see events_ingest).
    with transaction.atomic(savepoint=False):
        customer_id = customer.pk if locked and customer.merged_into_id is None else _current_profile_id(customer)
        purchase = CustomerPurchase(
            shop_id=customer.shop_id,
            customer_id=customer_id,
            amount=value,
            ordered_at=ordered_at,
            discounted=discounted,
            reference=reference,
        )
        if not insert_unless_present(purchase):
            return  # This order was counted already.
        Customer.objects.filter(pk=customer_id).update(
            orders_count=F("orders_count") + 1,
            discounted_orders_count=F("discounted_orders_count") + (1 if discounted else 0),
            total_spent=F("total_spent") + value,
            first_order_at=_earlier("first_order_at", ordered_at),
            last_order_at=_later("last_order_at", ordered_at),
        )
        journey_stages_refresh(shop_id=customer.shop_id, customer_ids=[customer_id], buyers=True)


def _purchase_to_reverse(customer_id: int, amount: Decimal, discounted: bool, reference: str) -> CustomerPurchase:
    purchases = CustomerPurchase.objects.select_for_update().filter(customer_id=customer_id, reversed_at__isnull=True)
    if reference:
        purchase = purchases.filter(reference=reference).first()
    else:
        purchase = purchases.filter(amount=amount, discounted=discounted).order_by("-ordered_at", "-pk").first()
    if purchase is None:
        raise NotAllowed(_("No recorded purchase of this customer matches this reversal."), code="nothing_to_reverse")
    if amount > purchase.amount:
        raise InvalidInput(fields={"amount": [_("The amount is more than the purchase recorded.")]})
    return purchase


def _remaining(customer_id: int, aggregate):
    rows = (
        CustomerPurchase.objects.filter(customer_id=customer_id, reversed_at__isnull=True)
        .order_by()
        .values("customer")
        .annotate(moment=aggregate)
        .values("moment")
    )
    return Subquery(rows)


def customer_reverse_purchase(*, customer: Customer, amount: Decimal, discounted: bool, reference: str = "") -> None:
    """Take back a purchase counted by customer_record_purchase, for a cancelled or refunded order.

    Without `reference`, the latest purchase with this amount and discount flag is taken back whole.
    With it, that order's purchase is found by its reference; an amount below the recorded one is a
    partial refund (the spend goes down, the order still counts), the full amount takes the order back.
    Refuses (NotAllowed) when no recorded purchase matches, e.g. a second reversal of the same order."""
    value = _amount(amount, customer.shop.currency)
    with transaction.atomic():
        customer_id = _current_profile_id(customer)
        purchase = _purchase_to_reverse(customer_id, value, discounted, reference)
        whole = value == purchase.amount
        if whole:
            purchase.reversed_at = timezone.now()
        else:
            purchase.amount -= value
        purchase.save(update_fields=["reversed_at", "amount"])
        changes = {"total_spent": F("total_spent") - value}
        if whole:
            changes.update(
                orders_count=F("orders_count") - 1,
                discounted_orders_count=F("discounted_orders_count") - (1 if purchase.discounted else 0),
                first_order_at=_remaining(customer_id, Min("ordered_at")),
                last_order_at=_remaining(customer_id, Max("ordered_at")),
            )
        # The WHERE is the guard: facts never go below zero, whatever was recorded before.
        updated = Customer.objects.filter(pk=customer_id, total_spent__gte=value, orders_count__gte=1).update(**changes)
        if not updated:
            raise Conflict(_("The customer's purchase facts are smaller than this reversal."))
        journey_stages_refresh(shop_id=customer.shop_id, customer_ids=[customer_id])


def customer_amend_purchase(*, customer: Customer, reference: str, amount: Decimal, discounted: bool) -> None:
    """The order `reference` was edited before shipping: its purchase is now `amount` (and counts as
    discounted or not), the spend and the discounted-orders count follow by one UPDATE with F().
    The order still counts once. Refuses (NotAllowed, code `nothing_to_amend`) an order whose
    purchase is not counted, an amount not above zero (InvalidInput; take the purchase back instead)."""
    value = _amount(amount, customer.shop.currency)
    if value <= 0:
        raise InvalidInput(fields={"amount": [_("The amount must be above zero.")]})
    with transaction.atomic():
        customer_id = _current_profile_id(customer)
        purchase = (
            CustomerPurchase.objects.select_for_update()
            .filter(customer_id=customer_id, reference=reference, reversed_at__isnull=True)
            .first()
        )
        if not reference or purchase is None:
            raise NotAllowed(_("No recorded purchase of this customer matches this order."), code="nothing_to_amend")
        delta, flag_change = value - purchase.amount, int(discounted) - int(purchase.discounted)
        purchase.amount, purchase.discounted = value, discounted
        purchase.save(update_fields=["amount", "discounted"])
        Customer.objects.filter(pk=customer_id).update(
            total_spent=F("total_spent") + delta,
            discounted_orders_count=F("discounted_orders_count") + flag_change,
        )
        # The journey stage stays: it depends on the number of orders, not on what they came to.


def purchase_facts_rebuild(*, shop_id: int, customer_ids: Iterable[int] | None = None) -> int:
    """Recompute the purchase facts of the shop's customers (all, or those given) from their recorded,
    not reversed purchases, in one UPDATE. For purchases written in bulk (demo data, an import from
    another system); day-to-day orders keep the facts current one by one. Returns the rows updated."""
    counted = (
        CustomerPurchase.objects.filter(customer=OuterRef("pk"), reversed_at__isnull=True).order_by().values("customer")
    )

    def per_customer(aggregate, output_field):
        return Subquery(counted.annotate(value=aggregate).values("value"), output_field=output_field)

    customers = Customer.objects.filter(shop_id=shop_id)
    if customer_ids is not None:
        customers = customers.filter(pk__in=list(customer_ids))
    return customers.update(
        orders_count=Coalesce(per_customer(Count("pk"), IntegerField()), 0),
        discounted_orders_count=Coalesce(per_customer(Count("pk", filter=Q(discounted=True)), IntegerField()), 0),
        total_spent=Coalesce(per_customer(Sum("amount"), MoneyField()), Decimal("0")),
        first_order_at=per_customer(Min("ordered_at"), DateTimeField()),
        last_order_at=per_customer(Max("ordered_at"), DateTimeField()),
    )
