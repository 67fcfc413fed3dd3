"""The suite's own promise (tests/conftest.py): after a transactional test the database is as
migrations made it, whatever the test did to it, so the order of the tests does not matter."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import TransactionTestCase

from sellercenter.models import Role, Shop
from tests.conftest import _empty_as_migrated


def _migrated_state():
    return (
        sorted(ContentType.objects.values_list("pk", "app_label", "model")),
        Permission.objects.count(),
        sorted((group.name, sorted(group.permissions.values_list("pk", flat=True))) for group in Group.objects.all()),
    )


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_leaves_the_rows_migrations_wrote_and_nothing_else(shop):
    before = _migrated_state()
    assert {name for name, _permissions in before[2]} >= set(Role.values)  # the role groups exist

    Group.objects.get(name=Role.OWNER).permissions.clear()
    Group.objects.create(name="tam-thoi")
    Shop.objects.create(name="Tạp Hóa Cô Ba", slug="co-ba")

    class Finished(TransactionTestCase):
        databases = {"default"}

    _empty_as_migrated(lambda self: pytest.fail("Django's flush ran"))(Finished())

    assert not Shop.objects.exists()
    assert _migrated_state() == before
