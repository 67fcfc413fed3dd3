"""What a send step says to one customer: its subject and text filled in, the cart lines, last viewed
products, the voucher, and the links."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlencode

from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from promotions.journeys.links import message_link
from promotions.models import Enrolment, JourneySettings, JourneyStep, StepLink
from sellercenter.money import money_format


def _amount(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


@lru_cache(maxsize=256)
def _template(text: str):
    # Compiled once per text: a step's subject and body are the same for every customer of a batch.
    return engines["django"].from_string(text).template


def _render(text: str, context: dict, *, autoescape: bool) -> str:
    return _template(text).render(Context(context, autoescape=autoescape)).strip()


def _target(settings: JourneySettings, step: JourneyStep, lines: list[dict], viewed: list[dict], voucher: str) -> str:
    """Where a click leads: the cart with the voucher applied, the product, or the promotions page."""
    base = settings.storefront_url.rstrip("/")
    if step.link == StepLink.PRODUCT:
        product = (lines or viewed or [{}])[0]
        # Only the shop's own pages: a product URL reported in an event must not make this an open redirect.
        if base and str(product.get("url", "")).startswith(base + "/"):
            return product["url"]
        return f"{base}/products/{product.get('sku', '')}"
    if step.link == StepLink.PROMOTIONS:
        return f"{base}/promotions"
    return f"{base}/cart" + (f"?{urlencode({'voucher': voucher})}" if voucher else "")


def message_content(
    *,
    enrolment: Enrolment,
    step: JourneyStep,
    token: str,
    settings: JourneySettings,
    cart: list[dict],
    viewed: list[dict],
) -> dict:
    """The message's content, as stored on it and handed to the channel: subject, text, html, image,
    the tracked url and the final target, the unsubscribe url. `cart` holds the cart's lines (empty
    for a journey not started by a cart) and `viewed` the products last viewed, both as the customer
    selectors give them; they are changed in place."""
    customer, lines = enrolment.customer, cart
    if enrolment.context.get("product"):
        viewed = [{"sku": enrolment.context.get("sku"), **enrolment.context["product"]}, *viewed]
    voucher = enrolment.voucher.code if enrolment.voucher_id else ""
    currency = enrolment.journey.shop.currency
    for line in lines:
        line["total"] = money_format(_amount(line.get("price")) * line["quantity"], currency)
    for product in viewed:
        if product.get("price") not in (None, ""):
            product["price"] = money_format(_amount(product["price"]), currency)
    first = (lines or viewed or [{}])[0]
    context = {
        "name": customer.full_name or _("there"),
        "product": first.get("name", ""),
        "voucher": voucher,
        "cart_total": money_format(
            sum((_amount(line.get("price")) * line["quantity"] for line in lines), Decimal("0")), currency
        ),
        "lines": lines,
        "viewed": viewed[:3],
        "shop": enrolment.journey.shop.name,
    }
    subject = _render(step.subject, context, autoescape=False)
    text = _render(step.body, context, autoescape=False)
    url = message_link(token, "click")
    unsubscribe = message_link(token, "unsubscribe")
    page = {**context, "subject": subject, "text": text, "url": url, "unsubscribe": unsubscribe}
    return {
        "subject": subject,
        "text": render_to_string("promotions/journeys/email.txt", page).strip() if step.channel == "email" else text,
        "html": render_to_string("promotions/journeys/email.html", {**page, "pixel": message_link(token, "open")})
        if step.channel == "email"
        else "",
        "image": first.get("image", ""),
        "url": url,
        "target": _target(settings, step, lines, viewed, voucher),
        "unsubscribe": unsubscribe,
        "voucher": voucher,
    }
