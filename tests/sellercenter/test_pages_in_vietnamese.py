"""The admin pages staff read every day, rendered in Vietnamese: no English label is left on them."""

import re
from datetime import timedelta
from pathlib import Path

import django
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from customers.services import push_subscription_register, review_post, review_reply
from finance import services as finance_services
from promotions.journeys.runner import journeys_run_due
from promotions.models import Enrolment, Message
from tests.finance.factories import adjustment
from tests.orders.factories import ProductFactory, advance, place
from tests.promotions.journey_setup import customer_with_consent, journey_start, leave_cart, live_cart_journey
from tests.visible_text import visible_text

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ["sellercenter", "customers", "loyalty", "promotions", "orders", "finance"]
VIETNAMESE = re.compile(r"[À-ỹđĐ]")
WORD = re.compile(r"[A-Za-z]{3,}")
# A code, an address or a number rather than words: no space, and a digit or a separator in it.
CODE = re.compile(r"^\S*[\d\-./:@#]\S*$")
# Names that read the same in Vietnamese: channels, brands, the currency, the language menu.
SAME_IN_VIETNAMESE = {"E-mail", "SMS", "Zalo", "VND", "English"}


def _english_words() -> set[str]:
    """The words of the English the UI is written in: every msgid of the apps' catalogues and of
    Django's own (the admin's templates). Vietnamese written without tones (`Xem trang web`) is not in
    it, an English label left on a page is."""
    catalogues = [ROOT / app / "locale" / "vi" / "LC_MESSAGES" / "django.po" for app in APPS]
    django_root = Path(django.__file__).parent
    catalogues += [django_root / "contrib" / "admin" / "locale" / "en" / "LC_MESSAGES" / "django.po"]
    words = set()
    for catalogue in catalogues:
        for line in catalogue.read_text(encoding="utf-8").splitlines():
            if line.startswith("msgid"):
                words.update(word.lower() for word in WORD.findall(line.partition(" ")[2]))
    return words - {"web", "email", "zalo"}


ENGLISH_WORDS = _english_words()


def _is_english(piece: str) -> bool:
    if VIETNAMESE.search(piece) or CODE.match(piece) or piece in SAME_IN_VIETNAMESE:
        return False
    words = [word.lower() for word in WORD.findall(piece)]
    return bool(words) and 2 * sum(word in ENGLISH_WORDS for word in words) >= len(words)


def english_left(page: str) -> list[str]:
    """The pieces of the page written in English (mostly words of the UI's English and not one
    Vietnamese letter), other than codes and names that read the same in Vietnamese."""
    return [piece for piece in visible_text(page) if _is_english(piece)]


@pytest.fixture
def journey_with_messages(shop, django_capture_on_commit_callbacks):
    start = journey_start()
    with translation.override("vi"):  # the template's step names are written in the seller's language
        journey = live_cart_journey(shop, start=start)
    product = ProductFactory(shop=shop, sku="AO-01")
    customer = customer_with_consent(shop, at=start, external_id="KH-1", full_name="Nguyễn Thị Lan")
    with django_capture_on_commit_callbacks(execute=True):
        leave_cart(customer, sku=product.sku, at=start)
    for later in (timedelta(hours=2), timedelta(days=1, hours=2), timedelta(days=3, hours=2)):
        with django_capture_on_commit_callbacks(execute=True):
            journeys_run_due(now=start + later)
    return journey


@pytest.fixture
def review(shop, owner):
    order = advance(place(shop, customer_id="KH-2"), "delivered")
    line = order.lines.get()
    posted = review_post(customer=order.customer, order_ref=order.number, sku=line.sku, rating=4, comment="Vải đẹp")
    return review_reply(review=posted, reply="Cảm ơn chị!", replied_by=owner)


@pytest.fixture
def push_subscription(shop, review):
    return push_subscription_register(
        shop=shop,
        customer=review.customer,
        endpoint="https://push.example.vn/sub/abc123",
        p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth="tBHItJI5svbpez7KI4CCXg",
        user_agent="Mozilla/5.0 (Android 14)",
    )


@pytest.fixture
def statement(shop):
    adjustment(shop, "150000", reason="Tiền bán hàng bù")
    return finance_services.statement_open_for(shop=shop, at=timezone.now())


@pytest.fixture
def pages(journey_with_messages, review, push_subscription, statement):
    journey = journey_with_messages
    message = Message.objects.filter(enrolment__journey=journey).first()
    enrolment = Enrolment.objects.filter(journey=journey).first()
    return {
        "journey": reverse("admin:promotions_journey_change", args=[journey.pk]),
        "journeys": reverse("admin:promotions_journey_changelist"),
        "messages": reverse("admin:promotions_message_changelist"),
        "message": reverse("admin:promotions_message_change", args=[message.pk]),
        "enrolments": reverse("admin:promotions_enrolment_changelist"),
        "enrolment": reverse("admin:promotions_enrolment_change", args=[enrolment.pk]),
        "reviews": reverse("admin:customers_review_changelist"),
        "review": reverse("admin:customers_review_change", args=[review.pk]),
        "push subscriptions": reverse("admin:customers_pushsubscription_changelist"),
        "push subscription": reverse("admin:customers_pushsubscription_change", args=[push_subscription.pk]),
        "statements": reverse("admin:finance_statement_changelist"),
        "statement": reverse("admin:finance_statement_change", args=[statement.pk]),
    }


def test_the_journey_review_push_and_statement_pages_have_no_english_left(owner_client, pages):
    left = {}
    for name, url in pages.items():
        response = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, name
        left[name] = english_left(response.content.decode())

    assert {name: pieces for name, pieces in left.items() if pieces} == {}


def test_labels_shared_with_other_apps_read_as_this_page_means_them(owner_client, pages):
    journey = owner_client.get(pages["journey"], HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    messages = owner_client.get(pages["messages"], HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    statements = owner_client.get(pages["statements"], HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    # The journey's version (django.contrib.auth keeps "version" English), the skip reasons by name.
    assert "Phiên bản" in journey and "Không có địa chỉ trên kênh: 2" in journey
    # A marketing message goes out on a channel; it is sold on none.
    assert "Kênh gửi" in messages and "Kênh bán" not in messages
    # An open statement is open, not a request waiting (the customers app's "Open").
    assert "Đang mở" in statements and "Đang chờ xử lý" not in statements
    # A statement's lines are counted and it is closed as the books are (not an order's lines).
    statement = owner_client.get(pages["statement"], HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Số dòng" in statement and "Chốt sổ lúc" in statement and "Các dòng hàng" not in statement
