import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import services
from orders.models import Order, OrderStatus, PaymentGateway, Product, ReturnStatus, StockMovement, StockMovementKind
from orders.pipeline import Actor
from sellercenter.models import Role
from tests.orders.factories import ProductFactory, advance, marketplace_order, place
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
S = OrderStatus
CHANGELIST = "/admin/orders/order/"


def _change(order):
    return reverse("admin:orders_order_change", args=[order.pk])


def _do(order, name):
    return reverse("admin:orders_order_do", args=[order.pk, name])


def _listed(client, url) -> tuple[int, int]:
    """(rows shown, queries run) for a changelist page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.context["cl"].result_list), len(queries)


def test_the_order_list_runs_the_same_queries_whatever_the_page_size(owner_client, shop):
    orders = [place(shop, customer_id=f"KH-{index}") for index in range(12)]
    Order.objects.filter(pk__in=[order.pk for order in orders[:10]]).update(status=S.ALLOCATED)
    owner_client.get(CHANGELIST)  # warm the session and permission caches

    few = _listed(owner_client, f"{CHANGELIST}?status__exact=confirmed")
    many = _listed(owner_client, f"{CHANGELIST}?status__exact=allocated")

    assert (few[0], many[0]) == (2, 10)
    assert few[1] == many[1]


def test_the_list_does_not_count_every_order_and_filters_deadlines(owner_client, shop):
    late = advance(place(shop), S.ALLOCATED)
    Order.objects.filter(pk=late.pk).update(ship_by_at=late.confirmed_at)

    response = owner_client.get(f"{CHANGELIST}?deadline=late")

    assert response.context["cl"].show_full_result_count is False
    assert [order.pk for order in response.context["cl"].result_list] == [late.pk]
    assert owner_client.get(f"{CHANGELIST}?deadline=at_risk").status_code == 200


def test_the_order_page_offers_only_what_the_status_allows_and_shows_the_timeline(owner_client, shop):
    order = place(shop)

    response = owner_client.get(_change(order))

    offered = [action["name"] for action in response.context["object_actions"]]
    assert offered == ["allocate", "cancel"]
    assert "Placed" in response.content.decode() or "placed" in response.content.decode()


def test_an_action_moves_the_order_and_a_refused_one_changes_nothing(owner_client, owner, shop):
    order = place(shop)

    owner_client.post(_do(order, "allocate"))
    refused = owner_client.post(_do(order, "ship"), follow=True)

    order.refresh_from_db()
    assert order.status == S.ALLOCATED
    assert order.events.latest("pk").user == owner
    assert any(message.level_tag == "error" for message in refused.context["messages"])


def test_an_imported_order_without_a_ward_moves_along_from_its_page(owner_client, shop):
    order = marketplace_order(shop, sku=ProductFactory(shop=shop).sku)
    assert order.ward == ""
    assert owner_client.get(_change(order)).status_code == 200

    for step in ("allocate", "start_picking", "send_to_quality_check", "pack"):
        response = owner_client.post(_do(order, step), follow=True)
        assert [m.level_tag for m in response.context["messages"]] == ["success"], step

    order.refresh_from_db()
    assert order.status == S.PACKED


def test_a_failed_quality_check_takes_its_input_from_the_form(owner_client, shop):
    order = advance(place(shop), S.QUALITY_CHECK)
    sku = order.lines.get().sku

    owner_client.post(
        _do(order, "fail_quality_check"),
        {"fail_quality_check-sku": sku, "fail_quality_check-quantity": "1", "fail_quality_check-reason": "Sứt chỉ"},
    )

    order.refresh_from_db()
    assert order.status == S.PICKING
    assert order.events.latest("pk").note == "Sứt chỉ"


def test_bulk_steps_are_offered_for_the_filtered_status_and_run_on_each_order(owner_client, shop):
    orders = [place(shop, customer_id=f"KH-{i}") for i in range(3)]
    advance(orders[2], S.ALLOCATED)

    listed = owner_client.get(f"{CHANGELIST}?status__exact=confirmed")
    owner_client.post(
        CHANGELIST, {"action": "bulk_allocate", "_selected_action": [order.pk for order in orders]}, follow=True
    )

    choices = [name for name, _label in listed.context["action_form"].fields["action"].choices]
    assert "bulk_allocate" in choices and "bulk_ship" not in choices
    assert set(Order.objects.values_list("status", flat=True)) == {S.ALLOCATED}


def test_a_bulk_step_counts_the_orders_moved_and_lists_the_refused_ones_by_number(owner_client, shop):
    ready, shipped_already = place(shop, customer_id="KH-1"), place(shop, customer_id="KH-2")
    advance(shipped_already, S.SHIPPED)

    response = owner_client.post(
        CHANGELIST, {"action": "bulk_allocate", "_selected_action": [ready.pk, shipped_already.pk]}, follow=True
    )

    said = {message.level_tag: str(message) for message in response.context["messages"]}
    assert said["info"].startswith("1 ")
    assert said["warning"].startswith(f"{shipped_already.number}: ")
    assert ready.number not in said["warning"]
    assert Order.objects.get(pk=ready.pk).status == S.ALLOCATED
    assert Order.objects.get(pk=shipped_already.pk).status == S.SHIPPED


def test_the_packing_slip_shows_the_number_as_a_barcode(owner_client, shop):
    order = place(shop)

    response = owner_client.get(reverse("admin:orders_order_packing_slip", args=[order.pk]))

    html = response.content.decode()
    assert "<svg" in html and order.number in html
    assert order.recipient_name in html


def test_another_shops_order_is_not_found(owner_client, other_shop):
    theirs = place(other_shop)

    assert owner_client.get(_change(theirs)).status_code == 404
    assert owner_client.post(_do(theirs, "allocate")).status_code == 404
    assert Order.objects.get(pk=theirs.pk).status == S.CONFIRMED


def test_an_accountant_reads_orders_but_cannot_move_them(client, shop):
    order = place(shop)
    client.force_login(staff_user(shop, Role.ACCOUNTANT))

    assert client.get(_change(order)).status_code == 200
    assert client.post(_do(order, "allocate")).status_code == 403
    assert Order.objects.get(pk=order.pk).status == S.CONFIRMED


def test_stock_is_received_from_the_product_page(owner_client, shop):
    product = ProductFactory(shop=shop, stock_on_hand=2)

    owner_client.post(
        reverse("admin:orders_product_stock", args=[product.pk]),
        {"kind": "receive", "quantity": "8", "reason": "Nhập lô tháng 6"},
    )

    product.refresh_from_db()
    assert product.stock_on_hand == 10
    assert StockMovement.objects.get().kind == StockMovementKind.RECEIVED


def test_importing_products_records_counts_as_adjustments(owner_client, shop):
    product = ProductFactory(shop=shop, sku="AO-1", stock_on_hand=5)
    csv = "sku,name,price,is_active,stock_on_hand\r\nAO-1,Áo dài đỏ,450000,1,7\r\nKHAN-2,Khăn lụa,99000,1,\r\n"
    upload = {"resource": "0", "format": "0", "shop": shop.pk}
    upload["import_file"] = SimpleUploadedFile("san-pham.csv", csv.encode(), content_type="text/csv")
    preview = owner_client.post("/admin/orders/product/import/", upload)
    confirm = preview.context["confirm_form"].initial
    owner_client.post("/admin/orders/product/process_import/", confirm)

    product.refresh_from_db()
    assert (product.name, product.stock_on_hand) == ("Áo dài đỏ", 7)
    assert Product.objects.get(sku="KHAN-2").stock_on_hand == 0
    assert list(StockMovement.objects.values_list("kind", "on_hand_delta")) == [(StockMovementKind.ADJUSTED, 2)]


def test_a_return_is_approved_from_its_page(owner_client, shop):
    order = advance(place(shop), S.DELIVERED)
    request = services.return_request_open(
        order=order,
        items=[services.ReturnItem(order.lines.get().sku, 1)],
        reason="damaged",
        actor=Actor(kind="customer"),
    )
    page = owner_client.get(reverse("admin:orders_returnrequest_change", args=[request.pk]))

    owner_client.post(reverse("admin:orders_returnrequest_do", args=[request.pk, "approve"]))

    assert [action["name"] for action in page.context["object_actions"]] == ["approve", "reject"]
    request.refresh_from_db()
    assert request.status == ReturnStatus.APPROVED


def test_the_gateway_secret_is_never_shown_back(owner_client, shop):
    owner_client.post(
        "/admin/orders/paymentgateway/add/",
        {
            "shop": shop.pk,
            "provider": "vnpay",
            "merchant_code": "HOAMAI01",
            "secret": "bi-mat-vnpay",
            "is_active": "on",
        },
    )
    gateway = PaymentGateway.objects.get()

    page = owner_client.get(reverse("admin:orders_paymentgateway_change", args=[gateway.pk]))

    assert gateway.secret == "bi-mat-vnpay"
    assert "bi-mat-vnpay" not in page.content.decode()


def test_a_step_with_missing_input_changes_nothing_and_says_why(owner_client, shop):
    order = advance(place(shop), S.PACKED)

    response = owner_client.post(_do(order, "mark_ready_to_ship"), {"mark_ready_to_ship-carrier": "GHN"}, follow=True)

    assert Order.objects.get(pk=order.pk).status == S.PACKED
    assert any("tracking_number" in str(message) for message in response.context["messages"])


def test_allocated_orders_become_one_pick_list(owner_client, shop):
    shirt = ProductFactory(shop=shop, sku="AO-1")
    first = advance(place(shop, lines=[(shirt.sku, 2)], customer_id="KH-1"), S.ALLOCATED)
    second = advance(place(shop, lines=[(shirt.sku, 1)], customer_id="KH-2"), S.ALLOCATED)
    not_yet = place(shop, lines=[(shirt.sku, 1)], customer_id="KH-3")

    response = owner_client.post(CHANGELIST, {"action": "pick", "_selected_action": [first.pk, second.pk, not_yet.pk]})

    assert response.context["rows"] == [
        {"sku": "AO-1", "name": shirt.name, "units": 3, "orders": [f"{first.number} × 2", f"{second.number} × 1"]}
    ]
    assert set(Order.objects.values_list("status", flat=True)) == {S.PICKING, S.CONFIRMED}


def test_the_pick_list_of_orders_chosen_from_the_allocated_filter_lists_them(owner_client, shop):
    """The changelist filtered on "allocated": the orders move to picking before the list is read,
    so the list must follow the chosen orders, not the filter."""
    shirt = ProductFactory(shop=shop, sku="AO-1")
    first = advance(place(shop, lines=[(shirt.sku, 2)], customer_id="KH-1"), S.ALLOCATED)
    second = advance(place(shop, lines=[(shirt.sku, 1)], customer_id="KH-2"), S.ALLOCATED)

    response = owner_client.post(
        f"{CHANGELIST}?status__exact=allocated", {"action": "pick", "_selected_action": [first.pk, second.pk]}
    )

    assert response.context["orders"] == 2
    assert response.context["rows"] == [
        {"sku": "AO-1", "name": shirt.name, "units": 3, "orders": [f"{first.number} × 2", f"{second.number} × 1"]}
    ]
