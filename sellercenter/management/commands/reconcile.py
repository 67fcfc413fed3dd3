"""`python manage.py reconcile [--shop SLUG]`: do the apps agree? Exit status 1 naming each problem."""

from sellercenter.check_command import ShopCheckCommand
from sellercenter.reconcile import reconcile


class Command(ShopCheckCommand):
    help = (
        "Run every app's checks (loyalty_check, finance_reconcile) and the cross-app ones: each customer's "
        "purchase facts equal their orders; each completed order's points award exists once and matches the "
        "programme; each campaign's spent equals its redemptions and the discounts on its orders; each order "
        "credited to a journey's message counts what the order kept; each delivered order has its statement "
        "line. Exits with status 1 naming each problem."
    )
    failure = "%(count)d problem(s) found: the apps disagree."
    success = "The apps agree: no problem found."

    def problems(self, *, shop):
        return reconcile(shop=shop)
