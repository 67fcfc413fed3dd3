"""Orders entered by staff for a chat, phone or counter sale: the customer is picked or created,
then the order goes through the storefronts' checkout (orders.services.checkout.order_place), so
its prices, promotions, points, stock and budget follow the very same rules; cash taken at the
counter is recorded as the order's payment."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.phones import phone_to_e164
from customers.selectors import customer_find_by_phone
from customers.services import customer_create, customer_external_id_ensure
from orders.models import Order, PaymentMethod
from orders.pipeline import Actor
from orders.pricing import CartLine
from orders.services.checkout import order_place
from orders.services.payments import payment_cash_record
from sellercenter.errors import InvalidInput, NotFound
from sellercenter.models import Shop
from sellercenter.money import ZERO

NEW_CUSTOMER_FIELDS = ("full_name", "phone", "email")


def staff_customer_find_or_create(*, shop: Shop, fields: dict) -> Customer:
    """The shop's current customer with this phone, however it is typed (`0912 345 678`,
    `+84912345678`, `84-912-345-678` are one number), or a new one created from `fields`
    (full_name, phone, email) by the customers service. Refuses a missing or invalid phone
    (InvalidInput naming `customer.phone`)."""
    try:
        phone = phone_to_e164(str(fields.get("phone") or ""))
    except ValidationError as error:
        raise InvalidInput(fields={"customer.phone": error.messages}) from None
    if not phone:
        raise InvalidInput(fields={"customer.phone": [_("Give the new customer's phone number.")]})
    existing = customer_find_by_phone(shop=shop, phone=phone)
    if existing is not None:
        return existing
    values = {name: fields[name] for name in NEW_CUSTOMER_FIELDS if fields.get(name)}
    try:
        return customer_create(shop=shop, **{**values, "phone": phone})
    except InvalidInput as error:
        raise InvalidInput(fields={f"customer.{name}": msgs for name, msgs in error.fields.items()}) from None


def staff_order_place(
    *,
    shop: Shop,
    actor: Actor,
    lines: list[CartLine],
    channel: str,
    payment_method: str,
    customer: Customer | None = None,
    new_customer: dict | None = None,
    shipping_address: dict | None = None,
    shipping_fee=ZERO,
    voucher_codes: list[str] | None = None,
    points: int = 0,
    note: str = "",
) -> Order:
    """Place an order for `customer` (a customer of the shop) or for the one `new_customer` names
    (see staff_customer_find_or_create), through the checkout with `actor` (staff). The customer is
    named to the checkout by their storefront id, which a profile without one is given first
    (`SC-<id>`, customers.services.customer_external_id_ensure). A cash order is paid at once:
    its payment is recorded and it is confirmed. A counter sale (channel `pos`) needs no address.

    Everything happens in one transaction: a refusal of the checkout (its errors, InvalidInput
    naming the field or Conflict) leaves no new customer, order, stock or budget change behind.
    Refuses a customer of another shop (NotFound) and no customer at all (InvalidInput `customer`)."""
    with transaction.atomic():
        buyer = _buyer(shop, customer, new_customer)
        order = order_place(
            shop=shop,
            customer={"external_id": customer_external_id_ensure(customer=buyer)},
            channel=channel,
            lines=lines,
            shipping_address=shipping_address,
            payment_method=payment_method,
            actor=actor,
            shipping_fee=shipping_fee,
            voucher_codes=voucher_codes,
            points=points,
            note=note,
        )
        if payment_method == PaymentMethod.CASH:
            payment_cash_record(order=order, actor=actor)
            order.refresh_from_db()
    return order


def _buyer(shop: Shop, customer: Customer | None, new_customer: dict | None) -> Customer:
    if customer is not None:
        if customer.shop_id != shop.pk:
            raise NotFound(_("This customer does not exist."), fields={"customer": [_("Choose a customer.")]})
        return customer
    if new_customer and any(new_customer.values()):
        return staff_customer_find_or_create(shop=shop, fields=new_customer)
    raise InvalidInput(fields={"customer": [_("Choose a customer or enter a new one.")]})
