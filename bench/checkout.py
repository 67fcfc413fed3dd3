"""Checkout benchmark: orders placed through the API by N concurrent clients against gunicorn on
PostgreSQL, then the same orders written with plain SQL, side by side.

    make bench NAME=checkout                       # throwaway PostgreSQL cluster, 8 clients, 400 orders
    .venv/bin/python bench/checkout.py --clients 16 --orders 2000 --workers 8
    DATABASE_URL=postgres://user@host/postgres .venv/bin/python bench/checkout.py

With DATABASE_URL the benchmark creates (and drops) its own database on that server; without it,
it starts a throwaway cluster from the PostgreSQL server binaries (/usr/lib/postgresql/*/bin).

Printed: orders/s, p50/p95 latency and errors of each path, the queries one API checkout runs, and
the API's figures as a ratio of the plain-SQL ones. The plain-SQL path writes what a checkout
leaves behind (stock locked and reserved in product order, order, lines, movements, event) for
customers that already exist, with no pricing rules, promotions, points or idempotency: the
ratio is the price of the application around the same rows. It numbers each order after its id;
its second run ("numbered") takes the number from the shop's counter row as the checkout does, the
row then locked until the commit, so the two rows tell what consecutive numbers cost on their own.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PRODUCTS = 20
CUSTOMERS = 500
ADDRESS = {
    "recipient_name": "Nguyễn Thị Lan",
    "phone": "0912345678",
    "street": "12 Hàng Bạc",
    "ward": "Phường Hoàn Kiếm",
    "province": "Hà Nội",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_server():
    """The server URL (database part empty): DATABASE_URL's, or a throwaway cluster's."""
    given = os.environ.get("DATABASE_URL", "")
    if given:
        if not given.startswith(("postgres://", "postgresql://")):
            sys.exit("DATABASE_URL must point to PostgreSQL")
        parts = urlsplit(given)
        yield f"{parts.scheme}://{parts.netloc}"
        return
    with throwaway_cluster() as cluster:
        yield cluster.url


class Cluster:
    """A throwaway cluster's folder (socket, data, log), binaries and the prefix that runs them as owner."""

    def __init__(self, folder: Path, bindir: Path, as_owner: list[str]):
        self.folder, self.bindir, self.as_owner = folder, bindir, as_owner
        self.url = f"postgres://postgres@{quote(str(folder), safe='')}"

    def run(self, program: str, *args) -> None:
        subprocess.run([*self.as_owner, self.bindir / program, *args], check=True, capture_output=True, cwd=self.folder)


