"""`shop_create`: values out of the shop's limits are refused naming the field, and nothing is written;
a new shop comes with what every app sets up for it, in a handful of statements."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Segment
from loyalty.models import ProgrammeSettings, Tier
from sellercenter import services
from sellercenter.models import Shop

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"), [("handling_days", 31), ("return_window_days", 91), ("time_zone", "Mars/Olympus")]
)
def test_a_value_out_of_the_shops_limits_is_refused_naming_the_field(field, value):
    with pytest.raises(ValidationError) as refused:
        services.shop_create(name="Thời Trang Hoa Mai", slug="hoa-mai", **{field: value})

    assert field in refused.value.message_dict
    assert not Shop.objects.exists()


def test_a_new_shop_has_its_programme_tiers_and_segments_in_few_statements():
    with CaptureQueriesContext(connection) as queries:
        shop = services.shop_create(name="Thời Trang Hoa Mai", slug="hoa-mai")

    assert ProgrammeSettings.objects.filter(shop=shop).count() == 1
    assert Tier.objects.filter(shop=shop).count() == 5
    assert Segment.objects.filter(shop=shop).exclude(builtin="").exists()
    # The slug's uniqueness, the shop, the programme, the tiers, the segments (and its savepoint):
    # the check constraints are the fields' own validators, not a query each.
    assert not [q for q in queries.captured_queries if '"_check"' in q["sql"]]
    assert len(queries.captured_queries) <= 10, [q["sql"][:80] for q in queries.captured_queries]
