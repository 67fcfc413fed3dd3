"""On PostgreSQL a statement a connection runs again is prepared, so it is planned once per connection.

The settings turn on Django's server-side binding (the parameters travel apart from the SQL, so the
text of a statement is the same for every value) and psycopg's prepared statements. The journey stage
after a purchase is the statement that needs it most: its check on the behaviour events is planned for
every monthly partition. Behind PgBouncer in transaction mode it is off (tests/sellercenter/test_pgbouncer.py).
"""

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from customers.models import Customer, CustomerEvent, EventType, JourneyStage
from customers.services.journey import journey_stages_refresh
from tests.customers.factories import CustomerFactory
from tests.sellercenter.factories import ShopFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _stage_statements_prepared() -> list[tuple[str, int, int]]:
    """The journey-stage statements prepared on this connection, with how often each was planned."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND statement LIKE %s",
            [f'%"{CustomerEvent._meta.db_table}"%', '%"new_stage"%'],
        )
        return cursor.fetchall()


def test_the_journey_stage_after_a_purchase_is_planned_once_per_connection():
    shop = ShopFactory()
    buyers = [CustomerFactory(shop=shop, orders_count=1) for _ in range(3)]
    advocate = CustomerFactory(shop=shop, orders_count=2)
    CustomerEvent.objects.create(
        shop=shop, customer=advocate, event_id="review-1", type=EventType.REVIEW_POSTED, occurred_at=timezone.now()
    )

    for _ in range(settings.PREPARE_THRESHOLD):
        for customer in buyers:
            journey_stages_refresh(shop_id=shop.id, customer_ids=[customer.id], buyers=True)
    journey_stages_refresh(shop_id=shop.id, customer_ids=[advocate.id], buyers=True)

    prepared = _stage_statements_prepared()
    # One statement for every customer: their ids are parameters, not part of the text.
    assert len(prepared) == 1, prepared
    statement, generic_plans, custom_plans = prepared[0]
    assert "$1" in statement
    # PostgreSQL went on with one plan for the statement instead of planning every run.
    assert generic_plans > custom_plans
    # Prepared, the statement still sees each customer's own events.
    advocate.refresh_from_db()
    assert advocate.journey_stage == JourneyStage.ADVOCACY
    assert set(Customer.objects.filter(pk__in=[c.pk for c in buyers]).values_list("journey_stage", flat=True)) == {
        JourneyStage.PURCHASE
    }
