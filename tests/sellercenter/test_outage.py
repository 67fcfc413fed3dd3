"""A database that does not answer gives 503 with Retry-After (API error shape, plain admin page),
and the first request after it returns is served normally, without a restart."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.conftest import make_api_client

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
