"""A database that does not answer gives 503 with Retry-After (API error shape, plain admin page),
and the first request after it returns is served normally, without a restart."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.concurrency import lock_timeout, row_locked_elsewhere
from tests.conftest import make_api_client
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Database:
    """Points the connection at a database that cannot be reached, as a stopped server is, and back."""

    def __init__(self):
        self.saved = dict(connection.settings_dict)

    def stop(self):
        connection.close()
        if connection.vendor == "postgresql":
            connection.settings_dict.update(HOST="/nonexistent-socket-folder", PORT="")
        else:
            connection.settings_dict.update(NAME="/nonexistent-folder/db.sqlite3")

    def start(self):
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved)


@pytest.fixture
def database():
    database = Database()
    yield database
    database.start()


def test_the_api_answers_503_with_retry_after_then_recovers(shop, database):
    api = make_api_client(shop)
    api.raise_request_exception = False
    assert api.get("/api/v1/customers").status_code == 200

    database.stop()
    response = api.get("/api/v1/customers")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"
    assert set(response.json()["error"]) >= {"code", "message", "fields"}

    database.start()
    assert api.get("/api/v1/customers").status_code == 200


def test_the_admin_shows_a_plain_vietnamese_page(owner_client, database):
    owner_client.raise_request_exception = False
    url = reverse("admin:index")
    assert owner_client.get(url).status_code == 200

    database.stop()
    response = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Cơ sở dữ liệu không phản hồi" in response.content.decode()

    database.start()
    assert owner_client.get(url).status_code == 200


def test_healthz_names_the_database(client, database):
    database.stop()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unavailable"


@pytest.mark.postgres
def test_a_change_the_database_cancels_for_a_lock_is_busy_not_down(shop):
    """A row another transaction holds past `lock_timeout` cancels the change (55P03, as a deadlock
    40P01 does): the database answered, so the 503 says busy, retry in a second, and nothing changed."""
    customer = CustomerFactory(shop=shop, full_name="Trần Văn Bình")
    api = make_api_client(shop)
    api.raise_request_exception = False

    with row_locked_elsewhere("customers_customer", customer.pk, mode="FOR UPDATE"), lock_timeout():
        response = api.patch(f"/api/v1/customers/{customer.pk}", {"full_name": "Trần Bình"}, format="json")

    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "database_busy"
    assert "same time" in response.json()["error"]["message"]
    customer.refresh_from_db()
    assert customer.full_name == "Trần Văn Bình"
    again = api.patch(f"/api/v1/customers/{customer.pk}", {"full_name": "Trần Bình"}, format="json")
    assert again.status_code == 200, again.content
    customer.refresh_from_db()
    assert customer.full_name == "Trần Bình"


@pytest.mark.postgres
def test_the_admin_says_save_again_when_its_change_was_cancelled(owner_client, shop):
    customer = CustomerFactory(shop=shop, full_name="Lê Thu Hương")
    owner_client.raise_request_exception = False
    data = {"action": "erase_personal_data", "_selected_action": [customer.pk], "confirm": "yes", "reason": "Hotline"}

    with row_locked_elsewhere("customers_customer", customer.pk, mode="FOR UPDATE"), lock_timeout():
        response = owner_client.post(reverse("admin:customers_customer_changelist"), data, HTTP_ACCEPT_LANGUAGE="vi")

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "Hãy quay lại và lưu lần nữa" in page
    assert 'http-equiv="refresh"' not in page  # reloading would not send the form again
    customer.refresh_from_db()
    assert customer.erased_at is None and customer.full_name == "Lê Thu Hương"
