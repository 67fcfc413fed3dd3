"""`python manage.py loyalty_check [--shop SLUG]`: exit status 1 when the ledger and the balances disagree."""

from loyalty.selectors import ledger_mismatches
from sellercenter.check_command import ShopCheckCommand


class Command(ShopCheckCommand):
    help = (
        "Check the loyalty ledger: cached balances equal the sum of the entries and of the lots, no negative "
        "balance, no order awarded twice, no clawback beyond the award. Exits with status 1 on any mismatch."
    )
    failure = "%(count)d loyalty ledger problem(s) found."
    success = "The loyalty ledger is consistent."

    def problems(self, *, shop):
        return ledger_mismatches(shop=shop)
