"""The order export, from the admin's order list (as filtered) and the API: XLSX and CSV, Vietnamese
or English headers, text that never runs as a formula, amounts in whole dong."""

import csv
import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from orders.models import Order
from sellercenter.models import ApiScope, Role
from sellercenter.services import membership_set
from tests.conftest import make_api_client
from tests.orders.factories import ADDRESS, ProductFactory, place
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
EXPORT_URL = "/admin/orders/order/export/"


@pytest.fixture
def orders(shop, other_shop):
    dress = ProductFactory(shop=shop, sku="AO-DAI", price=400000, stock_on_hand=10)
    cod = place(shop, lines=[("AO-DAI", 1)], shipping_fee=25000)
    prepaid = place(
        shop,
        lines=[("AO-DAI", 2)],
        payment_method="vnpay",
        customer_id="KH-002",
        shipping_address={**ADDRESS, "recipient_name": '=HYPERLINK("http://x")'},
    )
    place(other_shop, customer_id="KH-KHAC")
    return {"cod": cod, "prepaid": prepaid, "dress": dress}


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_csv_export_follows_the_lists_filters_with_vietnamese_headers(owner_client, orders):
    response = owner_client.get(EXPORT_URL, {"format": "csv", "lang": "vi", "filters": "payment_method__exact=cod"})

    assert response.status_code == 200
    header, *rows = _csv_rows(response)
    assert header[:3] == ["Mã đơn hàng", "Ngày đặt hàng", "Kênh"]
    assert [row[0] for row in rows] == [orders["cod"].number]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Tổng cộng"] == "425000"
    # The day in the shop's time zone (Hà Nội, UTC+7): not the UTC day, which differs after 17:00 UTC.
    assert date.fromisoformat(row["Ngày đặt hàng"]) == timezone.localtime(orders["cod"].placed_at).date()


def test_the_xlsx_export_has_english_headers_real_numbers_and_no_formula(owner_client, orders):
    response = owner_client.get(EXPORT_URL, {"format": "xlsx", "lang": "en", "filters": ""})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[0] == "Order number" and "Total" in header
    assert len(rows) == 2  # the other shop's order is not in the list
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    prepaid = by_number[orders["prepaid"].number]
    assert prepaid["Total"] == 800000 and isinstance(prepaid["Total"], int | float)
    assert prepaid["Recipient"].startswith("'=")
    assert prepaid["Payment method"] == "VNPay"


def test_the_export_refuses_an_unknown_format(owner_client, orders):
    response = owner_client.get(EXPORT_URL, {"format": "pdf"})

    assert response.status_code == 302


ADDRESS_HEADERS = {"Recipient", "Phone", "Province / city"}


@pytest.mark.parametrize(("role", "with_addresses"), [(Role.MARKETING, True), (Role.ACCOUNTANT, False)])
def test_a_role_exports_the_list_with_the_addresses_only_if_it_may_see_customers_addresses(
    client, shop, orders, role, with_addresses
):
    client.force_login(staff_user(shop, role))

    response = client.get(EXPORT_URL, {"format": "csv", "lang": "en"})

    assert response.status_code == 200
    header, *rows = _csv_rows(response)
    assert len(rows) == 2 and "Customer" in header and "Total" in header
    assert (set(header) >= ADDRESS_HEADERS) is with_addresses
    assert with_addresses or not ADDRESS_HEADERS & set(header)
    assert all(len(row) == len(header) for row in rows)


def test_a_member_of_two_shops_gets_the_addresses_only_where_the_role_allows(client, shop, other_shop, orders):
    user = staff_user(shop, Role.ACCOUNTANT)
    membership_set(user=user, shop=other_shop, role=Role.OWNER)
    client.force_login(user)

    both = client.get(EXPORT_URL, {"format": "csv", "lang": "en"})
    owned = client.get(EXPORT_URL, {"format": "csv", "lang": "en", "filters": f"shop__id__exact={other_shop.pk}"})

    both_header, *both_rows = _csv_rows(both)
    owned_header, *owned_rows = _csv_rows(owned)
    assert len(both_rows) == 3 and not ADDRESS_HEADERS & set(both_header)
    assert len(owned_rows) == 1 and set(owned_header) >= ADDRESS_HEADERS


@pytest.mark.parametrize(("role", "with_addresses"), [(Role.MARKETING, True), (Role.ACCOUNTANT, False)])
def test_a_staff_session_on_the_api_follows_the_same_rule(shop, orders, role, with_addresses):
    api = APIClient()
    api.force_login(staff_user(shop, role))

    response = api.get("/api/v1/orders/export", {"format": "xlsx", "lang": "en"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2 and (set(header) >= ADDRESS_HEADERS) is with_addresses
    assert with_addresses or not ADDRESS_HEADERS & set(header)


def test_the_api_export_streams_the_shops_filtered_orders(shop, orders):
    api = make_api_client(shop, scopes=[ApiScope.BACK_OFFICE])

    response = api.get("/api/v1/orders/export", {"format": "csv", "lang": "en", "payment_method": "vnpay"})

    assert response.status_code == 200
    header, *rows = _csv_rows(response)
    assert [row[0] for row in rows] == [orders["prepaid"].number]
    assert rows[0][header.index("Recipient")].startswith("'=")  # a back-office key gets the addresses
    assert set(header) >= ADDRESS_HEADERS


def test_the_api_export_names_a_bad_filter_and_refuses_storefront_keys(shop, orders):
    back_office = make_api_client(shop, scopes=[ApiScope.BACK_OFFICE])
    storefront = make_api_client(shop, scopes=[ApiScope.STOREFRONT])

    bad = back_office.get("/api/v1/orders/export", {"format": "csv", "status": "flying"})
    refused = storefront.get("/api/v1/orders/export", {"format": "csv"})

    assert bad.status_code == 400 and "status" in str(bad.json())
    assert refused.status_code == 403
    assert Order.objects.count() == 3
