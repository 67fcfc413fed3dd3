"""The demo's abandoned-cart journey: live, with customers at every stage, made once."""

from io import StringIO

import pytest

from promotions.journeys import demo
from promotions.models import Enrolment, Journey
from tests.customers.factories import CustomerFactory

# Committed for real: the journey enrols from the stored events on commit, as in `seed_demo`.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_journey_is_live_with_customers_at_every_stage(shop):
    CustomerFactory.create_batch(len(demo.CART_AGES), shop=shop)
    out = StringIO()

    demo.seed(shops=[shop], stdout=out)
    demo.seed(shops=[shop], stdout=out)

    journey = Journey.objects.get(shop=shop, name=demo.JOURNEY_NAME)
    assert journey.status == "live"
    enrolments = Enrolment.objects.filter(journey=journey)
    assert enrolments.count() == len(demo.CART_AGES)
    assert {e.status for e in enrolments} == {"waiting", "active", "completed"}
    assert len({e.position for e in enrolments if e.status == "active"}) >= 4
