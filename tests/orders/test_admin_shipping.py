"""The shipping pages of the admin: credentials entered once and never shown again, booking from the
order page, labels and the hand-over list from the order list, the COD statement import."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders import services
from orders.models import CarrierAccount, OrderStatus, RemittanceCheck, Shipment, Ward
from orders.shipping.credentials import credentials_open
from sellercenter.models import Role
from tests.orders.factories import ProductFactory, advance, place, staff_actor
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db


def _account_form(shop, **fields):
    return {
        "shop": shop.pk,
        "carrier": "ghtk",
        "name": "GHTK Hoa Mai",
        "base_url": "https://services.giaohangtietkiem.vn",
        "carrier_shop_id": "S22801838",
        "service": "road",
        "pickup_name": "Kho Hoa Mai",
        "pickup_phone": "02838221234",
        "pickup_street": "45 Lê Thánh Tôn",
        "pickup_ward": Ward.objects.get(name="Phường Bến Thành").pk,
        "is_active": "on",
        **fields,
    }


def test_credentials_are_saved_encrypted_and_never_shown_again(owner_client, shop, units):
    add = reverse("admin:orders_carrieraccount_add")
    response = owner_client.post(add, _account_form(shop, token="tok-bi-mat-123", webhook_secret="hash-456"))
    assert response.status_code == 302, response.content.decode()[:2000]
    account = CarrierAccount.objects.get()
    assert credentials_open(account.credentials) == {"token": "tok-bi-mat-123", "webhook_secret": "hash-456"}

    change = reverse("admin:orders_carrieraccount_change", args=[account.pk])
    page = owner_client.get(change).content.decode()
    assert "tok-bi-mat-123" not in page and "hash-456" not in page and account.credentials not in page
    assert f"/api/v1/carriers/webhooks/{account.webhook_key}" in page

    owner_client.post(change, _account_form(shop, name="GHTK kho 2", token="", webhook_secret=""))
    account.refresh_from_db()
    assert account.name == "GHTK kho 2"
    assert credentials_open(account.credentials)["token"] == "tok-bi-mat-123"  # blank kept it


def test_an_accountant_cannot_open_the_credentials(client, shop, units):
    client.force_login(staff_user(shop, Role.ACCOUNTANT))

    assert client.get(reverse("admin:orders_carrieraccount_add")).status_code == 403


def test_staff_book_from_the_order_page_and_print_labels_and_the_hand_over_list(
    owner_client, shop, ghn_account, django_capture_on_commit_callbacks
):
    product = ProductFactory(shop=shop, weight_grams=400)
    order = advance(place(shop, lines=[(product.sku, 1)]), OrderStatus.PACKED)
    page = owner_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "action-create_shipment" in page

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("admin:orders_order_do", args=[order.pk, "create_shipment"]),
            {"create_shipment-account": ghn_account.pk, "create_shipment-tracking_number": ""},
        )
    shipment = Shipment.objects.get(order=order)
    changelist = reverse("admin:orders_order_changelist")
    labels = owner_client.post(changelist, {"action": "print_labels", "_selected_action": [order.pk]})
    handover = owner_client.post(changelist, {"action": "print_handover_list", "_selected_action": [order.pk]})

    assert shipment.tracking_number in labels.content.decode() and order.number in labels.content.decode()
    labels_vi = owner_client.post(
        changelist, {"action": "print_labels", "_selected_action": [order.pk]}, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    assert "Người gửi" in labels_vi and "Người nhận" in labels_vi  # the parties, not a date range's Từ / Đến
    text = handover.content.decode()
    assert shipment.tracking_number in text and "1 parcel" in text and "Received by" in text


def test_the_accountant_imports_a_cod_statement_and_sees_the_differences(
    client, shop, ghn_account, django_capture_on_commit_callbacks
):
    product = ProductFactory(shop=shop)
    order = advance(place(shop, lines=[(product.sku, 1)]), OrderStatus.PACKED)
    with django_capture_on_commit_callbacks(execute=True):
        services.shipment_create(order=order, actor=staff_actor())
    shipment = Shipment.objects.get(order=order)
    client.force_login(staff_user(shop, Role.ACCOUNTANT))
    upload = reverse("admin:orders_codremittance_import")
    content = f"Mã đơn GHN,Tiền thu hộ,Tổng phí\n{shipment.tracking_number},100000,{shipment.fee_quoted}\n"
    response = client.post(
        upload,
        {
            "account": ghn_account.pk,
            "reference": "GHN-DS-1",
            "transferred_on": "2026-12-02",
            "file": SimpleUploadedFile("doi-soat.csv", content.encode()),
        },
    )

    assert response.status_code == 302
    remittance = ghn_account.remittances.get()
    line = remittance.lines.get()
    assert (line.outcome, line.cod_difference) == (RemittanceCheck.SHORT, Decimal("100000") - order.total)
    assert shipment.tracking_number in client.get(response["Location"]).content.decode()
