"""Load provinces and wards (with the carriers' ids) from a JSON file in the shape of
orders/shipping/data/units.json; without a path, the sample that ships with the code."""

from pathlib import Path

from django.core.management.base import BaseCommand

from orders.shipping.units import SAMPLE, units_load_file


class Command(BaseCommand):
    help = "Load provinces and wards with the carriers' ids from a JSON file (default: the bundled sample)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(SAMPLE))

    def handle(self, *args, path, **options):
        provinces, wards = units_load_file(Path(path))
        self.stdout.write(f"{provinces} provinces, {wards} wards loaded.")
