"""The category list builds its page from query rows (CategoryListView through sellercenter.api.rows):
through the API it answers what CategoryOutput(many=True) renders, on every page."""

import pytest
from django.utils import timezone

from orders import services
from orders.api.catalogue import CategoryOutput
from orders.models import Category
from tests.conftest import make_api_client
from tests.sellercenter.row_pages import assert_pages_are_serialized, assert_queries_do_not_grow_with_the_page

pytestmark = pytest.mark.django_db
URL = "/api/v1/catalogue/categories"


def _nested_categories(shop) -> None:
    """Three levels, two roots, a slug given and one derived from an accented name."""
    women = services.category_save(shop=shop, name="Thời trang nữ")
    dresses = services.category_save(shop=shop, name="Áo dài", parent=women)
    services.category_save(shop=shop, name="Áo dài cưới", slug="ao-dai-cuoi", parent=dresses)
    services.category_save(shop=shop, name="Váy", parent=women)
    services.category_save(shop=shop, name="Phụ kiện")


def test_every_page_answers_what_the_serializer_renders_through_a_key(shop, other_shop):
    _nested_categories(shop)
    services.category_save(shop=other_shop, name="Giày")

    listed = assert_pages_are_serialized(
        make_api_client(shop),
        f"{URL}?limit=2",
        CategoryOutput,
        Category.objects.filter(shop=shop).order_by("-pk"),
        timezone.get_default_timezone(),
    )

    assert len(listed) == 5
    assert sum(category["parent"] is None for category in listed) == 2


def test_the_page_runs_as_many_queries_whatever_its_size(shop):
    _nested_categories(shop)

    assert_queries_do_not_grow_with_the_page(make_api_client(shop), URL)
