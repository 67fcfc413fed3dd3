"""Lists benchmark: the order list of the API and of the admin on a shop with 1.000.000 orders, and an
events batch of 500, each against the SQL it runs (or the plainest way to write the same rows).

    make bench NAME=lists                        # throwaway PostgreSQL cluster, 1.000.000 orders
    .venv/bin/python bench/lists.py --orders 200000

Orders are generated with SQL as bench/home.py does. Printed, as the median server time of 20 runs
(in-process, Django's test client, after a warm-up) and the ratio to the SQL alone:
- `GET /api/v1/orders` first page (50 rows), unfiltered and filtered by status, against the page's own
  SQL statements run bare;
- the same list filtered to a status no generated order has (an empty page: what every API request
  costs before its rows);
- the other API lists, first page each: `/api/v1/customers` (20.000 customers), `/api/v1/products`
  (the 50 SKUs and the catalogue's), `/api/v1/returns` (one return request per 100 orders, generated
  with SQL), `/api/v1/promotions/campaigns` (60 campaigns, created by the service) and
  `/api/v1/catalogue/products` with a back-office key and a storefront key (50 catalogue products of
  three variants and a picture each, created by the service), against the same;
- the admin order list, first page and the deepest page it offers, filtered by status, against the
  same;
- `POST /api/v1/events` with 500 events, against a bare `executemany` and a `COPY` of the same rows.
Goals (issue table): API lists ≤ 2× their SQL, admin list ≤ 5×, events ≥ 0.4× of executemany.
"""

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

from home import migrated_django  # the home benchmark's database and Django set-up

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 20


