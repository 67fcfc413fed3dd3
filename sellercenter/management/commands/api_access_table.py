"""`manage.py api_access_table [--readme README.md]`: the API's access table, from the views' declarations."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sellercenter.api.access import UndeclaredAccess, access_rows, access_table_markdown, replace_table
from sellercenter.models import Role
from sellercenter.selectors import role_permissions


class Command(BaseCommand):
    help = "Print the table of every API endpoint and method with the key scopes and staff roles it allows."

    def add_arguments(self, parser):
        parser.add_argument("--readme", type=Path, help="Rewrite the table in this file (between its markers).")

    def handle(self, *args, readme: Path | None = None, **options):
        try:
            table = access_table_markdown(access_rows(role_permissions(Role.values)))
        except UndeclaredAccess as error:
            raise CommandError(str(error)) from error
        if readme is None:
            self.stdout.write(table, ending="")
            return
        readme.write_text(replace_table(readme.read_text(encoding="utf-8"), table), encoding="utf-8")
        self.stdout.write(f"{readme}: table rewritten")
