"""Write the sample order report of each marketplace (orders/marketplaces/samples/*.xlsx)."""

from django.core.management.base import BaseCommand

from orders.marketplaces.samples import samples_write


class Command(BaseCommand):
    help = "Write the sample order reports of Shopee, Lazada and TikTok Shop from the demo catalogue."

    def handle(self, *args, **options):
        for path in samples_write():
            self.stdout.write(str(path))
