"""Batches of unique single-use voucher codes for a campaign."""

import re
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.models import Campaign, CodeMode, Status, Voucher
from promotions.selectors import normalize_code
from promotions.services.campaigns import _locked, _refuse
from sellercenter.errors import InvalidInput

PREFIX_PATTERN = re.compile(r"[A-Z0-9_-]{0,12}")


# No 0/O, 1/I/L: codes are read off screens and paper. 31 symbols, 10 of them: about 50 bits.
VOUCHER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


VOUCHER_RANDOM_LENGTH = 10


MAX_VOUCHERS_PER_BATCH = 10_000


def _random_codes(prefix: str, count: int) -> set[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(prefix + "".join(secrets.choice(VOUCHER_ALPHABET) for _i in range(VOUCHER_RANDOM_LENGTH)))
    return codes


def _free_codes(shop, prefix: str, count: int) -> set[str]:
    """`count` random codes that no voucher or shared code of the shop uses yet."""
    codes = _random_codes(prefix, count)
    while True:
        taken = set(Voucher.objects.filter(shop=shop, code__in=codes).values_list("code", flat=True))
        taken |= set(Campaign.objects.filter(shop=shop, code__in=codes).values_list("code", flat=True))
        if not taken:
            return codes
        codes = (codes - taken) | _random_codes(prefix, len(taken))


def vouchers_generate(*, campaign: Campaign, count: int, prefix: str = "") -> list[Voucher]:
    """Generate `count` unique single-use codes `<PREFIX><10 random symbols>` for a campaign with
    unique codes. Refuses another code mode, an ended campaign, a count outside 1-10,000 or a prefix
    that is not up to 12 letters, digits, - or _."""
    prefix = normalize_code(prefix)
    errors = {}
    if not 1 <= count <= MAX_VOUCHERS_PER_BATCH:
        errors["count"] = [_("Give a number from 1 to %(max)d.") % {"max": MAX_VOUCHERS_PER_BATCH}]
    if not PREFIX_PATTERN.fullmatch(prefix):
        errors["prefix"] = [_("Use up to 12 letters, digits, - or _.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.code_mode != CodeMode.UNIQUE:
            _refuse(campaign, _("Only a campaign with unique voucher codes can have a batch generated."))
        if campaign.status == Status.ENDED:
            _refuse(campaign, _("The campaign has ended."))
        now = timezone.now()
        # Readable (prefix, shop time) and distinct even for two batches in the same minute.
        batch = (
            f"{prefix or '-'} {timezone.localtime(now, campaign.shop.tzinfo):%Y-%m-%d %H:%M} #{secrets.token_hex(2)}"
        )
        vouchers = [
            Voucher(shop=campaign.shop, campaign=campaign, code=code, batch=batch)
            for code in sorted(_free_codes(campaign.shop, prefix, count))
        ]
        return Voucher.objects.bulk_create(vouchers, batch_size=1000)
