"""Phone numbers in one form, E.164 (`0912 345 678` -> `+84912345678`), so that search, duplicate
detection and SMS/Zalo sending see one customer once, however the number was typed."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_REGION = "VN"

# Vietnam moved its 11-digit mobile numbers to 10 digits in 2018 (0166 xxx xxxx -> 036 xxx xxxx);
# customer lists older than that still hold the old form.
OLD_MOBILE_PREFIXES = {
    "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
    "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
    "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
    "186": "56", "188": "58", "199": "59",
}  # fmt: skip
OLD_MOBILE = re.compile(r"^(?:\+?84|0)(1\d\d)(\d{7})$")


def _renumbered(raw: str) -> str:
    digits = re.sub(r"[^\d+]", "", raw)
    match = OLD_MOBILE.match(digits)
    if match and match.group(1) in OLD_MOBILE_PREFIXES:
        return f"+84{OLD_MOBILE_PREFIXES[match.group(1)]}{match.group(2)}"
    return raw


def phone_to_e164(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """The number in E.164; "" for a blank one. Numbers without a country code are read as Vietnamese.

    Raises ValidationError for text that is not a valid phone number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(_renumbered(raw), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("%(value)s is not a valid phone number.") % {"value": raw}, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_fragments(term: str) -> list[str]:
    """What to look for in stored E.164 numbers when staff search by (part of) a phone number typed
    with or without +84 / 84 / a leading 0; empty when the term does not look like a phone number."""
    compact = re.sub(r"[\s.\-()]", "", term)
    if not re.fullmatch(r"\+?\d{4,15}", compact):
        return []
    digits = compact.lstrip("+")
    fragments = [digits]
    for prefix in ("84", "0"):
        # "0912..." and "84912..." are both "+84912..."; "845..." may also be digits inside a number.
        if digits.startswith(prefix) and len(digits) > len(prefix) + 2:
            fragments.append(digits[len(prefix) :])
    return fragments
