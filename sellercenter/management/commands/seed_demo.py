"""Demo data: two Vietnamese shops, one staff login per role, an API key; then each app's own demo data.

Idempotent: running it again updates the same rows and issues a fresh demo API key (the old one is
deleted: a key's secret cannot be shown twice). Refused in production.
"""

import functools
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from customers import demo as customers_demo
from finance import demo as finance_demo
from loyalty import demo as loyalty_demo
from orders import demo as orders_demo
from promotions import demo as promotions_demo
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

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            type=int,
            default=orders_demo.ORDERS_PER_SHOP,
            help=f"orders per shop (default {orders_demo.ORDERS_PER_SHOP}; fewer for a quick look or a test)",
        )

    def handle(self, *args, size: int = orders_demo.ORDERS_PER_SHOP, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo is for local demos; it refuses to run with DJANGO_ENV=production.")
        if size < 1:
            raise CommandError("--size must be at least 1.")
        self.size = size
        started = time.monotonic()
        # The demo orders' customer e-mails (hundreds) go to an in-memory outbox, not to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._load()
        self.stdout.write(f"Demo data loaded in {time.monotonic() - started:.0f} s.")

    def _load(self) -> None:
        with transaction.atomic():
            shops = [self._shop(spec) for spec in SHOPS]
            logins = self._staff(shops)
            secret = self._api_key(shops[0])
            for seed in self._app_seeders():
                step_started = time.monotonic()
                seed(shops=shops, stdout=self.stdout)
                self.stdout.write(f"  ({time.monotonic() - step_started:.1f} s)")
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
        """The apps' demo steps, in the order the story needs: customers and their loyalty accounts,
        the catalogue and the fee rules, the campaigns that name products, then the orders placed
        and moved by the services (they feed every app), then finance's statements of those orders."""
        yield functools.partial(customers_demo.seed, scale=self.size / orders_demo.ORDERS_PER_SHOP)
        yield loyalty_demo.seed
        yield orders_demo.seed_catalogue
        yield finance_demo.seed_fee_rules
        yield promotions_demo.seed
        yield functools.partial(orders_demo.seed, size=self.size)
        yield finance_demo.seed

    def _report(self, logins, shop: Shop, secret: str) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo data is ready."))
        out.write(f"Admin: http://127.0.0.1:8000/admin/  (password for every login: {DEMO_PASSWORD})")
        for username, what in logins:
            out.write(f"  {username:<22} {what}")
        out.write("API:   http://127.0.0.1:8000/api/v1/  docs: http://127.0.0.1:8000/api/docs/")
        out.write(f"  API key for {shop.name} (storefront + back_office):")
        out.write(f"  Authorization: Api-Key {secret}")
