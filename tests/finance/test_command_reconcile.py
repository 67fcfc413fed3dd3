"""`finance_reconcile` passes on consistent data and fails (non-zero exit) on each kind of tamper."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from finance import services
from finance.models import Statement, StatementLine
from orders.models import Order
from tests.finance.factories import FeeRuleFactory, adjustment, complete, delivered, sale_line
from tests.finance.test_services_statements import AFTER_WEEK_1, WEEK_1

pytestmark = pytest.mark.django_db


def reconcile(*args) -> str:
    """The problem kinds reported, or "" when the command passes."""
    try:
        call_command("finance_reconcile", *args, stdout=None, stderr=None)
    except CommandError as failure:
        return str(failure)
    return ""


def kinds(capsys) -> set[str]:
    reported = capsys.readouterr().err
    return {line.split("]")[0].lstrip("[") for line in reported.splitlines() if line.startswith("[")}


@pytest.fixture
def books(shop):
    """A delivered order (pending), a completed one (in the open statement) and a closed statement."""
    FeeRuleFactory(shop=shop)
    closed = adjustment(shop, "50000", at=WEEK_1).statement
    closed = services.statement_close(statement=closed, now=AFTER_WEEK_1)
    return {"pending": delivered(shop), "completed": complete(delivered(shop)), "closed": closed}


def test_consistent_books_reconcile(books, capsys):
    assert reconcile() == ""
    assert "no problem" in capsys.readouterr().out


def test_a_delivered_order_without_its_sale_line_fails(books, capsys):
    sale_line(books["pending"]).delete()

    assert "problem" in reconcile()
    assert kinds(capsys) == {"missing_sale_line"}


def test_a_sale_line_of_an_order_that_was_not_delivered_fails(books, capsys):
    Order.objects.filter(pk=books["pending"].pk).update(status="cancelled")

    assert reconcile()
    assert kinds(capsys) == {"stray_sale_line"}


def test_a_sale_line_that_lost_some_of_its_orders_money_fails(books, capsys):
    StatementLine.objects.filter(order=books["pending"]).update(gross=F("gross") - 1, net=F("net") - 1)

    assert reconcile()
    assert kinds(capsys) == {"sale_line_amounts"}


def test_statement_totals_that_differ_from_its_lines_fail(books, capsys):
    Statement.objects.filter(pk=sale_line(books["completed"]).statement_id).update(
        total_commission=F("total_commission") + 1
    )

    assert reconcile()
    assert kinds(capsys) == {"statement_totals"}


def test_a_closing_balance_that_is_not_opening_plus_net_fails(books, capsys):
    Statement.objects.filter(pk=books["closed"].pk).update(closing_balance=F("closing_balance") + 1)

    assert reconcile()
    assert kinds(capsys) == {"closing_balance", "changed_after_closing"}


def test_a_closed_statement_changed_consistently_is_still_caught_by_its_digest(books, capsys):
    line = books["closed"].lines.get()
    StatementLine.objects.filter(pk=line.pk).update(adjustment=Decimal("60000"), net=Decimal("60000"))
    Statement.objects.filter(pk=books["closed"].pk).update(
        total_adjustment=Decimal("60000"),
        total_net=Decimal("60000"),
        closing_balance=Decimal("60000"),
        payout_amount=Decimal("60000"),
    )

    assert reconcile()
    assert kinds(capsys) == {"changed_after_closing"}


def test_a_line_moved_out_of_a_closed_statement_is_caught(books, capsys):
    open_statement = sale_line(books["completed"]).statement
    books["closed"].lines.update(statement=open_statement)

    assert reconcile()
    assert {"statement_totals", "changed_after_closing"} <= kinds(capsys)


def test_the_check_can_be_limited_to_one_shop(books, other_shop, capsys):
    adjustment(other_shop, "1000")
    Statement.objects.filter(shop=other_shop).update(total_net=5)

    assert reconcile("--shop", "hoa-mai") == ""
    assert reconcile("--shop", "sen-viet")
    with pytest.raises(CommandError):
        call_command("finance_reconcile", "--shop", "khong-co")