def median_ms(call, runs: int = RUNS) -> float:
    call()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def page_and_its_sql(client, path: str, **headers):
    """(a call of the page, a call of the SQL statements the page ran, run bare)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page():
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])

    page()
    with CaptureQueriesContext(connection) as captured:
        page()
    statements = [query["sql"] for query in captured.captured_queries]

    def sql():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                if cursor.description:
                    cursor.fetchall()

    return page, sql, len(statements)


def report(label: str, page_ms: float, sql_ms: float, queries: int) -> None:
    print(f"{label:52}{page_ms:>9.1f}{sql_ms:>9.1f}{page_ms / sql_ms:>8.1f}x{queries:>6}")


def generate_returns(shop, every: int = 100) -> int:
    """A return request (one line, the order's first) for every `every`-th order; returns how many."""
    from django.db import connection
    from home import _column_sql

    from orders.models import OrderLine, ReturnLine, ReturnRequest

    requests, lines = ReturnRequest._meta, ReturnLine._meta
    request_columns = [f for f in requests.concrete_fields if f.column != "id"]
    request_values = {
        "shop_id": str(shop.pk), "order_id": "o.id", "kind": "'refund'", "reason": "'damaged'",
        "status": "(ARRAY['requested','approved','received','refunded','rejected'])[1 + o.id %% 5]",
        "refund_amount": "0", "requested_at": "o.placed_at + interval '4 days'",
        "decided_at": "CASE WHEN o.id %% 5 > 0 THEN o.placed_at + interval '5 days' END",
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {requests.db_table} ({', '.join(f.column for f in request_columns)}) "
            f"SELECT {', '.join(_column_sql(f, request_values) for f in request_columns)} "
            f"FROM orders_order o WHERE o.shop_id = %s AND o.id %% %s = 0",
            [shop.pk, every],
        )
        line_columns = [f for f in lines.concrete_fields if f.column != "id"]
        line_values = {
            "shop_id": str(shop.pk), "return_request_id": "r.id", "order_line_id": "l.id", "quantity": "1",
            "refund_amount": "0",
        }  # fmt: skip
        cursor.execute(
            f"INSERT INTO {lines.db_table} ({', '.join(f.column for f in line_columns)}) "
            f"SELECT DISTINCT ON (r.id) {', '.join(_column_sql(f, line_values) for f in line_columns)} "
            f"FROM {requests.db_table} r JOIN {OrderLine._meta.db_table} l ON l.order_id = r.order_id "
            f"WHERE r.shop_id = %s ORDER BY r.id, l.id",
            [shop.pk],
        )
        cursor.execute("ANALYZE")
    return ReturnRequest.objects.filter(shop=shop).count()


def generate_campaigns(shop, count: int = 60) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from promotions import services

    now = timezone.now()
    for i in range(count):
        services.campaign_create(
            shop=shop,
            name=f"Khuyến mãi {i}",
            kind="order_percentage" if i % 2 else "order_amount",
            value=Decimal(10 if i % 2 else 20000),
            starts_at=now + timedelta(days=1 + i),
            ends_at=now + timedelta(days=30 + i),
            budget=Decimal(5_000_000),
        )


def generate_catalogue(shop, count: int = 50) -> None:
    """`count` catalogue products of three sizes each, created by the service, and a picture each: its
    row only, with names of files that need not exist (the list builds their URLs, it reads no file)."""
    from decimal import Decimal

    from orders import services
    from orders.models import ProductImage
    from orders.pipeline import Actor

    actor = Actor.system("bench")
    groups = [
        services.catalogue_product_create(
            shop=shop,
            actor=actor,
            name=f"Áo dài lụa {i}",
            description="Lụa tơ tằm Bảo Lộc, may đo tại Huế.",
            option_names=["Kích cỡ"],
            variants=[
                services.VariantData(
                    sku=f"AO-{i:02d}-{size}",
                    price=Decimal(400000 + 1000 * i),
                    options={"Kích cỡ": size},
                    initial_stock=20,
                )
                for size in ("S", "M", "L")
            ],
        )
        for i in range(count)
    ]
    folder = f"catalogue/{shop.pk}"
    ProductImage.objects.bulk_create(
        ProductImage(
            shop=shop,
            group=group,
            image=f"{folder}/{group.pk}/{group.pk}.jpg",
            thumbnail=f"{folder}/{group.pk}/{group.pk}-thumb.webp",
            width=1200,
            height=1600,
            alt_text=group.name,
        )
        for group in groups
    )


def events_batch(size: int, anonymous: int = 50) -> list[dict]:
    from django.utils import timezone

    now = timezone.now().isoformat()
    return [
        {
            "event_id": f"ev-{uuid.uuid4().hex}",
            "type": "product_view",
            "occurred_at": now,
            "anonymous_id": f"anon-{i % anonymous}",
            "session_id": f"s-{i % anonymous}",
            "channel": "website",
            "properties": {"sku": f"SP-{i % 50:03d}", "price": "150000", "quantity": 1, "url": "/p"},
        }
        for i in range(size)
    ]


def events(shop, api, auth, size: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from customers.models import CustomerEvent

    def through_api():
        response = api.post("/api/v1/events", {"events": events_batch(size)}, format="json", **auth)
        assert response.status_code == 200 and response.json()["accepted"] == size, response.content[:300]

    table = CustomerEvent._meta.db_table
    columns = (
        "shop_id, event_id, type, occurred_at, received_at, customer_external_id, anonymous_id, session_id, "
        "channel, properties"
    )

    def rows():
        now = timezone.now()
        return [
            (shop.pk, e["event_id"], e["type"], now, now, "", e["anonymous_id"], e["session_id"], e["channel"],
             json.dumps(e["properties"]))
            for e in events_batch(size)
        ]  # fmt: skip

    def executemany():
        batch = rows()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 10)})", batch)

    def copy():
        batch = rows()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as writer,
        ):
            for row in batch:
                writer.write_row(row)

    api_ms, many_ms, copy_ms = (median_ms(call, runs=10) for call in (through_api, executemany, copy))
    print(f"\nevents batch of {size}{'events/s':>38}{'vs executemany':>16}{'vs COPY':>9}")
    for label, ms in (("POST /api/v1/events", api_ms), ("bare executemany", many_ms), ("COPY", copy_ms)):
        print(f"{label:44}{size / ms * 1000:>12.0f}{many_ms / ms:>15.2f}x{copy_ms / ms:>8.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders of the shop (default 1.000.000)")
    parser.add_argument("--events", type=int, default=500, help="events per batch (default 500)")
    args = parser.parse_args()
    # No rate limit: the benchmark is one client calling as fast as it can.
    unlimited = "1000000/minute"
    with migrated_django("bench_lists", API_RATE_PER_ADDRESS=unlimited, API_RATE_PER_KEY=unlimited):
        run(args.orders, args.events)


