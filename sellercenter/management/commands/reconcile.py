"""`python manage.py reconcile [--shop SLUG]`: do the apps agree? Exit status 1 naming each problem."""

from django.core.management.base import BaseCommand, CommandError

from sellercenter.models import Shop
from sellercenter.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Run every app's checks (loyalty_check, finance_reconcile) and the cross-app ones: each customer's "
        "purchase facts equal their orders; each completed order's points award exists once and matches the "
        "programme; each campaign's spent equals its redemptions and the discounts on its orders; each "
        "delivered order has its statement line. Exits with status 1 naming each problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="Check only the shop with this slug.")

    def handle(self, *args, shop=None, **options):
        selected = None
        if shop:
            selected = Shop.objects.filter(slug=shop).first()
            if selected is None:
                raise CommandError(f"No shop with the slug {shop!r}.")
        problems = reconcile(shop=selected)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found: the apps disagree.", returncode=1)
        self.stdout.write(self.style.SUCCESS("The apps agree: no problem found."))