@contextmanager
def throwaway_cluster():
    """A PostgreSQL cluster in a temporary folder, on a unix socket only, removed afterwards."""
    bindir = next(
        (p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True) if (p / "initdb").exists()), None
    )
    if bindir is None:
        sys.exit("Set DATABASE_URL to a PostgreSQL server, or install the PostgreSQL server binaries")
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-", dir="/tmp"))
    as_owner = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run([*as_owner, bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], check=True,
                   capture_output=True)  # fmt: skip
    options = f"-c listen_addresses='' -k {folder} -c max_connections=200 -c fsync=off -c synchronous_commit=off"
    subprocess.run([*as_owner, bindir / "pg_ctl", "-D", data, "-l", folder / "log", "-w", "-o", options, "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield Cluster(folder, bindir, as_owner)
    finally:
        subprocess.run([*as_owner, bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def celery_broker():
    """CELERY_BROKER_URL's broker, or a throwaway redis-server, so that the checkout's e-mail task is
    queued as in production rather than run inside the request; "" (tasks run in-process) without one."""
    if os.environ.get("CELERY_BROKER_URL"):
        yield os.environ["CELERY_BROKER_URL"]
        return
    if not shutil.which("redis-server"):
        yield ""
        return
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def bench_database(server: str, prefix: str = "bench_checkout"):
    """A fresh database on `server`, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(label: str) -> tuple:
    """A shop with products (plenty of stock) and an API key; returns (shop, products, secret)."""
    from decimal import Decimal

    from orders.models import Product
    from sellercenter import services

    shop = services.shop_create(name=f"Cửa hàng {label}", slug=f"bench-{label}")
    products = Product.objects.bulk_create(
        Product(
            shop=shop, sku=f"SP-{i:03d}", name=f"Sản phẩm {i}", price=Decimal(50000 + 1000 * i), stock_on_hand=10**7
        )
        for i in range(PRODUCTS)
    )
    _key, secret = services.api_key_create(shop=shop, name="Bench", scopes=["storefront", "back_office"])
    return shop, products, secret


def carts(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "customer": {"external_id": f"KH-{rng.randrange(CUSTOMERS):04d}"},
            "channel": rng.choice(["website", "app", "fanpage", "marketplace"]),
            "lines": [
                {"sku": f"SP-{index:03d}", "quantity": rng.randint(1, 3)}
                for index in rng.sample(range(PRODUCTS), k=rng.randint(1, 3))
            ],
            "shipping_address": ADDRESS,
            "shipping_fee": "30000",
            "payment_method": "cod",
        }
        for _ in range(count)
    ]


@contextmanager
def gunicorn(database_url: str, workers: int):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummy://",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "sellercenter.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        for _ in range(200):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_api(port: int, secret: str, bodies: list[dict], clients: int) -> dict:
    local = threading.local()

    def place(body):
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {
            "Authorization": f"Api-Key {secret}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        started = time.perf_counter()
        local.connection.request("POST", "/api/v1/orders", json.dumps(body), headers)
        response = local.connection.getresponse()
        response.read()
        return time.perf_counter() - started, response.status == 201

    return _timed(place, bodies, clients)


def _timed(work, bodies: list, clients: int) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(work, bodies))
    elapsed = time.perf_counter() - started
    latencies = sorted(latency for latency, _ok in results)
    return {
        "orders_per_s": sum(ok for _latency, ok in results) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": sum(not ok for _latency, ok in results),
    }


def queries_per_order(secret: str, bodies: list[dict]) -> float:
    """Queries one checkout runs, measured in-process on the same database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}", HTTP_HOST="127.0.0.1")
    counts = []
    for body in bodies:
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/orders", body, content_type="application/json",
                                   HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))  # fmt: skip
        assert response.status_code == 201, response.content
        counts.append(len(queries))
    return statistics.mean(counts)


class PlainSql:
    """The rows a checkout writes, written with psycopg and hand-written SQL; the column lists come
    from the models, so the rows are the same shape as the application's."""

    def __init__(self, database_url: str, shop, products, *, numbered: bool = False):
        from customers.services import customer_upsert
        from orders.models import Order, OrderEvent, OrderLine, OrderNumberCounter, StockMovement

        self.url = database_url
        self.shop = shop
        # Numbered as the checkout numbers: the shop's counter row, taken before the order is written
        # and locked until the commit. Otherwise the order is numbered after its id, with no lock.
        self.numbered = numbered
        if numbered:
            OrderNumberCounter.objects.get_or_create(shop=shop)
        self.products = {product.sku: product for product in products}
        self.customers = {
            f"KH-{index:04d}": customer_upsert(shop=shop, external_id=f"KH-{index:04d}").pk
            for index in range(CUSTOMERS)
        }
        self.models = {model: self._columns(model) for model in (Order, OrderLine, StockMovement, OrderEvent)}
        self.Order, self.OrderLine, self.StockMovement, self.OrderEvent = Order, OrderLine, StockMovement, OrderEvent

    @staticmethod
    def _columns(model) -> list:
        return [field for field in model._meta.concrete_fields if not field.primary_key]

    def _insert_sql(self, model, returning=False) -> str:
        columns = ", ".join(f'"{field.column}"' for field in self.models[model])
        marks = ", ".join(["%s"] * len(self.models[model]))
        return f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({marks})' + (
            " RETURNING id" if returning else ""
        )

    def _values(self, instance) -> list:
        from django.db import connection

        return [
            field.get_db_prep_save(field.pre_save(instance, True), connection) for field in self.models[type(instance)]
        ]

    def place(self, cursor, body: dict) -> None:
        from decimal import Decimal

        from django.utils import timezone

        lines = sorted(
            ((self.products[line["sku"]], line["quantity"]) for line in body["lines"]), key=lambda x: x[0].pk
        )
        cursor.execute("SELECT id FROM orders_product WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                       [[product.pk for product, _qty in lines]])  # fmt: skip
        for product, quantity in lines:
            cursor.execute(
                "UPDATE orders_product SET stock_reserved = stock_reserved + %s "
                "WHERE id = %s AND stock_on_hand - stock_reserved >= %s",
                [quantity, product.pk, quantity],
            )
        subtotal = sum((product.price * quantity for product, quantity in lines), Decimal(0))
        now, fee = timezone.now(), Decimal(body["shipping_fee"])
        order = self.Order(
            shop_id=self.shop.pk, customer_id=self.customers[body["customer"]["external_id"]], channel=body["channel"],
            payment_method="cod", status="confirmed", currency="VND", subtotal=subtotal, shipping_fee=fee,
            total=subtotal + fee, recipient_name=ADDRESS["recipient_name"], recipient_phone="+84912345678",
            street=ADDRESS["street"], ward=ADDRESS["ward"], province=ADDRESS["province"], placed_at=now,
            confirmed_at=now,
        )  # fmt: skip
        if self.numbered:
            cursor.execute(
                "UPDATE orders_ordernumbercounter SET last_number = last_number + 1 WHERE shop_id = %s "
                "RETURNING last_number",
                [self.shop.pk],
            )
            order.number = f"{self.shop.number_prefix}-{cursor.fetchone()[0]:05d}"
        cursor.execute(self._insert_sql(self.Order, returning=True), self._values(order))
        order.pk = cursor.fetchone()[0]
        if not self.numbered:
            cursor.execute("UPDATE orders_order SET number = %s WHERE id = %s", [f"SC-{order.pk:06d}", order.pk])
        rows = [
            self.OrderLine(shop_id=self.shop.pk, order_id=order.pk, product_id=product.pk, sku=product.sku,
                           name=product.name, unit_price=product.price, quantity=quantity,
                           total=product.price * quantity)
            for product, quantity in lines
        ]  # fmt: skip
        cursor.executemany(self._insert_sql(self.OrderLine), [self._values(row) for row in rows])
        moves = [
            self.StockMovement(shop_id=self.shop.pk, product_id=product.pk, kind="reserved", reserved_delta=quantity,
                               order_id=order.pk, actor_kind="customer", created_at=now)
            for product, quantity in lines
        ]  # fmt: skip
        cursor.executemany(self._insert_sql(self.StockMovement), [self._values(row) for row in moves])
        event = self.OrderEvent(shop_id=self.shop.pk, order_id=order.pk, type="placed", to_status="confirmed",
                                actor_kind="customer", created_at=now)  # fmt: skip
        cursor.execute(self._insert_sql(self.OrderEvent), self._values(event))

    def run(self, bodies: list[dict], clients: int) -> dict:
        import psycopg

        local = threading.local()

        def place(body):
            if not hasattr(local, "connection"):
                local.connection = psycopg.connect(self.url)
            started = time.perf_counter()
            with local.connection.transaction(), local.connection.cursor() as cursor:
                self.place(cursor, body)
            return time.perf_counter() - started, True

        return _timed(place, bodies, clients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--orders", type=int, default=400, help="orders per path (default 400)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: as many as clients)")
    args = parser.parse_args()
    with postgres_server() as server, bench_database(server) as database_url, celery_broker() as broker:
        os.environ["DATABASE_URL"] = database_url
        os.environ["CELERY_BROKER_URL"] = broker
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellercenter.settings")
        os.environ.update({"DEBUG": "0", "EMAIL_URL": "dummy://", "LOG_LEVEL": "WARNING"})
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        _api_shop, _products, secret = prepare("api")
        sql_shop, sql_products, _secret = prepare("sql")
        bodies = carts(args.orders)
        tasks = f"queued on {broker}" if broker else "run in-process (no broker)"
        print(f"Checkout: {args.orders} orders per path, {args.clients} clients, PostgreSQL; e-mail tasks {tasks}")
        queries = queries_per_order(secret, carts(20, seed=11))
        with gunicorn(database_url, args.workers or args.clients) as port:
            api = run_api(port, secret, bodies, args.clients)
        sql = PlainSql(database_url, sql_shop, sql_products).run(bodies, args.clients)
        numbered = PlainSql(database_url, sql_shop, sql_products, numbered=True).run(bodies, args.clients)
        from django.db import connections

        connections.close_all()
    print(f"{'':12}{'orders/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
    for label, figures in (("API", api), ("plain SQL", sql), ("  numbered", numbered)):
        print(f"{label:12}{figures['orders_per_s']:>10.1f}{figures['p50_ms']:>10.1f}"
              f"{figures['p95_ms']:>10.1f}{figures['errors']:>8}")  # fmt: skip
    print(f"queries per API checkout: {queries:.1f}")
    for label, limit in (("plain SQL", sql), ("plain SQL numbered", numbered)):
        print(
            f"API / {label}: throughput {api['orders_per_s'] / limit['orders_per_s']:.2f}x, "
            f"p50 latency {api['p50_ms'] / limit['p50_ms']:.1f}x, p95 latency {api['p95_ms'] / limit['p95_ms']:.1f}x"
        )


if __name__ == "__main__":
    main()
