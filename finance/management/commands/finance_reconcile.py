"""Check finance's invariants; exit non-zero on any mismatch (for cron and monitoring)."""

from django.core.management.base import BaseCommand, CommandError

from finance.selectors import reconcile_problems
from sellercenter.models import Shop


class Command(BaseCommand):
    help = (
        "Check that each delivered order has exactly one sale line matching it, each statement's totals "
        "equal its lines, closing balance = opening + net, and no closed statement changed since closing. "
        "Exits with status 1 when anything is off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="only this shop (its slug)")

    def handle(self, *args, shop=None, **options):
        scope = None
        if shop:
            scope = Shop.objects.filter(slug=shop).first()
            if scope is None:
                raise CommandError(f"No shop with the slug {shop!r}.")
        problems = reconcile_problems(shop=scope)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} finance problem(s) found.")
        self.stdout.write(self.style.SUCCESS("Finance reconciles: no problem found."))
