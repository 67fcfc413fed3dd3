"""Recompute the daily rollups of the home and the insights API from the source rows."""

from django.core.management.base import BaseCommand, CommandError

from sellercenter.insights.rollups import rollups_rebuild
from sellercenter.models import Shop


class Command(BaseCommand):
    help = "Recompute every shop's daily rollups (or one shop's, with --shop SLUG) from orders, events and lines."

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="the slug of one shop (default: every shop)")

    def handle(self, *args, shop=None, **options):
        shops = Shop.objects.all()
        if shop:
            shops = shops.filter(slug=shop)
            if not shops.exists():
                raise CommandError(f"No shop has the slug {shop!r}.")
        for each in shops:
            days = rollups_rebuild(shop=each)
            self.stdout.write(f"{each.slug}: {days} days recomputed")
