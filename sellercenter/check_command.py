"""What the consistency commands share (`reconcile`, `loyalty_check`, `finance_reconcile`): an optional
`--shop SLUG`, each problem on stderr, exit status 1 when there is any (for cron and monitoring), and
the shape of a problem they report."""

from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from sellercenter.models import Shop


@dataclass(frozen=True)
class Problem:
    """One disagreement a check found: which check, what it is about (an order number, a statement
    reference, a customer's storefront id: something a person can look up), and what is off."""

    check: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.detail}"


class ShopCheckCommand(BaseCommand):
    """Subclasses say what they check (`problems`) and how to report the outcome."""

    failure = "%(count)d problem(s) found."
    success = "No problem found."

    def problems(self, *, shop: Shop | None) -> list:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="Check only the shop with this slug.")

    def handle(self, *args, shop=None, **options):
        selected = None
        if shop:
            selected = Shop.objects.filter(slug=shop).first()
            if selected is None:
                raise CommandError(f"No shop with the slug {shop!r}.")
        problems = self.problems(shop=selected)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(self.failure % {"count": len(problems)}, returncode=1)
        self.stdout.write(self.style.SUCCESS(self.success))
