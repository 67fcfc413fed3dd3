"""Each role's daily work, done in a real browser as a person would: what they click, what they read."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from finance import services as finance_services
from orders import services as order_services
from orders.models import Order, OrderStatus, PaymentMethod, ReturnReason, ReturnRequest, ReturnStatus
from orders.pipeline import Actor
from promotions.models import Campaign
from sellercenter.models import Role
from tests.finance.factories import adjustment
from tests.finance.test_services_statements import AFTER_WEEK_1, WEEK_1
from tests.orders.factories import ProductFactory, place, reach
from tests.promotions.factories import CampaignFactory, RedemptionFactory
from tests.sellercenter.factories import staff_user

# One worker drives the one browser: the tests of tests/browser share its session (conftest.chrome).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def _todo(person, key: str) -> int:
    return int(person.find(f'[data-todo="{key}"] .sc-todo-count').text.replace(".", ""))


def _step(person, action: str, expected_status: str, what: str):
    """Press the next step's button at the top of the order, and see the new status on the page."""
    person.click(f'button[data-action="{action}"]')
    person.wait_for_text(expected_status)
    person.shot(what)


def test_operations_takes_an_order_from_payment_to_the_carrier(person, shop):
    staff_user(shop, Role.OPERATIONS, username="van.hanh")
    product = ProductFactory(shop=shop, price=Decimal("299000"), stock_on_hand=20)
    order = place(shop, lines=[(product.sku, 2)], payment_method=PaymentMethod.BANK_TRANSFER)
    ops = person("operations").login("van.hanh")

    ops.shot("home")
    assert _todo(ops, "awaiting_payment") == 1 and _todo(ops, "to_hand_over") == 0
    ops.go(f"/admin/orders/order/{order.pk}/change/").shot("order")
    assert "598.000 ₫" in ops.text()
    _step(ops, "confirm", "Đã xác nhận", "confirmed")
    _step(ops, "allocate", "Đã giữ hàng", "allocated")

    ops.go("/admin/orders/order/?status__exact=allocated").assert_fits().shot("allocated-list")
    ops.run_action("pick", order.pk).shot("pick-list")
    assert product.sku in ops.text() and order.number in ops.text()

    ops.go(f"/admin/orders/order/{order.pk}/change/")
    _step(ops, "send_to_quality_check", "Kiểm tra chất lượng", "quality-check")
    _step(ops, "pack", "Đã đóng gói", "packed")
    ops.find('[form="action-mark_ready_to_ship"][name$="carrier"]').send_keys("GHN")
    ops.find('[form="action-mark_ready_to_ship"][name$="tracking_number"]').send_keys("GHN12345678")
    _step(ops, "mark_ready_to_ship", "Chờ bàn giao", "ready-to-ship")
    ops.go("/admin/").shot("home-ready")
    assert _todo(ops, "to_hand_over") == 1
    ops.go(f"/admin/orders/order/{order.pk}/change/")
    _step(ops, "ship", "Đang giao", "handed-over")

    ops.go("/admin/").shot("home-after")
    assert _todo(ops, "awaiting_payment") == 0 and _todo(ops, "to_hand_over") == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
    ops.go("/admin/orders/order/").assert_fits().shot("orders")


def test_operations_approves_a_return(person, shop):
    staff_user(shop, Role.OPERATIONS, username="van.hanh")
    product = ProductFactory(shop=shop, price=Decimal("450000"), stock_on_hand=5)
    order = reach(shop, OrderStatus.DELIVERED, lines=[(product.sku, 1)])
    request = order_services.return_request_open(
        order=order,
        items=[order_services.ReturnItem(product.sku, 1)],
        reason=ReturnReason.DAMAGED,
        actor=Actor("customer"),
    )
    ops = person("returns").login("van.hanh")
    assert _todo(ops, "returns_to_approve") == 1
    ops.shot("home")

    ops.go("/admin/orders/returnrequest/").assert_fits().shot("returns")
    ops.go(f"/admin/orders/returnrequest/{request.pk}/change/").shot("return")
    ops.click('button[data-action="approve"]').shot("approved")

    assert ReturnRequest.objects.get(pk=request.pk).status == ReturnStatus.APPROVED
    ops.go("/admin/")
    assert _todo(ops, "returns_to_approve") == 0


def test_marketing_publishes_a_campaign_and_reads_its_results(person, shop):
    staff_user(shop, Role.MARKETING, username="tiep.thi")
    draft = CampaignFactory(
        shop=shop,
        name="Tết sale",
        budget=Decimal("2000000"),
        published_at=None,
        starts_at=timezone.now() - timedelta(hours=1),
    )
    marketing = person("marketing").login("tiep.thi")
    marketing.shot("home")
    assert "Doanh thu từ chiến dịch" in marketing.text()

    marketing.go("/admin/promotions/campaign/").assert_fits().shot("campaigns")
    marketing.run_action("publish", draft.pk).shot("published")
    assert Campaign.objects.get(pk=draft.pk).published_at is not None
    RedemptionFactory(campaign=draft, amount=Decimal("50000"), order_total=Decimal("500000"))

    marketing.go(f"/admin/promotions/campaign/{draft.pk}/change/").shot("results")
    assert "50.000 ₫" in marketing.text() and "500.000 ₫" in marketing.text()
    marketing.go("/admin/customers/customer/").assert_fits().shot("customers")


def test_accountant_downloads_a_statement_csv_and_imports_the_payout_file(person, shop, tmp_path):
    staff_user(shop, Role.ACCOUNTANT, username="ke.toan")
    statement = adjustment(shop, "420000", at=WEEK_1).statement
    statement = finance_services.statement_close(statement=statement, now=AFTER_WEEK_1)
    accountant = person("accountant").login("ke.toan")
    accountant.shot("home")
    assert _todo(accountant, "statements_to_pay") == 1

    accountant.go("/admin/finance/statement/").assert_fits().shot("statements")
    accountant.go("/admin/finance/statement/export/").shot("export")
    accountant.choose('select[name="format"]', "csv").submit()
    csv = _downloaded(accountant.driver.downloads, ".csv")
    assert statement.reference in csv.read_text(encoding="utf-8-sig")

    payout = tmp_path / "payouts.csv"
    payout.write_text(
        "statement_reference,amount,paid_on,bank_reference\r\n"
        f"{statement.reference},{int(statement.closing_balance)},2026-06-20,VCB-0001\r\n",
        encoding="utf-8",
    )
    accountant.go("/admin/finance/payout/import/")
    accountant.find('input[name="import_file"]').send_keys(str(payout))
    accountant.choose('select[name="format"]', "csv")
    accountant.submit().wait_for_text("Xác nhận nhập").shot("import-preview")
    accountant.submit().shot("imported")
    statement.refresh_from_db()
    assert statement.status == "paid"
    accountant.go("/admin/")
    assert _todo(accountant, "statements_to_pay") == 0


def _downloaded(folder, suffix: str, timeout: float = 10):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [f for f in folder.iterdir() if f.suffix == suffix]
        if files:
            return max(files, key=lambda f: f.stat().st_mtime)
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded to {folder}")
