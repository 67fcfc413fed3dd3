"""Finance demo data, after the orders demo: each shop's fee rules (an older and a newer one, so older
orders keep their rates), the statement lines of its demo orders, weekly statements of the past weeks
in every state (paid, closed awaiting its payout, and this week's open one) with a few adjustments,
and the bank's payout file for the closed statement, ready to import (its path is printed).

Idempotent: rules and lines that exist are kept, and a second run pays nothing twice.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from finance import services
from finance.models import FeeRule, Statement, StatementLine, StatementStatus
from finance.resources import PAYOUT_COLUMNS
from sellercenter.spreadsheet import csv_lines

PAYOUT_FOLDER = Path("finance") / "payouts"
# (days before today it starts, rates, note)
FEE_RULES = [
    (
        180,
        {
            "commission_rate": Decimal("4"),
            "service_fee_rate": Decimal("1"),
            "payment_fee_rate": Decimal("2"),
            "fixed_fee": Decimal("1000"),
        },
        {"cod": Decimal("1.5"), "bank_transfer": Decimal("0.5")},
        "Biểu phí năm đầu",
    ),
    (
        45,
        {
            "commission_rate": Decimal("5"),
            "service_fee_rate": Decimal("2"),
            "payment_fee_rate": Decimal("2.5"),
            "fixed_fee": Decimal("1500"),
            "vat_withholding_rate": Decimal("1"),
            "pit_withholding_rate": Decimal("0.5"),
        },
        {"cod": Decimal("2"), "bank_transfer": Decimal("0.5"), "momo": Decimal("2.2")},
        "Biểu phí mới, khấu trừ thuế hộ kinh doanh",
    ),
]
BANKS = ["VCB", "TCB", "ACB", "MBB"]


def _fee_rules(shop) -> None:
    if FeeRule.objects.filter(shop=shop).exists():
        return
    today = timezone.localdate(timezone=shop.tzinfo)
    for days_before, rates, payment_rates, note in FEE_RULES:
        services.fee_rule_create(
            shop=shop,
            effective_from=today - timedelta(days=days_before),
            payment_rates=payment_rates,
            note=note,
            **rates,
        )


def _adjustments(shop, closed: list[Statement]) -> None:
    if StatementLine.objects.filter(shop=shop, kind="adjustment").exists():
        return
    services.adjustment_create(shop=shop, amount=Decimal("35000"), reason="Hoàn phí vận chuyển cho đơn giao trễ")
    if closed:
        services.adjustment_create(
            shop=shop,
            amount=Decimal("-12000"),
            reason=f"Phí dịch vụ tính thiếu trong sao kê {closed[-1].reference}",
            corrects=closed[-1],
        )


def _pay(shop, statements: list[Statement]) -> None:
    for index, statement in enumerate(statements):
        services.payout_record(
            statement=statement,
            amount=statement.payout_amount,
            paid_on=statement.period_to + timedelta(days=3),
            bank_reference=f"{BANKS[index % len(BANKS)]}{statement.period_from:%Y%m%d}{shop.pk:03d}",
        )


def _payout_file(shop, statement: Statement) -> Path:
    """The bank's file for the statement still awaiting its payout, as the bank would send it."""
    target = Path(settings.MEDIA_ROOT) / PAYOUT_FOLDER / f"{shop.slug}-{statement.period_from:%Y%m%d}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    paid_on = min(statement.period_to + timedelta(days=3), timezone.localdate(timezone=shop.tzinfo))
    row = [statement.reference, statement.payout_amount, paid_on.isoformat(), f"VCB{paid_on:%Y%m%d}{shop.pk:03d}"]
    target.write_text("".join(csv_lines(PAYOUT_COLUMNS, [row])), encoding="utf-8")
    return target


def seed_fee_rules(*, shops, stdout) -> None:
    """The fee rules, before the orders demo delivers orders: each sale line takes the rule of its day."""
    for shop in shops:
        _fee_rules(shop)
    stdout.write("Finance: fee rules in place.")


def _shop(shop, stdout) -> None:
    with transaction.atomic():
        _fee_rules(shop)
        written = services.lines_backfill(shop=shop)
        services.statements_close_due()
        closed = list(Statement.objects.filter(shop=shop, status=StatementStatus.CLOSED).order_by("period_start"))
        # Every closed statement is paid but the newest, which waits for the payout file below.
        _pay(shop, closed[:-1])
        _adjustments(shop, closed)
    statuses = Statement.objects.filter(shop=shop).values_list("status").annotate(n=Count("pk")).order_by("status")
    summary = ", ".join(f"{n} {status}" for status, n in statuses)
    stdout.write(f"  {shop.name}: {written} statement lines written; statements: {summary}")
    if closed:
        stdout.write(f"    payout file to import (Payouts → Import): {_payout_file(shop, closed[-1])}")


def seed(*, shops, stdout) -> None:
    stdout.write("Finance:")
    for shop in shops:
        _shop(shop, stdout)
