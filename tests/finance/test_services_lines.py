"""Statement lines from orders' signals: one sale line per delivered order whatever happens, refunds,
release at completion, and adjustments."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from finance import services
from finance.models import LineKind, PayoutState, Statement, StatementLine
from finance.selectors import reconcile_problems
from orders import services as order_services
from orders.models import Order, OrderStatus
from orders.signals import order_status_changed
from sellercenter.errors import InvalidInput, NotAllowed
from tests.concurrency import run_concurrently
from tests.finance.factories import FeeRuleFactory, adjustment, complete, delivered, refund, reload, sale_line
from tests.orders.factories import reach, staff_actor
from tests.sellercenter.factories import ShopFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_delivered_order_gets_one_pending_sale_line_with_its_amounts_and_fees(shop):
    FeeRuleFactory(shop=shop)
    order = delivered(shop)

    line = sale_line(order)

    assert line.payout_state == PayoutState.PENDING and line.statement is None
    assert (line.order_number, line.currency, line.payment_method) == (order.number, "VND", "vnpay")
    assert line.gross == order.subtotal == D("150000")
    # 4 % + 1 % + VAT 1 % + PIT 0,5 % of 150.000; 2 % of what the buyer paid; 1.000 per order
    assert (line.commission, line.service_fee, line.vat_withheld, line.pit_withheld) == (
        D("-6000"),
        D("-1500"),
        D("-1500"),
        D("-750"),
    )
    assert (line.payment_fee, line.fixed_fee) == (D("-3000"), D("-1000"))
    assert line.net == D("136250")
    assert line.booked_on == line.delivered_on == timezone.localdate(timezone=shop.tzinfo)


def test_a_repeated_delivered_signal_writes_no_second_line(shop):
    order = delivered(shop)

    for _ in range(2):
        order_status_changed.send(sender=Order, order=order, previous="shipped", status="delivered", event=None)

    assert StatementLine.objects.filter(order=order).count() == 1


def test_the_sale_line_rolls_back_with_the_delivery(shop):
    order = reach(shop, OrderStatus.SHIPPED)

    with pytest.raises(RuntimeError), transaction.atomic():
        order_services.order_deliver(order=order, actor=staff_actor())
        raise RuntimeError("the carrier's callback failed after the delivery")

    assert not StatementLine.objects.filter(order=order).exists()


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.RETURNED_TO_SENDER])
def test_orders_that_never_arrive_leave_no_line(shop, status):
    order = reach(shop, status)

    assert not StatementLine.objects.filter(order=order).exists()


def test_an_old_order_keeps_the_rates_of_the_day_it_was_placed(shop):
    FeeRuleFactory(shop=shop, effective_from=date(2020, 1, 1), commission_rate=D("4"))
    FeeRuleFactory(shop=shop, effective_from=timezone.localdate() + timedelta(days=1), commission_rate=D("10"))
    order = delivered(shop)

    assert sale_line(order).commission == D("-6000")


def test_the_rule_in_force_follows_the_placed_day_in_the_shops_time_zone(shop):
    old = FeeRuleFactory(shop=shop, effective_from=date(2020, 1, 1), commission_rate=D("4"))
    new = FeeRuleFactory(shop=shop, effective_from=date(2025, 3, 1), commission_rate=D("10"))
    order = reach(shop, OrderStatus.SHIPPED)
    # 28 February 17:30 UTC is already 1 March 00:30 in Hồ Chí Minh City.
    Order.objects.filter(pk=order.pk).update(placed_at=datetime(2025, 2, 28, 17, 30, tzinfo=UTC))
    order = order_services.order_deliver(order=Order.objects.get(pk=order.pk), actor=staff_actor())

    line = sale_line(order)
    assert line.fee_rule == new and line.placed_on == date(2025, 3, 1)
    assert line.commission == D("-15000")
    assert old.lines.count() == 0


def test_a_used_fee_rule_cannot_be_changed(shop):
    rule = FeeRuleFactory(shop=shop)
    delivered(shop)

    with pytest.raises(NotAllowed):
        services.fee_rule_check_editable(rule=rule)


def test_fee_rules_refuse_rates_out_of_range_and_unknown_methods(shop):
    with pytest.raises(InvalidInput) as error:
        services.fee_rule_create(
            shop=shop, effective_from=date(2025, 1, 1), commission_rate=D("101"), fixed_fee=D("-1")
        )
    assert set(error.value.fields) == {"commission_rate", "fixed_fee"}

    with pytest.raises(InvalidInput) as error:
        services.fee_rule_create(shop=shop, effective_from=date(2025, 1, 1), payment_rates={"bitcoin": D("1")})
    assert set(error.value.fields) == {"payment_rates"}


def test_a_payment_method_rate_overrides_the_general_payment_fee(shop):
    services.fee_rule_create(
        shop=shop, effective_from=date(2020, 1, 1), payment_fee_rate=D("2"), payment_rates={"vnpay": D("1.1")}
    )

    assert sale_line(delivered(shop)).payment_fee == D("-1650")


def test_completion_makes_the_lines_payable_in_the_open_statement(shop):
    FeeRuleFactory(shop=shop)
    order = complete(delivered(shop))

    line = sale_line(order)
    statement = line.statement
    assert line.payout_state == PayoutState.TO_BE_PAID
    assert statement.is_open and statement.period_start <= order.completed_at < statement.period_end
    assert (statement.line_count, statement.total_net, statement.total_commission) == (1, line.net, line.commission)


def test_a_repeated_completed_signal_moves_nothing(shop):
    order = complete(delivered(shop))

    assert services.order_lines_release(order=order) == 0
    assert reload(sale_line(order).statement).line_count == 1


def test_a_refund_waits_with_the_sale_and_gives_back_fees_on_the_refunded_amount(shop):
    FeeRuleFactory(shop=shop)
    order = delivered(shop)

    request = refund(order)

    line = StatementLine.objects.get(kind=LineKind.REFUND, return_request=request)
    assert line.payout_state == PayoutState.PENDING
    assert (line.refund, line.commission, line.payment_fee) == (D("-150000"), D("6000"), D("0"))
    assert line.net == D("-150000") + D("6000") + D("1500") + D("1500") + D("750")

    order.refresh_from_db()
    complete(order)
    assert set(StatementLine.objects.filter(order=order).values_list("payout_state", flat=True)) == {"to_be_paid"}


def test_a_repeated_refund_signal_writes_no_second_line(shop):
    request = refund(delivered(shop))

    services.refund_line_record(return_request=request, amount=request.refund_amount)

    assert StatementLine.objects.filter(kind=LineKind.REFUND).count() == 1


def test_an_adjustment_is_payable_at_once(shop, owner):
    line = adjustment(shop, "-25000", user=owner)

    assert (line.kind, line.payout_state, line.net, line.created_by) == ("adjustment", "to_be_paid", D("-25000"), owner)
    assert line.statement.total_adjustment == D("-25000")


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        ("0", "Sai phí", "amount"),
        ("1500.5", "Sai phí", "amount"),
        ("NaN", "Sai phí", "amount"),
        ("1000", " ", "reason"),
    ],
)
def test_adjustments_refuse_bad_input_and_change_nothing(shop, amount, reason, field):
    with pytest.raises(InvalidInput) as error:
        adjustment(shop, amount, reason=reason)

    assert field in error.value.fields
    assert not StatementLine.objects.exists()


def test_an_adjustment_refuses_another_shops_order(shop):
    order = delivered(ShopFactory())

    with pytest.raises(InvalidInput) as error:
        adjustment(shop, "1000", order=order)

    assert "order" in error.value.fields


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_signals_write_one_sale_line(shop):
    order = delivered(shop)
    StatementLine.objects.all().delete()

    results = run_concurrently(lambda _i: services.sale_line_record(order=Order.objects.get(pk=order.pk)), 4)

    assert not [r for r in results if isinstance(r, Exception)]
    assert StatementLine.objects.filter(order=order).count() == 1


def test_the_backfill_writes_what_the_signals_would_have(shop):
    FeeRuleFactory(shop=shop)
    pending = delivered(shop)
    completed = complete(delivered(shop))
    refunded_request = refund(delivered(shop))
    StatementLine.objects.all().delete()
    Statement.objects.all().delete()

    assert services.lines_backfill(shop=shop) == 3 + 1 + 1  # three sale lines, a refund, one released
    assert services.lines_backfill(shop=shop) == 0

    assert sale_line(pending).payout_state == PayoutState.PENDING
    released = sale_line(completed)
    assert released.payout_state == PayoutState.TO_BE_PAID
    assert released.released_on == timezone.localdate(completed.completed_at, timezone=shop.tzinfo)
    assert StatementLine.objects.get(return_request=refunded_request).payout_state == PayoutState.PENDING
    assert reconcile_problems(shop=shop) == []
