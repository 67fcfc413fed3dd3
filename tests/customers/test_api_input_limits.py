"""A customer's free text and tags are bounded: a hostile client cannot store megabytes or thousands of rows."""

import pytest

from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("change", "field"),
    [({"note": "x" * 100_000}, "note"), ({"tags": [f"t{n}" for n in range(10_000)]}, "tags")],
)
def test_a_huge_note_or_tag_list_is_400_and_stores_nothing(api, change, field):
    response = api.post("/api/v1/customers", {"external_id": "kh-1", **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Customer.objects.filter(external_id="kh-1").exists()


def test_a_bounded_note_and_tags_are_stored(api):
    response = api.post(
        "/api/v1/customers", {"external_id": "kh-1", "note": "x" * 2000, "tags": ["vip", "sỉ"]}, format="json"
    )

    assert response.status_code == 201, response.content
