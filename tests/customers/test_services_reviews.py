"""Ratings and reviews of delivered order lines, the shop's reply, and the satisfaction figure."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import DeliveredLine, Review
from customers.selectors import review_satisfaction
from customers.services import delivered_lines_record, review_post, review_reply
from sellercenter.errors import Conflict, InvalidInput, NotFound
from tests.customers.factories import CustomerFactory
from tests.orders.factories import advance, place
from tests.sellercenter.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(shop):
    order = advance(place(shop, customer_id="KH-1"), "delivered")
    return order, order.lines.get()


def test_a_delivered_order_can_be_reviewed_once_per_line(delivered):
    order, line = delivered

    review = review_post(customer=order.customer, order_ref=order.number, sku=line.sku, rating=2, comment="Vải mỏng")

    assert (review.rating, review.comment, review.line.name) == (2, "Vải mỏng", line.name)
    with pytest.raises(Conflict):
        review_post(customer=order.customer, order_ref=order.number, sku=line.sku, rating=5)


def test_a_line_not_delivered_to_this_customer_cannot_be_reviewed(shop, delivered):
    order, line = delivered
    stranger = CustomerFactory(shop=shop)

    with pytest.raises(NotFound):
        review_post(customer=stranger, order_ref=order.number, sku=line.sku, rating=5)
    with pytest.raises(InvalidInput) as refused:
        review_post(customer=order.customer, order_ref=order.number, sku=line.sku, rating=6)
    assert "rating" in refused.value.fields


def test_recording_the_same_delivery_twice_adds_nothing(delivered):
    order, line = delivered

    assert (
        delivered_lines_record(
            customer=order.customer,
            order_ref=order.number,
            lines=[(line.sku, line.name)],
            delivered_at=order.delivered_at,
        )
        == 0
    )
    assert DeliveredLine.objects.count() == 1


def test_the_shop_replies_and_the_satisfaction_counts_low_ratings(shop):
    customer = CustomerFactory(shop=shop)
    for index, rating in enumerate((5, 4, 1, 2)):
        delivered_lines_record(
            customer=customer, order_ref=f"SC-{index}", lines=[("AO-1", "Áo")], delivered_at="2026-03-01T10:00Z"
        )
        review = review_post(customer=customer, order_ref=f"SC-{index}", sku="AO-1", rating=rating)

    review_reply(review=review, reply="Shop xin lỗi, sẽ đổi hàng cho chị.", replied_by=UserFactory())

    assert Review.objects.get(pk=review.pk).replied_at is not None
    assert review_satisfaction(shop=shop) == {"count": 4, "average": Decimal("3.00"), "low_share": Decimal("0.5000")}


def test_the_storefront_posts_a_review(api, delivered, other_api):
    order, line = delivered
    body = {"customer_id": "KH-1", "order_ref": order.number, "sku": line.sku, "rating": 5, "comment": "Đẹp"}

    assert other_api.post(reverse("api:reviews"), body, format="json").status_code == 400
    response = api.post(reverse("api:reviews"), body, format="json")
    again = api.post(reverse("api:reviews"), {**body, "rating": 1}, format="json")
    bad = api.post(reverse("api:reviews"), {**body, "rating": 0}, format="json")

    assert response.status_code == 201
    assert response.json()["rating"] == 5
    assert again.status_code == 409
    assert bad.status_code == 400 and "rating" in bad.json()["error"]["fields"]


def test_reviews_cannot_be_deleted_in_the_admin(owner_client, delivered):
    order, line = delivered
    review = review_post(customer=order.customer, order_ref=order.number, sku=line.sku, rating=1, comment="Tệ")

    page = owner_client.get(reverse("admin:customers_review_change", args=[review.pk]))
    delete = owner_client.post(reverse("admin:customers_review_delete", args=[review.pk]), {"post": "yes"})

    assert page.status_code == 200
    assert delete.status_code == 403
    assert Review.objects.filter(pk=review.pk).exists()
