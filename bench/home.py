"""Home benchmark: the seller's home (admin index) and GET /api/v1/insights on a shop with
1.000.000 orders, against the raw SQL of the same figures straight from the orders table.

    make bench NAME=home                        # throwaway PostgreSQL cluster, 1.000.000 orders
    .venv/bin/python bench/home.py --orders 200000

Orders (one line each, spread over 400 days, every status) are generated with SQL on PostgreSQL,
then `rollups_rebuild` folds them into the daily rollups. Printed: generation and rebuild times,
then the median and p95 server time of the home and the insights endpoint (in-process, Django's
test client, 20 runs each after a warm-up) and of the raw SQL, and their ratio. The goal is 300 ms
or less per page and within 3x the raw SQL.
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from checkout import bench_database, postgres_server  # the checkout benchmark's throwaway cluster

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAYS = 400
CUSTOMERS = 20_000
STATUSES = [  # (status, share in %)
    ("completed", 55), ("delivered", 10), ("shipped", 8), ("cancelled", 8), ("confirmed", 4), ("packed", 3),
    ("picking", 3), ("pending_payment", 3), ("delivery_failed", 2), ("returned_to_sender", 2), ("ready_to_ship", 2),
]  # fmt: skip
RUNS = 20


def _column_sql(field, overrides: dict) -> str:
    """A value for every column of a generated row: ours, else the field's empty value."""
    from django.db import models

    if field.column in overrides:
        return overrides[field.column]
    if field.null:
        return "NULL"
    if isinstance(field, models.JSONField):
        return "'[]'::jsonb" if field.default is list else "'{}'::jsonb"
    if isinstance(field, models.BooleanField):
        return "false"
    if isinstance(field, models.DateTimeField):
        return "now()"
    if isinstance(field, models.DecimalField | models.IntegerField):
        return "0"
    return "''"


def generate(shop, orders: int) -> float:
    """Customers, one product per 50 SKUs, `orders` orders with one line each; returns seconds."""
    from django.db import connection

    from customers.models import Customer
    from orders.models import Order, OrderLine, Product

    started = time.perf_counter()
    Customer.objects.bulk_create(
        [Customer(shop=shop, external_id=f"KH-{i}", full_name=f"Khách {i}") for i in range(CUSTOMERS)], batch_size=5000
    )
    Product.objects.bulk_create(
        [Product(shop=shop, sku=f"SP-{i:03d}", name=f"Sản phẩm {i}", price=100000 + 1000 * i, stock_on_hand=1000)
         for i in range(50)]
    )  # fmt: skip
    cases = []
    bound = 0
    for status, share in STATUSES:
        bound += share
        cases.append(f"WHEN (g %% 100) < {bound} THEN '{status}'")
    status = f"CASE {' '.join(cases)} END"
    placed = f"now() - ((g %% {DAYS}) || ' days')::interval - ((g %% 1440) || ' minutes')::interval"
    overrides = {
        "id": "g", "shop_id": str(shop.pk), "number": "'SC-' || lpad(g::text, 7, '0')",
        "customer_id": f"(SELECT min(id) FROM customers_customer) + (g %% {CUSTOMERS})",
        "channel": "(ARRAY['website','app','fanpage','marketplace','pos'])[1 + g %% 5]",
        "status": status, "payment_method": "(ARRAY['cod','vnpay','momo','bank_transfer'])[1 + g %% 4]",
        "currency": "'VND'", "subtotal": "100000 + (g %% 50) * 1000", "total": "100000 + (g %% 50) * 1000",
        "recipient_name": "'Nguyễn Thị Lan'", "recipient_phone": "'0912345678'", "street": "'12 Hàng Bạc'",
        "ward": "'Hoàn Kiếm'", "province": "'Hà Nội'", "placed_at": placed,
        "confirmed_at": f"CASE WHEN {status} <> 'pending_payment' THEN {placed} + interval '10 minutes' END",
        "ship_by_at": f"{placed} + interval '2 days'", "deliver_by_at": f"{placed} + interval '5 days'",
        "shipped_at": f"CASE WHEN {status} IN ('shipped','delivered','completed','delivery_failed',"
                      f"'returned_to_sender') THEN {placed} + ((g %% 72) || ' hours')::interval END",
        "delivered_at": f"CASE WHEN {status} IN ('delivered','completed') THEN {placed} + interval '3 days' END",
        "cancelled_at": f"CASE WHEN {status} = 'cancelled' THEN {placed} + interval '1 hour' END",
        "updated_at": "now()",
    }  # fmt: skip
    columns = [f for f in Order._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Order._meta.db_table} ({', '.join(f.column for f in columns)}) "
            f"SELECT {', '.join(_column_sql(f, overrides) for f in columns)} FROM generate_series(1, %s) AS g",
            [orders],
        )
        line_columns = [f for f in OrderLine._meta.concrete_fields if f.column != "id"]
        line_values = {
            "order_id": "o.id", "product_id": "(SELECT min(id) FROM orders_product) + o.id %% 50",
            "sku": "'SP-' || lpad((o.id %% 50)::text, 3, '0')", "name": "'Sản phẩm ' || (o.id %% 50)",
            "unit_price": "o.subtotal", "quantity": "1", "total": "o.subtotal", "shop_id": "o.shop_id",
        }  # fmt: skip
        cursor.execute(
            f"INSERT INTO {OrderLine._meta.db_table} ({', '.join(f.column for f in line_columns)}) "
            f"SELECT {', '.join(_column_sql(f, line_values) for f in line_columns)} FROM {Order._meta.db_table} o",
            [],
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Order._meta.db_table}', 'id'), %s)", [orders])
        # The steady state autovacuum keeps: statistics and the visibility map (index-only scans).
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def timed(call) -> list[float]:
    call()  # warm-up: code paths and caches
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


