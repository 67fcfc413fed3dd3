"""The admin login locks a username out, from one address, after repeated wrong passwords."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from sellercenter.models import Role
from tests.sellercenter.factories import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("axes_on")]

LOGIN = "/admin/login/"
PASSWORD = "Mật-khẩu-đúng-2026"


@pytest.fixture
def axes_on():
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5):
        yield


@pytest.fixture
def user(shop):
    user = staff_user(shop, Role.OWNER, username="chu.cua.hang")
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, password: str):
    return client.post(LOGIN, {"username": "chu.cua.hang", "password": password, "next": "/admin/"})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_logs_in(client, user):
    assert _login(client, PASSWORD).status_code == 302
    assert _logged_in(client)


def test_after_repeated_failures_even_the_right_password_is_refused(client, user):
    for _ in range(30):
        _login(client, "sai")

    response = _login(client, PASSWORD)

    assert response.status_code == 429
    assert not _logged_in(client)


def test_axes_reset_unlocks(client, user):
    for _ in range(5):
        _login(client, "sai")
    assert _login(client, PASSWORD).status_code == 429

    call_command("axes_reset", verbosity=0)

    assert _login(client, PASSWORD).status_code == 302
    assert _logged_in(client)
