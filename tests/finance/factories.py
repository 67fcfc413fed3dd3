"""Finance test data: fee rules as rows; orders, returns and lines through the real services, so
statement lines come from the same signals as in production."""

from datetime import date
from decimal import Decimal

import factory

from finance import services
from finance.models import FeeRule, Statement, StatementLine
from orders import services as order_services
from orders.models import Order, OrderStatus
from orders.pipeline import Actor
from tests.orders.factories import reach, return_window_closed, staff_actor


class FeeRuleFactory(factory.django.DjangoModelFactory):
    """4 % commission, 2 % payment fee, 1 % service fee, 1.000 ₫ per order, VAT 1 % and PIT 0,5 % withheld."""

    class Meta:
        model = FeeRule

    effective_from = date(2020, 1, 1)
    commission_rate = Decimal("4")
    payment_fee_rate = Decimal("2")
    service_fee_rate = Decimal("1")
    fixed_fee = Decimal("1000")
    vat_withholding_rate = Decimal("1")
    pit_withholding_rate = Decimal("0.5")


def delivered(shop, **kwargs) -> Order:
    """A prepaid order of one 150.000 ₫ product, delivered now (its sale line is written)."""
    return reach(shop, OrderStatus.DELIVERED, **kwargs)


def complete(order: Order) -> Order:
    """Close the order's return window and complete it through the beat job's service."""
    return_window_closed(order)
    return order_services.order_complete(order=order, actor=Actor.system())


def refund(order: Order, quantity: int = 1):
    """Return and refund `quantity` units of the order's first line, through every return step."""
    actor = staff_actor()
    line = order.lines.first()
    request = order_services.return_request_open(
        order=order,
        items=[order_services.ReturnItem(line.sku, quantity)],
        reason="damaged",
        actor=Actor(kind="customer"),
    )
    request = order_services.return_approve(return_request=request, actor=actor)
    request = order_services.return_receive(return_request=request, actor=actor)
    return order_services.return_refund(return_request=request, actor=actor)


def adjustment(shop, amount, reason="Điều chỉnh phí vận chuyển", **kwargs) -> StatementLine:
    return services.adjustment_create(shop=shop, amount=Decimal(amount), reason=reason, **kwargs)


def sale_line(order: Order) -> StatementLine:
    return StatementLine.objects.get(order=order, kind="sale")


def reload(statement: Statement) -> Statement:
    return Statement.objects.get(pk=statement.pk)


def fee_rule_admin_form(shop, *, effective_from: str) -> dict:
    """The fee rule admin's add form, filled as the factory's rule, with a 2,5 % COD payment rate."""
    return {
        "shop": shop.pk,
        "effective_from": effective_from,
        "commission_rate": "4",
        "service_fee_rate": "1",
        "payment_fee_rate": "2",
        "fixed_fee": "1000",
        "vat_withholding_rate": "1",
        "pit_withholding_rate": "0.5",
        "note": "",
        "payment_rates-TOTAL_FORMS": "1",
        "payment_rates-INITIAL_FORMS": "0",
        "payment_rates-0-payment_method": "cod",
        "payment_rates-0-rate": "2.5",
    }
