"""The customers admin's personal-data actions ask the role of each customer's shop, as the API does."""

import pytest
from django.urls import reverse

from customers.models import Customer
from sellercenter import services
from sellercenter.models import Role
from tests.customers.factories import CustomerFactory
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db


def test_erasing_skips_the_customers_of_a_shop_where_the_role_may_not_erase(client, shop, other_shop):
    user = staff_user(other_shop, Role.OWNER)
    services.membership_set(user=user, shop=shop, role=Role.ACCOUNTANT)
    mine, theirs = CustomerFactory(shop=other_shop), CustomerFactory(shop=shop)
    client.force_login(user)

    response = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "erase_personal_data", "_selected_action": [mine.pk, theirs.pk], "confirm": "yes", "reason": "x"},
        follow=True,
    )

    assert response.status_code == 200
    assert Customer.objects.get(pk=mine.pk).erased_at is not None
    assert Customer.objects.get(pk=theirs.pk).erased_at is None


def test_exporting_a_customer_of_a_shop_where_the_role_may_not_is_403(client, shop, other_shop):
    user = staff_user(other_shop, Role.OWNER)
    services.membership_set(user=user, shop=shop, role=Role.MARKETING)
    client.force_login(user)

    response = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "export_personal_data", "_selected_action": [CustomerFactory(shop=shop).pk]},
    )

    assert response.status_code == 403
