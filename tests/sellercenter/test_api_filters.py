"""The API's filter sets (sellercenter.api.filters): django-filter's answers, with what no request
changes built once."""

import pytest
from django.http import QueryDict
from django_filters import rest_framework as filters

from customers.api.customers import CustomerFilter
from customers.models import Customer
from orders.api.orders import OrderFilter
from orders.models import Order
from sellercenter.api.filters import FilterSet
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_form_class_is_built_once_and_each_request_has_its_own_form_and_filters(shop):
    first = OrderFilter(QueryDict("status=shipped"), queryset=Order.objects.filter(shop=shop))
    second = OrderFilter(QueryDict("status=cancelled"), queryset=Order.objects.filter(shop=shop))

    assert type(first.form) is type(second.form)
    assert first.form is not second.form
    assert first.form.fields["status"] is not second.form.fields["status"]
    for name in OrderFilter.base_filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name] is not OrderFilter.base_filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
        assert first.filters[name].extra is not OrderFilter.base_filters[name].extra
    assert first.form.is_valid() and first.form.cleaned_data["status"] == ["shipped"]
    assert second.form.is_valid() and second.form.cleaned_data["status"] == ["cancelled"]


def test_a_refused_value_is_named_by_its_field(shop):
    refused = OrderFilter(QueryDict("status=lost&placed_after=yesterday"), queryset=Order.objects.filter(shop=shop))

    assert not refused.is_valid()
    assert set(refused.errors) == {"status", "placed_after"}


def test_a_method_filter_runs_on_its_own_filter_set(shop, other_shop):
    lan = CustomerFactory(shop=shop, email="lan@example.vn")
    CustomerFactory(shop=shop, email="minh@example.vn")
    CustomerFactory(shop=other_shop, email="lan@example.vn")
    # Both built before either runs: each method filter must find its own filter set's data.
    lan_search = CustomerFilter(QueryDict("email=LAN@example.vn"), queryset=Customer.objects.filter(shop=shop))
    nobody = CustomerFilter(QueryDict("email=an@example.vn"), queryset=Customer.objects.filter(shop=shop))

    assert nobody.is_valid() and lan_search.is_valid()
    assert list(nobody.qs) == []
    assert list(lan_search.qs) == [lan]
    email = CustomerFilter.base_filters["email"]
    assert getattr(email, "parent", None) is None  # the declared filter never points at a request's


class ByShopOfRequest(FilterSet):
    # A form field made from the request: this filter set keeps a form class per instance.
    customer = filters.ModelChoiceFilter(queryset=lambda request: Customer.objects.filter(shop=request.shop))

    class Meta:
        model = Order
        fields = ["customer"]


def test_a_filter_made_from_the_request_keeps_a_form_class_per_request(shop, other_shop):
    here = CustomerFactory(shop=shop)
    there = CustomerFactory(shop=other_shop)

    class Request:
        def __init__(self, shop_):
            self.shop = shop_

    asked = QueryDict(f"customer={here.pk}")
    mine = ByShopOfRequest(asked, queryset=Order.objects.all(), request=Request(shop))
    theirs = ByShopOfRequest(asked, queryset=Order.objects.all(), request=Request(other_shop))

    assert type(mine.form) is not type(theirs.form)
    assert mine.is_valid()
    assert not theirs.is_valid() and "customer" in theirs.errors
    assert list(theirs.form.fields["customer"].queryset) == [there]
