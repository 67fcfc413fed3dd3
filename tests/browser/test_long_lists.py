"""A list longer than the admin counts, in a real browser: staff read that there are more than the
cap and how to reach the rows past it, on a page that fits the screen."""

import pytest

from sellercenter.admin_base import CappedCountPaginator
from sellercenter.models import Role
from tests.orders.factories import ProductFactory
from tests.sellercenter.factories import staff_user

# One worker drives the one browser: the tests of tests/browser share its session (conftest.chrome).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_a_list_past_the_count_says_how_to_reach_the_rest(person, shop, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)  # the live server runs in this process
    for _ in range(5):
        ProductFactory(shop=shop)
    staff_user(shop, Role.OPERATIONS, username="van.hanh")
    operations = person("long-list").login("van.hanh")

    operations.go("/admin/orders/product/")
    operations.wait_for_text("Chỉ xem được 3 dòng đầu: hãy dùng ô tìm kiếm hoặc bộ lọc để thu hẹp danh sách.")
    operations.shot("products-past-the-count")

    assert "hơn 3 phân loại hàng" in operations.text()  # under the list
    assert "hơn 3 kết quả" in operations.text() and "4 kết quả" not in operations.text()  # in the header
    operations.assert_fits()
