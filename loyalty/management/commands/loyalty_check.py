"""`python manage.py loyalty_check [--shop SLUG]`: exit status 1 when the ledger and the balances disagree."""

from django.core.management.base import BaseCommand, CommandError

from loyalty.selectors import ledger_mismatches
from sellercenter.models import Shop


class Command(BaseCommand):
    help = (
        "Check the loyalty ledger: cached balances equal the sum of the entries and of the lots, no negative "
        "balance, no order awarded twice, no clawback beyond the award. Exits with status 1 on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="Check only the shop with this slug.")

    def handle(self, *args, shop=None, **options):
        selected = None
        if shop:
            selected = Shop.objects.filter(slug=shop).first()
            if selected is None:
                raise CommandError(f"No shop with the slug {shop!r}.")
        problems = ledger_mismatches(shop=selected)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} loyalty ledger problem(s) found.", returncode=1)
        self.stdout.write(self.style.SUCCESS("The loyalty ledger is consistent."))
