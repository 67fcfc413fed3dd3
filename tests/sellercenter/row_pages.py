"""Checks for the list endpoints whose page is built from query rows (sellercenter.api.rows): the pages
must answer what the view's serializer renders with `many=True`, and cost the same queries at any size."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from tests.conftest import api_pages
from tests.sellercenter.factories import staff_user


def serialized(serializer_class, queryset, tz) -> list:
    """What `serializer_class(queryset, many=True)` renders as JSON, in `tz`."""
    with timezone.override(tz):
        return json.loads(JSONRenderer().render(serializer_class(queryset, many=True).data))


def assert_pages_are_serialized(client, url: str, serializer_class, queryset, tz) -> list:
    """Every page from `url` on, put together, is the serializer's output of `queryset`, key order included."""
    listed = api_pages(client, url)
    expected = serialized(serializer_class, queryset, tz)
    assert listed == expected
    assert [list(item) for item in listed] == [list(item) for item in expected]
    return listed


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def assert_queries_do_not_grow_with_the_page(client, url: str) -> None:
    """A page of one row and a page of 50 run as many queries (`url` without a query string)."""
    client.get(f"{url}?limit=1")  # once-per-key work (its last-used stamp) out of the way
    assert queries_of(client, f"{url}?limit=1") == queries_of(client, f"{url}?limit=50")


def staff_client(shop, username: str = "chu.cua.hang") -> APIClient:
    """A staff session of the shop's owner: times in the shop's time zone."""
    client = APIClient()
    client.force_login(staff_user(shop, username=username))
    return client
