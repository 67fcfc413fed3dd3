"""Past one machine, on loopback: several gunicorn processes and Celery workers on a PostgreSQL primary
with a streaming replica and Redis, under a mixed load for a fixed time; then every invariant checked.

    make bench NAME=scale                                    # 60 s, 2 web processes x 2 workers, 2 Celery workers
    .venv/bin/python bench/scale.py --seconds 120 --web 3 --web-workers 2 --celery 2

Load (each path its own client threads, for --seconds):
- checkouts: POST /api/v1/orders with an Idempotency-Key (every 10th one retried with the same key);
- events: POST /api/v1/events, batches of 50;
- home: GET /api/v1/insights?range=30d and /api/v1/orders/metrics (lag-tolerant: the replica serves them);
- export: GET /api/v1/finance/lines.csv of the period, streamed.

Printed: requests/s, p50/p95 latency and errors per path; the share of reads the replica served; then
the invariants: one order per successful checkout (replays created none), stock reserved = open
order lines, events stored = events accepted, and `manage.py reconcile` (when the project has it).
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkout import (  # noqa: E402
    _free_port,
    bench_database,
    carts,
    celery_broker,
    prepare,
    throwaway_cluster,
)

EVENTS_PER_BATCH = 50


@contextmanager
def streaming_replica(cluster):
    """A hot standby of `cluster` (pg_basebackup -R) on a socket folder of its own; yields its server URL."""
    replica = cluster.folder / "replica"
    socket_folder = cluster.folder / "replica-socket"
    socket_folder.mkdir()
    if cluster.as_owner:
        import shutil

        shutil.chown(socket_folder, "postgres")
    backup = ["-h", cluster.folder, "-U", "postgres", "-D", replica, "-R", "-X", "stream", "--checkpoint=fast"]
    cluster.run("pg_basebackup", *backup)
    cluster.run(
        "pg_ctl", "-D", replica, "-l", cluster.folder / "replica.log", "-w",
        "-o", f"-c listen_addresses='' -k {socket_folder} -c hot_standby=on -c max_connections=200", "start",
    )  # fmt: skip
    try:
        yield f"postgres://postgres@{quote(str(socket_folder), safe='')}"
    finally:
        subprocess.run([*cluster.as_owner, cluster.bindir / "pg_ctl", "-D", replica, "-m", "immediate", "stop"],
                       capture_output=True, cwd=cluster.folder)  # fmt: skip


def service_env(database_url: str, replica_url: str, broker: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sellercenter.settings",
        "DATABASE_URL": database_url,
        "DATABASE_REPLICA_URLS": replica_url,
        "CELERY_BROKER_URL": broker,
        # The rate limits counted in Redis, as production counts them; their rates out of reach, as the
        # whole load comes from one address and one key (in production: many clients, many keys).
        "CACHE_URL": broker,
        "API_RATE_PER_ADDRESS": "1000000/minute",
        "API_RATE_PER_KEY": "1000000/minute",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummy://",
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def processes(commands: list[list[str]], env: dict):
    started = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for command in commands]
    try:
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"gunicorn on port {port} did not start")


class LoadPath:
    """One kind of request: its client threads, and what they measured."""

    def __init__(self, name: str, clients: int, work):
        self.name, self.clients, self.work = name, clients, work
        self.latencies: list[float] = []
        self.errors = 0
        self.lock = threading.Lock()

    def loop(self, ports: list[int], stop: threading.Event, index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=120)
        rng = random.Random(index)
        while not stop.is_set():
            started = time.perf_counter()
            try:
                ok = self.work(connection, rng)
            except (OSError, http.client.HTTPException):
                ok = False
                connection = http.client.HTTPConnection("127.0.0.1", ports[index % len(ports)], timeout=120)
            with self.lock:
                self.latencies.append(time.perf_counter() - started)
                self.errors += not ok

    def figures(self, seconds: float) -> str:
        latencies = sorted(self.latencies) or [0.0]
        p95 = latencies[max(int(len(latencies) * 0.95) - 1, 0)]
        done = len(self.latencies) - self.errors
        return (f"{self.name:12}{done / seconds:>10.1f}{statistics.median(latencies) * 1000:>10.1f}"
                f"{p95 * 1000:>10.1f}{self.errors:>8}")  # fmt: skip


def request(connection, method: str, path: str, secret: str, body=None, headers=None) -> tuple[int, bytes]:
    all_headers = {"Authorization": f"Api-Key {secret}", "Content-Type": "application/json", **(headers or {})}
    connection.request(method, path, json.dumps(body) if body is not None else None, all_headers)
    response = connection.getresponse()
    return response.status, response.read()


class Load:
    """The four paths and the counters the invariants are checked against."""

    def __init__(self, secret: str):
        self.secret = secret
        self.bodies = carts(5000, seed=3)
        self.placed: set[str] = set()
        self.events_accepted = 0
        self.lock = threading.Lock()

    def checkout(self, connection, rng) -> bool:
        body = rng.choice(self.bodies)
        key = str(uuid.uuid4())
        status, answer = request(connection, "POST", "/api/v1/orders", self.secret, body, {"Idempotency-Key": key})
        if status != 201:
            return False
        number = json.loads(answer)["number"]
        if rng.random() < 0.1:  # a client that retries: the same answer, no second order
            again, replay = request(connection, "POST", "/api/v1/orders", self.secret, body, {"Idempotency-Key": key})
            if again != 201 or json.loads(replay)["number"] != number:
                return False
        with self.lock:
            self.placed.add(number)
        return True

    def events(self, connection, rng) -> bool:
        now = datetime.now(UTC)
        batch = [
            {
                "event_id": str(uuid.uuid4()),
                "type": rng.choice(["page_view", "product_view", "add_to_cart"]),
                "occurred_at": (now - timedelta(seconds=rng.randrange(3600))).isoformat(),
                "anonymous_id": f"anon-{rng.randrange(2000)}",
                "session_id": f"s-{rng.randrange(500)}",
                "properties": {"sku": f"SP-{rng.randrange(20):03d}"},
            }
            for _ in range(EVENTS_PER_BATCH)
        ]
        status, answer = request(connection, "POST", "/api/v1/events", self.secret, {"events": batch})
        if status not in (200, 201, 207):
            return False
        accepted = json.loads(answer).get("accepted", EVENTS_PER_BATCH)
        with self.lock:
            self.events_accepted += accepted if isinstance(accepted, int) else len(accepted)
        return True

    def home(self, connection, rng) -> bool:
        today = datetime.now(UTC).date()
        path = rng.choice(
            ["/api/v1/insights?range=30d", f"/api/v1/orders/metrics?start={today - timedelta(days=30)}&end={today}"]
        )
        status, _answer = request(connection, "GET", path, self.secret)
        return status == 200

    def export(self, connection, rng) -> bool:
        today = datetime.now(UTC).date()
        status, _answer = request(
            connection, "GET", f"/api/v1/finance/lines.csv?from={today - timedelta(days=90)}&to={today}", self.secret
        )
        return status == 200


def replica_transactions(replica_url: str, database: str) -> int:
    import psycopg

    with psycopg.connect(f"{replica_url}/{database}", autocommit=True) as connection:
        row = connection.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [database]).fetchone()
    return int(row[0])


def check_invariants(shop, load: Load) -> list[str]:
    """What must hold after the load, whatever the concurrency; each failure named."""
    from django.core.management import call_command
    from django.db.models import F, Sum

    from customers.models import CustomerEvent
    from orders.models import Order, OrderLine, Product

    problems = []
    numbers = set(Order.objects.filter(shop=shop).values_list("number", flat=True))
    if numbers != load.placed:
        problems.append(f"orders: {len(numbers)} stored, {len(load.placed)} checkouts answered 201")
    open_statuses = ["pending_payment", "confirmed", "allocated", "picking", "quality_check", "packed", "ready_to_ship"]
    reserved = Product.objects.filter(shop=shop).aggregate(total=Sum(F("stock_reserved")))["total"] or 0
    ordered = (
        OrderLine.objects.filter(order__shop=shop, order__status__in=open_statuses).aggregate(total=Sum("quantity"))[
            "total"
        ]
        or 0
    )
    if reserved != ordered:
        problems.append(f"stock: {reserved} reserved, {ordered} on open order lines")
    stored = CustomerEvent.objects.filter(shop=shop).count()
    if stored < load.events_accepted:
        problems.append(f"events: {stored} stored, {load.events_accepted} accepted")
    try:
        call_command("reconcile", verbosity=0)
    except SystemExit as exit_:
        if exit_.code:
            problems.append("reconcile: exit 1")
    except Exception as error:  # a project without the command, or a problem it raises
        if "Unknown command" in str(error):
            print("(no reconcile command in this tree: skipped)")
        else:
            problems.append(f"reconcile: {error}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration (default 60)")
    parser.add_argument("--web", type=int, default=2, help="gunicorn processes (default 2)")
    parser.add_argument("--web-workers", type=int, default=2, help="workers per gunicorn process (default 2)")
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument("--checkout-clients", type=int, default=4)
    parser.add_argument("--event-clients", type=int, default=2)
    parser.add_argument("--home-clients", type=int, default=2)
    parser.add_argument("--export-clients", type=int, default=1)
    args = parser.parse_args()
    with ExitStack() as stack:
        cluster = stack.enter_context(throwaway_cluster())
        database_url = stack.enter_context(bench_database(cluster.url, prefix="bench_scale"))
        database = database_url.rsplit("/", 1)[1]
        broker = stack.enter_context(celery_broker())
        if not broker:
            sys.exit("bench/scale.py needs redis-server (or CELERY_BROKER_URL): it runs real Celery workers")
        os.environ.update({"DATABASE_URL": database_url, "CELERY_BROKER_URL": broker})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellercenter.settings")
        os.environ.update({"DEBUG": "0", "EMAIL_URL": "dummy://", "LOG_LEVEL": "WARNING"})
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        shop, _products, secret = prepare("scale")
        replica_server = stack.enter_context(streaming_replica(cluster))
        replica_url = f"{replica_server}/{database}"
        env = service_env(database_url, replica_url, broker)
        ports = [_free_port() for _ in range(args.web)]
        web = [[sys.executable, "-m", "gunicorn", "sellercenter.wsgi", "-w", str(args.web_workers),
                "-b", f"127.0.0.1:{port}", "--log-level", "warning"] for port in ports]  # fmt: skip
        workers = [[sys.executable, "-m", "celery", "-A", "sellercenter", "worker", "-c", "1", "-n", f"w{index}@%h",
                    "-l", "WARNING"] for index in range(args.celery)]  # fmt: skip
        stack.enter_context(processes(web + workers, env))
        for port in ports:
            wait_for(port)
        load = Load(secret)
        paths = [
            LoadPath("checkouts", args.checkout_clients, load.checkout),
            LoadPath("events", args.event_clients, load.events),
            LoadPath("home", args.home_clients, load.home),
            LoadPath("export", args.export_clients, load.export),
        ]
        print(f"Scale: {args.seconds:.0f} s, {args.web} gunicorn x {args.web_workers} workers, {args.celery} Celery "
              f"workers, PostgreSQL primary + streaming replica, Redis")  # fmt: skip
        replica_before = replica_transactions(replica_server, database)
        stop = threading.Event()
        threads = [
            threading.Thread(target=path.loop, args=(ports, stop, index), daemon=True)
            for path in paths
            for index in range(path.clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - started
        replica_served = replica_transactions(replica_server, database) - replica_before
        print(f"{'path':12}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
        for path in paths:
            print(path.figures(elapsed))
        print(f"replica: {replica_served} transactions served during the load")
        time.sleep(2)  # let the workers finish the e-mails the last checkouts queued
        problems = check_invariants(shop, load)
        # A path whose requests all failed measured nothing: that is a broken bench, not a figure.
        problems += [
            f"{path.name}: none of its {path.errors} requests succeeded"
            for path in paths
            if path.errors and path.errors == len(path.latencies)
        ]
        from django.db import connections

        connections.close_all()
    if problems:
        print("INVARIANTS BROKEN:")
        for problem in problems:
            print(f"- {problem}")
        sys.exit(1)
    print("invariants: every checkout stored once, stock reserved = open lines, events kept, reconcile clean")


if __name__ == "__main__":
    main()
