"""COD remittance statements: a carrier's file matched to shipments, the differences listed for the
accountant, and finance lines for what the remittance changes."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from finance.models import LineKind, StatementLine
from orders import services
from orders.models import CodRemittanceLine, RemittanceCheck, Shipment, ShipmentStatus
from sellercenter.errors import Conflict, InvalidInput
from tests.orders.factories import ProductFactory, advance, place, staff_actor

pytestmark = pytest.mark.django_db
HEADER = "Mã đơn GHN,Tiền thu hộ,Tổng phí\n"


def _delivered(shop, customer_id, django_capture_on_commit_callbacks) -> Shipment:
    """A COD order of 330 000 ₫ (30 000 ₫ shipping charged) booked with GHN and delivered."""
    product = ProductFactory(shop=shop, weight_grams=400)
    order = advance(
        place(shop, lines=[(product.sku, 2)], shipping_fee=Decimal("30000"), customer_id=customer_id), "packed"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.shipment_create(order=order, actor=staff_actor())
    shipment = Shipment.objects.get(order=order)
    order = advance(type(order).objects.get(pk=order.pk), "delivered")
    Shipment.objects.filter(pk=shipment.pk).update(
        status=ShipmentStatus.DELIVERED, delivered_at=timezone.now() - timedelta(days=2)
    )
    return Shipment.objects.select_related("order").get(pk=shipment.pk)


def _import(account, text, reference="GHN-DS-0012", name="doi-soat.csv"):
    return services.cod_remittance_import(
        account=account,
        reference=reference,
        transferred_on=date.today(),
        file=services.RemittanceFile(content=text.encode("utf-8") if isinstance(text, str) else text, file_name=name),
    )


def test_one_short_payment_lists_exactly_that_difference(shop, ghn_account, django_capture_on_commit_callbacks):
    first = _delivered(shop, "KH-1", django_capture_on_commit_callbacks)
    second = _delivered(shop, "KH-2", django_capture_on_commit_callbacks)
    text = HEADER + f"{first.tracking_number},330000,28500\n{second.tracking_number},300000,28500\n"

    remittance = _import(ghn_account, text)

    problems = remittance.lines.exclude(outcome=RemittanceCheck.MATCHED)
    assert [(p.tracking_number, p.outcome, p.cod_difference) for p in problems] == [
        (second.tracking_number, RemittanceCheck.SHORT, Decimal("-30000"))
    ]
    assert remittance.lines.get(tracking_number=first.tracking_number).outcome == RemittanceCheck.MATCHED
    assert (remittance.cod_total, remittance.fee_total, remittance.transfer_amount) == (
        Decimal("630000"),
        Decimal("57000"),
        Decimal("573000"),
    )


def test_matched_fees_and_the_short_cash_become_statement_lines(shop, ghn_account, django_capture_on_commit_callbacks):
    first = _delivered(shop, "KH-1", django_capture_on_commit_callbacks)
    second = _delivered(shop, "KH-2", django_capture_on_commit_callbacks)

    _import(ghn_account, HEADER + f"{first.tracking_number},330000,28500\n{second.tracking_number},300000,28500\n")

    lines = StatementLine.objects.filter(kind=LineKind.ADJUSTMENT).order_by("pk")
    # The sale lines assumed the carrier bills the 30 000 ₫ the buyer paid; it billed 28 500 ₫.
    assert [(line.order_id, line.shipping_cost, line.adjustment, line.net) for line in lines] == [
        (first.order_id, Decimal("1500"), Decimal("0"), Decimal("1500")),
        (second.order_id, Decimal("1500"), Decimal("-30000"), Decimal("-28500")),
    ]
    assert all(line.statement_id and line.statement.total_net == Decimal("-27000") for line in lines)


def test_fee_not_as_quoted_unknown_and_missing_parcels_are_listed(
    shop, ghn_account, django_capture_on_commit_callbacks
):
    quoted = _delivered(shop, "KH-1", django_capture_on_commit_callbacks)
    forgotten = _delivered(shop, "KH-2", django_capture_on_commit_callbacks)

    remittance = _import(ghn_account, HEADER + f"{quoted.tracking_number},330000,31000\nGHN999999VN,50000,20000\n")

    outcomes = dict(remittance.lines.values_list("tracking_number", "outcome"))
    assert outcomes == {
        quoted.tracking_number: RemittanceCheck.FEE_DIFFERS,
        "GHN999999VN": RemittanceCheck.UNKNOWN,
        forgotten.tracking_number: RemittanceCheck.MISSING,
    }
    assert Shipment.objects.get(pk=quoted.pk).fee_charged == Decimal("31000")


def test_an_xlsx_statement_is_read_too(shop, ghn_account, django_capture_on_commit_callbacks):
    shipment = _delivered(shop, "KH-1", django_capture_on_commit_callbacks)
    book = Workbook()
    book.active.append(["Mã đơn GHN", "Tiền thu hộ", "Tổng phí"])
    book.active.append([shipment.tracking_number, 330000, 28500])
    content = io.BytesIO()
    book.save(content)

    remittance = _import(ghn_account, content.getvalue(), name="doi-soat.xlsx")

    assert remittance.lines.get().outcome == RemittanceCheck.MATCHED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("Mã đơn GHN,Tiền thu hộ\nGHN1,1000\n", "Tổng phí"),
        (HEADER + "GHN1,mười nghìn,0\n", "Row 2"),
        (HEADER + "GHN1,1000,0\nGHN1,1000,0\n", "Row 3"),
    ],
)
def test_a_bad_file_is_refused_naming_the_row_and_changes_nothing(shop, ghn_account, text, message):
    with pytest.raises(InvalidInput) as refused:
        _import(ghn_account, text)

    assert message in refused.value.fields["file"][0]
    assert not CodRemittanceLine.objects.exists()


def test_the_same_statement_cannot_be_imported_twice(shop, ghn_account, django_capture_on_commit_callbacks):
    shipment = _delivered(shop, "KH-1", django_capture_on_commit_callbacks)
    text = HEADER + f"{shipment.tracking_number},330000,28500\n"
    _import(ghn_account, text)

    with pytest.raises(Conflict):
        _import(ghn_account, text)
    assert StatementLine.objects.filter(kind=LineKind.ADJUSTMENT).count() == 1
