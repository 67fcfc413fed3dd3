"""Check finance's invariants; exit non-zero on any mismatch (for cron and monitoring)."""

from finance.selectors import reconcile_problems
from sellercenter.check_command import ShopCheckCommand


class Command(ShopCheckCommand):
    help = (
        "Check that each delivered order has exactly one sale line matching it, each statement's totals "
        "equal its lines, closing balance = opening + net, and no closed statement changed since closing. "
        "Exits with status 1 when anything is off."
    )
    failure = "%(count)d finance problem(s) found."
    success = "Finance reconciles: no problem found."

    def problems(self, *, shop):
        return reconcile_problems(shop=shop)