RAW_FIGURES = """
SELECT (placed_at AT TIME ZONE %(tz)s)::date AS day, count(*),
       count(*) FILTER (WHERE confirmed_at IS NOT NULL AND status NOT IN ('cancelled','returned_to_sender')),
       sum(total - refunded_amount) FILTER (WHERE confirmed_at IS NOT NULL AND status NOT IN ('cancelled','returned_to_sender')),
       count(*) FILTER (WHERE status = 'cancelled'),
       count(*) FILTER (WHERE delivered_at IS NOT NULL), count(*) FILTER (WHERE delivered_at <= deliver_by_at),
       avg(shipped_at - confirmed_at)
FROM orders_order WHERE shop_id = %(shop)s AND placed_at >= %(since)s AND placed_at < %(until)s
      AND replacement_for_id IS NULL
GROUP BY 1
"""  # noqa: E501
RAW_TODOS = """
SELECT count(*) FILTER (WHERE status = 'pending_payment'), count(*) FILTER (WHERE status IN ('confirmed','allocated')),
       count(*) FILTER (WHERE status IN ('picking','quality_check')), count(*) FILTER (WHERE status IN ('packed','ready_to_ship')),
       count(*) FILTER (WHERE status = 'delivery_failed')
FROM orders_order WHERE shop_id = %(shop)s AND status IN ('pending_payment','confirmed','allocated','picking','quality_check',
      'packed','ready_to_ship','delivery_failed')
"""  # noqa: E501


def raw_sql(shop, days: int):
    """The same figures (both periods, the to-dos, the top products) straight from the source rows."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    until = timezone.now()
    since = until - timedelta(days=2 * days)
    params = {"tz": shop.time_zone, "shop": shop.pk, "since": since, "until": until}

    def run():
        with connection.cursor() as cursor:
            cursor.execute(RAW_FIGURES, params)
            cursor.fetchall()
            cursor.execute(RAW_TODOS, params)
            cursor.fetchall()
            cursor.execute(
                "SELECT l.sku, sum(l.quantity), sum(l.total) FROM orders_orderline l "
                "JOIN orders_order o ON o.id = l.order_id "
                "WHERE o.shop_id = %(shop)s AND o.placed_at >= %(since)s AND o.placed_at < %(until)s "
                "GROUP BY l.sku ORDER BY 3 DESC LIMIT 5",
                params,
            )
            cursor.fetchall()

    return run


def report(label: str, samples: list[float], raw: list[float] | None = None) -> None:
    median = statistics.median(samples)
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
    ratio = f"{median / statistics.median(raw):>8.2f}x" if raw else ""
    print(f"{label:44}{median:>10.1f}{p95:>10.1f}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders of the shop (default 1.000.000)")
    args = parser.parse_args()
    with migrated_django("bench_home"):
        run(args.orders)


@contextmanager
def migrated_django(prefix: str, **environment):
    """Django set up on a migrated database of its own (a throwaway cluster's unless DATABASE_URL is
    set), for a benchmark that calls the project in-process; `environment` adds settings."""
    with postgres_server() as server, bench_database(server, prefix) as database_url:
        os.environ.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "sellercenter.settings"})
        os.environ.update({"DEBUG": "0", "EMAIL_URL": "dummy://", "LOG_LEVEL": "WARNING"})
        os.environ.update({"ALLOWED_HOSTS": "testserver", **environment})
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield
        from django.db import connections

        connections.close_all()


def run(orders: int) -> None:
    from django.test import Client

    from sellercenter import services
    from sellercenter.insights.rollups import rollups_rebuild
    from sellercenter.models import Role
    from tests.sellercenter.factories import UserFactory

    shop = services.shop_create(name="Cửa hàng Một Triệu", slug="bench-home")
    seconds = generate(shop, orders)
    print(f"generated {orders:,} orders and lines in {seconds:.1f} s")
    started = time.perf_counter()
    days = rollups_rebuild(shop=shop)
    print(f"rollups_rebuild: {days} days in {time.perf_counter() - started:.1f} s")
    owner = UserFactory(username="bench.owner", is_staff=True)
    services.membership_set(user=owner, shop=shop, role=Role.OWNER)
    client = Client()
    client.force_login(owner)
    _key, secret = services.api_key_create(shop=shop, name="Bench", scopes=["back_office"])
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}

    api = Client()  # the key alone, as a BI tool calls it

    def page(path, **headers):
        caller = api if headers else client

        def call():
            response = caller.get(path, **headers)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])

        return call

    print(f"{'':44}{'p50 ms':>10}{'p95 ms':>10}{'vs SQL':>9}")
    raw30, raw90 = timed(raw_sql(shop, 30)), timed(raw_sql(shop, 90))
    report("raw SQL, 30 days + previous 30", raw30)
    report("raw SQL, 90 days + previous 90", raw90)
    report("home (admin index), 30 days", timed(page("/admin/")), raw30)
    report("home (admin index), 90 days", timed(page("/admin/?range=90d")), raw90)
    report("GET /api/v1/insights?range=30d", timed(page("/api/v1/insights?range=30d", **auth)), raw30)
    report("GET /api/v1/insights?range=90d", timed(page("/api/v1/insights?range=90d", **auth)), raw90)


if __name__ == "__main__":
    main()
