"""Customer profiles, tags and addresses."""

import re
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import PROFILE_FIELDS, Address, Customer, CustomerEvent, CustomerTag
from customers.phones import phone_to_e164
from customers.selectors import customer_survivor
from customers.services.journey import customers_last_seen_refresh, journey_stages_refresh
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from sellercenter.models import Shop

TEXT_FIELDS = tuple(name for name in PROFILE_FIELDS if name not in ("birth_date", "referred_by"))
TAG_MAX_LENGTH = CustomerTag._meta.get_field("name").max_length
EXTERNAL_ID_MAX_LENGTH = Customer._meta.get_field("external_id").max_length
OLDEST_BIRTH_DATE = date(1900, 1, 1)


# --- Checking input --------------------------------------------------------------------------------


def _text_value(value, errors: dict, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = [_("Give a text.")]
        return ""
    return value.strip()


def profile_clean(*, shop: Shop, fields: dict) -> dict:
    """The profile fields checked and normalised (phone to E.164, e-mail in lower case).

    Raises InvalidInput naming every field at fault; TypeError for a name that is no profile field."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not customer profile fields: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    cleaned = {
        name: _text_value(value, errors, name) if name in TEXT_FIELDS else value for name, value in fields.items()
    }
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].lower()
    if cleaned.get("phone"):
        try:
            cleaned["phone"] = phone_to_e164(cleaned["phone"])
        except ValidationError as error:
            errors["phone"] = error.messages
    probe = Customer(shop=shop, **{name: value for name, value in cleaned.items() if name not in errors})
    try:
        probe.clean_fields(exclude=[f.name for f in Customer._meta.fields if f.name not in cleaned or f.name in errors])
    except ValidationError as error:
        errors.update(error.message_dict)
    _check_relations(probe, cleaned, errors)
    if errors:
        raise InvalidInput(fields=errors)
    return {name: getattr(probe, name) for name in cleaned}


def _check_relations(probe: Customer, cleaned: dict, errors: dict) -> None:
    birth_date = probe.birth_date if "birth_date" in cleaned and "birth_date" not in errors else None
    if birth_date and not OLDEST_BIRTH_DATE <= birth_date <= timezone.localdate():
        errors["birth_date"] = [_("Give a birth date between 1900 and today.")]
    referrer = cleaned.get("referred_by")
    if referrer is not None and (not isinstance(referrer, Customer) or referrer.shop_id != probe.shop_id):
        errors["referred_by"] = [_("The referring customer must be a customer of the same shop.")]


def tags_clean(tags) -> list[str]:
    """Tags in lower case, trimmed, without repeats. Raises InvalidInput for a non-text or too long tag."""
    if isinstance(tags, str) or not isinstance(tags, Iterable):
        raise InvalidInput(fields={"tags": [_("Give a list of tags.")]})
    cleaned = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise InvalidInput(fields={"tags": [_("Each tag must be a non-empty text.")]})
        name = re.sub(r"\s+", " ", tag.strip().lower())
        if len(name) > TAG_MAX_LENGTH:
            raise InvalidInput(fields={"tags": [_("A tag has at most %(max)d characters.") % {"max": TAG_MAX_LENGTH}]})
        if name not in cleaned:
            cleaned.append(name)
    return cleaned


def _clean_external_id(external_id) -> str:
    value = external_id.strip() if isinstance(external_id, str) else ""
    if not value or len(value) > EXTERNAL_ID_MAX_LENGTH:
        raise InvalidInput(
            fields={
                "external_id": [
                    _("Give the storefront's id (1 to %(max)d characters).") % {"max": EXTERNAL_ID_MAX_LENGTH}
                ]
            }
        )
    return value


# --- Writing ---------------------------------------------------------------------------------------


def customer_check_current(customer: Customer) -> None:
    """Refuse (NotAllowed) to work on a profile that was erased or merged into another one."""
    if customer.erased_at is not None:
        raise NotAllowed(_("This customer's personal data was erased."), code="customer_erased")
    if customer.merged_into_id is not None:
        raise NotAllowed(
            _("This profile was merged into customer #%(id)s.") % {"id": customer.merged_into_id},
            code="customer_merged",
        )


def _save_changes(customer: Customer, cleaned: dict, *, keep_filled: bool) -> None:
    changed = []
    for name, value in cleaned.items():
        current = getattr(customer, name)
        if value == current or (keep_filled and value in ("", None)):
            continue
        setattr(customer, name, value)
        changed.append(name)
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])


def _tags_add(customer: Customer, names: list[str]) -> None:
    CustomerTag.objects.bulk_create(
        [CustomerTag(shop_id=customer.shop_id, customer=customer, name=name) for name in names],
        ignore_conflicts=True,
    )


def customer_tags_add(*, customer: Customer, tags) -> list[str]:
    """Add `tags` to the customer's tags (those it has stay). Returns the tags added."""
    names = tags_clean(tags)
    _tags_add(customer, names)
    return names


def customer_tags_set(*, customer: Customer, tags) -> list[str]:
    """Replace the customer's tags with `tags`. Returns the tags as stored."""
    names = tags_clean(tags)
    with transaction.atomic():
        CustomerTag.objects.filter(customer=customer).exclude(name__in=names).delete()
        _tags_add(customer, names)
    return names


def _claim_waiting_events(customer: Customer) -> None:
    """Events sent with this external id before the customer existed now belong to them."""
    claimed = CustomerEvent.objects.filter(
        shop_id=customer.shop_id, customer__isnull=True, customer_external_id=customer.external_id
    ).update(customer=customer)
    if claimed:
        customers_last_seen_refresh(shop_id=customer.shop_id, customer_ids=[customer.pk])
        journey_stages_refresh(shop_id=customer.shop_id, customer_ids=[customer.pk])


def _refresh_referrer(cleaned: dict) -> None:
    """Referring a customer makes the referrer an advocate."""
    referrer = cleaned.get("referred_by")
    if referrer is not None:
        journey_stages_refresh(shop_id=referrer.shop_id, customer_ids=[referrer.pk])


def _lock_or_create(shop: Shop, external_id: str) -> tuple[Customer, bool]:
    existing = Customer.objects.select_for_update().filter(shop=shop, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Customer.objects.create(shop=shop, external_id=external_id), True
    except IntegrityError:
        # Another request created the same customer in the meantime.
        return Customer.objects.select_for_update().get(shop=shop, external_id=external_id), False


def customer_create_or_update(*, shop: Shop, external_id: str, **fields) -> tuple[Customer, bool]:
    """`customer_upsert`, also telling whether the customer was created."""
    external_id = _clean_external_id(external_id)
    tags = tags_clean(fields.pop("tags")) if "tags" in fields else []
    cleaned = profile_clean(shop=shop, fields=fields)
    with transaction.atomic():
        customer, created = _lock_or_create(shop, external_id)
        customer = customer_survivor(customer, for_update=True)
        customer.shop = shop  # the caller's object (a merge stays in its shop): reading it costs no query
        _save_changes(customer, cleaned, keep_filled=not created)
        _tags_add(customer, tags)
        if created:
            _claim_waiting_events(customer)
        _refresh_referrer(cleaned)
    return customer, created


def customer_upsert(*, shop: Shop, external_id: str, **fields) -> Customer:
    """Create the shop's customer with this storefront id, or update it.

    `fields`: any of PROFILE_FIELDS, plus `tags` (added to the existing ones). The phone is stored in
    E.164. On an update, blank values never overwrite what is stored: a checkout without an e-mail does
    not wipe the e-mail given before (customer_update clears fields). The id of a profile merged into
    another one updates the kept profile. Raises InvalidInput naming the fields at fault."""
    customer, _created = customer_create_or_update(shop=shop, external_id=external_id, **fields)
    return customer


def customer_create(*, shop: Shop, external_id: str | None = None, **fields) -> Customer:
    """Create a customer, with or without a storefront id (e.g. one met at the shop counter).

    Refuses (Conflict) a storefront id another customer of the shop already has."""
    tags = tags_clean(fields.pop("tags")) if "tags" in fields else []
    external_id = _clean_external_id(external_id) if external_id else None
    cleaned = profile_clean(shop=shop, fields=fields)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(shop=shop, external_id=external_id, **cleaned)
            _tags_add(customer, tags)
            if external_id:
                _claim_waiting_events(customer)
            _refresh_referrer(cleaned)
    except IntegrityError:
        raise Conflict(
            _("Another customer already has this external id."),
            code="duplicate_external_id",
            fields={"external_id": [_("Another customer already has this external id.")]},
        ) from None
    return customer


STAFF_EXTERNAL_ID_PREFIX = "SC-"


def customer_external_id_ensure(*, customer: Customer) -> str:
    """The customer's storefront id, giving one first to a profile that has none (met at the shop
    counter, entered by staff): `SC-<our id>`, which no other profile can hold as it is built from
    the row's own id. Code that names customers by that id (the checkout, behaviour events) then
    finds this one. Refuses an erased or merged profile (NotAllowed)."""
    customer_check_current(customer)
    if customer.external_id:
        return customer.external_id
    external_id = f"{STAFF_EXTERNAL_ID_PREFIX}{customer.pk}"
    Customer.objects.filter(pk=customer.pk, external_id__isnull=True).update(
        external_id=external_id, updated_at=timezone.now()
    )
    customer.refresh_from_db(fields=["external_id"])
    return customer.external_id


def customer_update(*, customer: Customer, **fields) -> Customer:
    """Change the given profile fields (blank values clear them) and, if `tags` is given, replace the
    tags. Refuses an erased or merged profile (NotAllowed) and bad values (InvalidInput)."""
    tags = tags_clean(fields.pop("tags")) if "tags" in fields else None
    cleaned = profile_clean(shop=customer.shop, fields=fields)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        customer_check_current(locked)
        _save_changes(locked, cleaned, keep_filled=False)
        if tags is not None:
            customer_tags_set(customer=locked, tags=tags)
        _refresh_referrer(cleaned)
    return locked


# --- Addresses -------------------------------------------------------------------------------------

ADDRESS_FIELDS = ("label", "recipient_name", "phone", "street", "ward", "district", "province")
ADDRESS_REQUIRED = ("recipient_name", "phone", "street", "ward", "province")


def _address_clean(fields: dict, *, partial: bool) -> dict:
    unknown = set(fields) - {*ADDRESS_FIELDS, "is_default"}
    if unknown:
        raise TypeError(f"not address fields: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    cleaned = {
        name: (_text_value(value, errors, name) if name != "is_default" else bool(value))
        for name, value in fields.items()
    }
    for name in ADDRESS_REQUIRED:
        if (name in cleaned or not partial) and not cleaned.get(name) and name not in errors:
            errors[name] = [_("This field is required.")]
    if cleaned.get("phone") and "phone" not in errors:
        try:
            cleaned["phone"] = phone_to_e164(cleaned["phone"])
        except ValidationError as error:
            errors["phone"] = error.messages
    for name in ADDRESS_FIELDS:
        max_length = Address._meta.get_field(name).max_length
        if len(cleaned.get(name) or "") > max_length and name not in errors:
            errors[name] = [_("Give at most %(max)d characters.") % {"max": max_length}]
    if errors:
        raise InvalidInput(fields=errors)
    return cleaned


def _lock_customer(customer_id: int) -> Customer:
    """Lock the customer row: address changes of one customer run one at a time, so there is always
    exactly one default address."""
    return Customer.objects.select_for_update().get(pk=customer_id)


def address_create(*, customer: Customer, **fields) -> Address:
    """Add an address. The first one, or one with `is_default=True`, becomes the default.

    Required: recipient_name, phone, street, ward, province; district and label are optional."""
    cleaned = _address_clean(fields, partial=False)
    make_default = cleaned.pop("is_default", False)
    with transaction.atomic():
        customer_check_current(_lock_customer(customer.pk))
        has_default = Address.objects.filter(customer=customer, is_default=True).exists()
        if make_default and has_default:
            Address.objects.filter(customer=customer, is_default=True).update(is_default=False)
        return Address.objects.create(
            shop_id=customer.shop_id, customer=customer, is_default=make_default or not has_default, **cleaned
        )


def address_update(*, address: Address, **fields) -> Address:
    """Change the given fields; `is_default=True` makes it the default (un-defaulting is refused:
    choose another default instead)."""
    cleaned = _address_clean(fields, partial=True)
    make_default = cleaned.pop("is_default", None)
    if make_default is False and address.is_default:
        raise InvalidInput(fields={"is_default": [_("Make another address the default instead.")]})
    with transaction.atomic():
        _lock_customer(address.customer_id)
        if make_default and not address.is_default:
            Address.objects.filter(customer_id=address.customer_id, is_default=True).update(is_default=False)
            cleaned["is_default"] = True
        for name, value in cleaned.items():
            setattr(address, name, value)
        address.save()
    return address


def address_delete(*, address: Address) -> None:
    """Delete an address; when it was the default, the oldest remaining one becomes the default."""
    with transaction.atomic():
        _lock_customer(address.customer_id)
        address.delete()
        if address.is_default:
            oldest = Address.objects.filter(customer_id=address.customer_id).order_by("pk").first()
            if oldest is not None:
                Address.objects.filter(pk=oldest.pk).update(is_default=True)
