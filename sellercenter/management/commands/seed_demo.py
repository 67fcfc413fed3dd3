"""Demo data: two Vietnamese shops, one staff login per role, an API key; then each app's own demo data.

Idempotent: running it again updates the same rows and issues a fresh demo API key (the old one is
deleted: a key's secret cannot be shown twice). Refused in production.
"""

import importlib.util

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sellercenter import services
from sellercenter.insights.rollups import rollups_rebuild
from sellercenter.models import ApiKey, ApiScope, Role, Shop

DEMO_PASSWORD = "demo-12345"  # noqa: S105 - local demo logins, printed on purpose
DEMO_KEY_NAME = "Demo storefront"

SHOPS = [
    {
        "slug": "hoa-mai",
        "name": "Thời Trang Hoa Mai",
        "contact_email": "cskh@hoamai.example.vn",
        "contact_phone": "+84912345678",
        "handling_days": 2,
        "return_window_days": 7,
    },
    {
        "slug": "sen-viet",
        "name": "Mỹ Phẩm Sen Việt",
        "contact_email": "hotro@senviet.example.vn",
        "contact_phone": "+842838221234",
        "handling_days": 1,
        "return_window_days": 15,
    },
]

# (username suffix, role, first name, last name)
STAFF = [
    ("owner", Role.OWNER, "Lan", "Nguyễn Thị"),
    ("ops", Role.OPERATIONS, "Minh", "Trần Văn"),
    ("marketing", Role.MARKETING, "Hương", "Lê Thu"),
    ("accountant", Role.ACCOUNTANT, "Dũng", "Phạm Quốc"),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent): shops, staff logins per role, an API key, and every app's demo data."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo is for local demos; it refuses to run with DJANGO_ENV=production.")
        with transaction.atomic():
            shops = [self._shop(spec) for spec in SHOPS]
            logins = self._staff(shops)
            secret = self._api_key(shops[0])
            for seed in self._app_seeders():
                seed(shops=shops, stdout=self.stdout)
            for shop in shops:
                rollups_rebuild(shop=shop)
        self._report(logins, shops[0], secret)

    def _shop(self, spec: dict) -> Shop:
        shop = Shop.objects.filter(slug=spec["slug"]).first()
        if shop is None:
            return services.shop_create(**spec)
        for field, value in spec.items():
            setattr(shop, field, value)
        shop.save()
        return shop

    def _user(self, username: str, **fields):
        User = get_user_model()
        user, _created = User.objects.get_or_create(username=username, defaults=fields)
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user

    def _staff(self, shops: list[Shop]) -> list[tuple[str, str]]:
        self._user("admin", is_staff=True, is_superuser=True, email="admin@example.vn")
        logins = [("admin", "superuser (marketplace operator)")]
        for shop in shops:
            login_prefix = shop.slug.replace("-", "")
            for suffix, role, first_name, last_name in STAFF:
                username = f"{login_prefix}.{suffix}"
                user = self._user(username, first_name=first_name, last_name=last_name, is_staff=True)
                services.membership_set(user=user, shop=shop, role=role)
                logins.append((username, f"{role.label} · {shop.name}"))
        return logins

    def _api_key(self, shop: Shop) -> str:
        ApiKey.objects.filter(shop=shop, name=DEMO_KEY_NAME).delete()
        _key, secret = services.api_key_create(
            shop=shop, name=DEMO_KEY_NAME, scopes=[ApiScope.STOREFRONT, ApiScope.BACK_OFFICE]
        )
        return secret

    def _app_seeders(self):
        """`seed(shops, stdout)` of every project app that has a `demo` module, in INSTALLED_APPS order."""
        for app_config in apps.get_app_configs():
            if app_config.name == "sellercenter" or not str(app_config.path).startswith(str(settings.BASE_DIR)):
                continue
            module_name = f"{app_config.name}.demo"
            if importlib.util.find_spec(module_name) is not None:
                yield importlib.import_module(module_name).seed

    def _report(self, logins, shop: Shop, secret: str) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo data is ready."))
        out.write(f"Admin: http://127.0.0.1:8000/admin/  (password for every login: {DEMO_PASSWORD})")
        for username, what in logins:
            out.write(f"  {username:<22} {what}")
        out.write("API:   http://127.0.0.1:8000/api/v1/  docs: http://127.0.0.1:8000/api/docs/")
        out.write(f"  API key for {shop.name} (storefront + back_office):")
        out.write(f"  Authorization: Api-Key {secret}")