def run(orders: int, events_size: int) -> None:
    import home  # the home benchmark's order generator
    from django.test import Client
    from rest_framework.test import APIClient

    from orders.models import OrderStatus
    from sellercenter import services
    from sellercenter.admin_base import CappedCountPaginator
    from sellercenter.models import Role
    from tests.sellercenter.factories import UserFactory

    shop = services.shop_create(name="Cửa hàng Một Triệu", slug="bench-lists")
    started = time.perf_counter()
    home.generate(shop, orders)
    print(f"generated {orders:,} orders and lines in {time.perf_counter() - started:.1f} s")
    returns = generate_returns(shop)
    generate_campaigns(shop)
    generate_catalogue(shop)
    print(f"generated {returns:,} return requests, 60 campaigns and 50 catalogue products")
    owner = UserFactory(username="bench.owner", is_staff=True)
    services.membership_set(user=owner, shop=shop, role=Role.OWNER)
    admin = Client()
    admin.force_login(owner)
    _key, secret = services.api_key_create(shop=shop, name="Bench", scopes=["back_office", "storefront"])
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}
    _key, storefront_secret = services.api_key_create(shop=shop, name="Bench storefront", scopes=["storefront"])
    storefront = {"HTTP_AUTHORIZATION": f"Api-Key {storefront_secret}"}
    api = APIClient()

    status = OrderStatus.SHIPPED
    from django.contrib import admin as django_admin

    from orders.models import Order

    per_page = django_admin.site._registry[Order].list_per_page
    with_status = Order.objects.filter(shop=shop, status=status).count()
    deepest = max(1, min(CappedCountPaginator.cap, with_status) // per_page)
    print(f"{'':52}{'page ms':>9}{'SQL ms':>9}{'ratio':>9}{'SQL':>6}")
    for label, client, path, headers in (
        ("GET /api/v1/orders, first page", api, "/api/v1/orders?limit=50", auth),
        (f"GET /api/v1/orders?status={status}", api, f"/api/v1/orders?status={status}&limit=50", auth),
        # No order is allocated in the generated shop: what any API request costs before its rows.
        ("GET /api/v1/orders?status=allocated (no rows)", api, "/api/v1/orders?status=allocated&limit=50", auth),
        ("GET /api/v1/customers, first page", api, "/api/v1/customers?limit=50", auth),
        ("GET /api/v1/products, first page", api, "/api/v1/products?limit=50", auth),
        ("GET /api/v1/returns, first page", api, "/api/v1/returns?limit=50", auth),
        ("GET /api/v1/promotions/campaigns, first page", api, "/api/v1/promotions/campaigns?limit=50", auth),
        ("GET /api/v1/catalogue/products, first page", api, "/api/v1/catalogue/products?limit=50", auth),
        ("GET /api/v1/catalogue/products, storefront key", api, "/api/v1/catalogue/products?limit=50", storefront),
        ("admin order list, first page", admin, "/admin/orders/order/", {}),
        (f"admin order list, status={status}", admin, f"/admin/orders/order/?status__exact={status}", {}),
        (
            f"admin, status={status}, page {deepest} (the last offered)",
            admin,
            f"/admin/orders/order/?status__exact={status}&p={deepest}",
            {},
        ),
    ):
        page, sql, queries = page_and_its_sql(client, path, **headers)
        report(label, median_ms(page), median_ms(sql), queries)
    events(shop, api, auth, events_size)


if __name__ == "__main__":
    main()
