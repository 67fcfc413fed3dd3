"""What staff print or show on a phone, in a real browser: the member card and the packing slip fit a
phone's screen (nothing wider than the screen, the barcode inside the card), and print one page each
at their paper size (a bank card, A6)."""

import base64
import re

import pytest

from sellercenter.models import Role
from tests.loyalty.factories import member
from tests.orders.factories import ProductFactory, place
from tests.sellercenter.factories import staff_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)  # CSS pixels of a common phone


@pytest.fixture
def phone(chrome):
    width, height = chrome.get_window_size()["width"], chrome.get_window_size()["height"]
    chrome.set_window_size(*PHONE)
    yield chrome
    chrome.set_window_size(width, height)


MM = 72 / 25.4  # PDF points per millimetre
A6 = (105, 148)
BANK_CARD = (85.6, 54)
PAPERS = (A6, BANK_CARD)


def printed_pages(driver) -> list[tuple[float, float]]:
    """The size of each page, when the browser prints the page to PDF at the paper size its own CSS
    asks for: in millimetres, as `paper` names it when within half a millimetre (the browser rounds
    the page to whole pixels)."""
    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"])
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    pages = [(float(w) / MM, float(h) / MM) for w, h in boxes]
    return [next((p for p in PAPERS if abs(p[0] - w) < 0.5 and abs(p[1] - h) < 0.5), (w, h)) for w, h in pages]


def assert_inside(driver, inner: str, outer: str) -> None:
    box = driver.execute_script(
        "const box = (css) => document.querySelector(css).getBoundingClientRect();"
        "const i = box(arguments[0]), o = box(arguments[1]);"
        "return [i.left, i.right, i.top, i.bottom, o.left, o.right, o.top, o.bottom]",
        inner,
        outer,
    )
    left, right, top, bottom, o_left, o_right, o_top, o_bottom = box
    assert o_left - 0.5 <= left and right <= o_right + 0.5, f"{inner} is {left}..{right} across {outer}'s {box[4:6]}"
    assert o_top - 0.5 <= top and bottom <= o_bottom + 0.5, f"{inner} is {top}..{bottom} down {outer}'s {box[6:]}"


def assert_no_sideways_scroll(driver) -> None:
    page, inner = driver.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert page <= inner, f"{driver.current_url} is {page}px wide on a {inner}px screen"


def test_the_member_card_fits_a_phone_and_prints_as_one_card(person, phone, shop):
    staff_user(shop, Role.MARKETING, username="tiep.thi")
    account = member(shop, full_name="Trần Thị Bích Ngọc Phương", external_id="KH-PHONE")
    staff = person("member-card").login("tiep.thi")

    staff.go(f"/admin/loyalty/loyaltyaccount/{account.pk}/card/").wait_for_text("Trần Thị Bích Ngọc Phương")
    staff.shot("phone")
    assert_no_sideways_scroll(phone)
    assert_inside(phone, ".barcode svg", ".card")
    assert_inside(phone, ".card", "body")
    assert printed_pages(phone) == [BANK_CARD]


def test_packing_slips_fit_a_phone_and_print_one_a6_page_per_order(person, phone, shop):
    staff_user(shop, Role.OPERATIONS, username="van.hanh")
    product = ProductFactory(shop=shop, sku="AO-DAI-LUA-DO-SIZE-M", name="Áo dài lụa tơ tằm thêu tay màu đỏ, size M")
    orders = [place(shop, lines=[(product.sku, 2)], customer_id=f"KH-{i}") for i in range(2)]
    staff = person("packing-slips").login("van.hanh")

    staff.go(f"/admin/orders/order/{orders[0].pk}/packing-slip/").wait_for_text(orders[0].number)
    staff.shot("phone")
    assert_no_sideways_scroll(phone)
    assert_inside(phone, ".barcode svg", ".slip")
    assert printed_pages(phone) == [A6]

    phone.set_window_size(1440, 900)  # the list, at a desk
    staff.go("/admin/orders/order/")
    staff.run_action("print_packing_slips", *(order.pk for order in orders))
    staff.wait_for_text(orders[1].number)
    phone.set_window_size(*PHONE)
    staff.shot("two-slips")
    assert_no_sideways_scroll(phone)
    assert printed_pages(phone) == [A6, A6]
