"""One formatting rule on every admin page: walk every list and the change page of its first row for
a shop with orders, returns, campaigns, members and statement lines, and fail on a raw amount
(`299000,00`, `2000000.00`) or an ISO / UTC date in what a person reads or types into."""

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from orders.models import OrderStatus
from tests.finance.factories import adjustment, complete, delivered, refund
from tests.loyalty.factories import member
from tests.orders.factories import ProductFactory, reach
from tests.promotions.factories import CampaignFactory, RedemptionFactory

pytestmark = pytest.mark.django_db

RAW_AMOUNT = re.compile(r"(?<![\d.,])\d{4,}[.,]\d{2}(?![\d])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\bUTC\b|\+00:00")


class VisibleText(HTMLParser):
    """What a person sees: text outside scripts and styles, and the values of inputs."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") not in ("hidden", "checkbox", "radio", "submit"):
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


@pytest.fixture
def busy_shop(shop):
    product = ProductFactory(shop=shop, price=Decimal("299000"), stock_on_hand=50)
    lines = [(product.sku, 1)]
    for status in (OrderStatus.CONFIRMED, OrderStatus.PACKED, OrderStatus.CANCELLED, OrderStatus.DELIVERY_FAILED):
        reach(shop, status, lines=lines)
    refund(delivered(shop, lines=lines))
    complete(delivered(shop, lines=lines))
    adjustment(shop, "2000000")
    campaign = CampaignFactory(shop=shop, budget=Decimal("2000000"), starts_at=timezone.now() - timedelta(days=2))
    RedemptionFactory(campaign=campaign, amount=Decimal("50000"))
    member(shop)
    return shop


def _admin_urls(client):
    """Every registered changelist, and the change page of its first row."""
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        yield changelist
        first = model_admin.get_queryset(_request(client)).order_by("pk").first()
        if first is not None:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])


def _request(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = client.user
    return request


def test_no_admin_page_shows_a_raw_amount_or_an_iso_date(busy_shop, owner_client, owner):
    owner_client.user = owner
    problems = []
    pages = 0
    for url in ["/admin/", *_admin_urls(owner_client)]:
        response = owner_client.get(url)
        if response.status_code != 200:
            continue
        pages += 1
        text = _visible(response.content.decode())
        for pattern in (RAW_AMOUNT, ISO_DATE):
            for match in pattern.finditer(text):
                around = text[max(0, match.start() - 40) : match.end() + 20].replace("\n", " | ")
                problems.append(f"{url}: {match.group()!r} in …{around}…")
    assert pages > 30
    assert not problems, "\n".join(problems)
