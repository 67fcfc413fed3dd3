"""Provinces and wards as carriers place them: matching a typed address to the two-level units, and
loading the list of units (a small sample ships with the code; production loads the full list)."""

import json
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import Province, Ward
from sellercenter.errors import InvalidInput
from sellercenter.text import search_key

SAMPLE = Path(__file__).resolve().parent / "data" / "units.json"
# Words that name the kind of unit: people type "TP. HCM", "Hà Nội" or "Thành phố Hà Nội" for one place.
PREFIXES = ("thanh pho ", "tp. ", "tp ", "tinh ", "phuong ", "xa ", "dac khu ", "thi tran ")
ALIASES = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh", "hn": "ha noi"}


def unit_key(name: str) -> str:
    """A unit's name folded for matching: no accents (đ as d), lower case, single spaces, no prefix."""
    text = search_key(name)
    for prefix in PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return ALIASES.get(text, text)


def ward_find(*, province: str, ward: str) -> Ward | None:
    """The ward named `ward` in the province named `province`, or None."""
    return Ward.objects.select_related("province").filter(province__key=unit_key(province), key=unit_key(ward)).first()


def ward_resolve(address: dict) -> Ward:
    """The ward of a checkout address; raises InvalidInput naming `shipping_address.province` or
    `shipping_address.ward` when carriers could not place it."""
    if not Province.objects.filter(key=unit_key(address.get("province", ""))).exists():
        raise InvalidInput(
            fields={"shipping_address.province": [_("Carriers do not know this province; choose one of the 34.")]}
        )
    ward = ward_find(province=address["province"], ward=address.get("ward", ""))
    if ward is None:
        raise InvalidInput(
            fields={"shipping_address.ward": [_("Carriers cannot place this ward in this province; check its name.")]}
        )
    return ward


@transaction.atomic
def units_load(data: dict) -> tuple[int, int]:
    """Create or update the provinces and wards of `data` (the shape of data/units.json). Returns
    (provinces, wards) written. Units missing from `data` stay: addresses may still refer to them."""
    provinces = wards = 0
    for item in data["provinces"]:
        province, _created = Province.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "key": unit_key(item["name"]),
                "ghn_province_id": item.get("ghn_province_id"),
                "ghtk_name": item.get("ghtk_name", ""),
            },
        )
        provinces += 1
        for unit in item.get("wards", []):
            Ward.objects.update_or_create(
                code=unit["code"],
                defaults={
                    "province": province,
                    "name": unit["name"],
                    "key": unit_key(unit["name"]),
                    "ghn_district_id": unit.get("ghn_district_id"),
                    "ghn_ward_code": unit.get("ghn_ward_code", ""),
                    "ghtk_district": unit.get("ghtk_district", ""),
                    "ghtk_name": unit.get("ghtk_name", unit["name"]),
                },
            )
            wards += 1
    return provinces, wards


def units_load_file(path: Path = SAMPLE) -> tuple[int, int]:
    return units_load(json.loads(Path(path).read_text(encoding="utf-8")))
