"""Statement export benchmark: one statement of 1.000.000 lines on PostgreSQL, downloaded through the
project's CSV endpoint (served by gunicorn) and, for comparison, read with a plain `COPY` of the same
rows; printed: rows/s of both, their ratio, and the peak memory of the serving process.

    make bench NAME=export_statement                       # throwaway PostgreSQL cluster, 1.000.000 lines
    .venv/bin/python bench/export_statement.py --rows 200000 --with-python-path
    DATABASE_URL=postgres://user@host/postgres .venv/bin/python bench/export_statement.py

With DATABASE_URL the benchmark creates (and drops) its own database on that server; without it, it
starts a throwaway cluster from the PostgreSQL server binaries, as bench/checkout.py does.

The endpoint does more than the plain COPY: it renders choice labels in the asked language, dates
as ISO text and neutralises every text cell that could run as a formula, and sends the result over
HTTP; the ratio is the price of that around the same rows. The serving process's peak memory
(VmHWM of the gunicorn worker) is printed before and after the downloads: it stays flat because the
rows are streamed, never held. On shared cores one download says little: the two are timed one after
the other `--repeat` times (5 by default) and the median of the rounds' ratios is printed.
`--with-python-path` also times the Python renderer (the path used off PostgreSQL) in this process,
on the same rows.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from checkout import bench_database, postgres_server  # the checkout benchmark's throwaway cluster

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHUNK = 1 << 16


# Amount columns of a sale-like line, each a deterministic function of the row number `g`, and the
# net computed as their sum so the table's CheckConstraint holds (SQL run with parameters: % is %%).
AMOUNTS = {
    "gross": "(100000 + (g %% 50) * 10000)",
    "seller_discount": "-((g %% 4) * 5000)",
    "shipping_charged": "30000",
    "shipping_cost": "-30000",
    "commission": "-round((100000 + (g %% 50) * 10000) * 0.04)",
    "payment_fee": "-round((130000 + (g %% 50) * 10000) * 0.02)",
    "service_fee": "-round((100000 + (g %% 50) * 10000) * 0.01)",
    "fixed_fee": "-1000",
    "refund": "CASE WHEN g %% 37 = 0 THEN -50000 ELSE 0 END",
    "adjustment": "0",
    "vat_withheld": "-round((100000 + (g %% 50) * 10000) * 0.01)",
    "pit_withheld": "-round((100000 + (g %% 50) * 10000) * 0.005)",
}
REASONS = (
    'CASE WHEN g %% 100 = 0 THEN \'=HYPERLINK("http://x", "bấm vào")\' '
    "WHEN g %% 101 = 0 THEN '-' || g || '+1' ELSE 'Đối soát đơn hàng giao tại Hà Nội' END"
)


def prepare(rows: int) -> tuple[int, str]:
    """A shop, one statement holding `rows` lines (inserted in SQL, totals brought in line) and an
    API key; returns (statement id, secret)."""
    from django.db import connection

    from finance import services
    from finance.models import AMOUNT_COLUMNS
    from sellercenter import services as kernel

    shop = kernel.shop_create(name="Thời Trang Hoa Mai", slug="hoa-mai")
    statement = services.adjustment_create(shop=shop, amount=1000, reason="Dòng đầu tiên").statement
    _key, secret = kernel.api_key_create(shop=shop, name="Bench", scopes=["back_office"])
    columns = ", ".join(AMOUNTS)
    net = " + ".join(f"({expression})" for expression in AMOUNTS.values())
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO finance_statementline (shop_id, statement_id, kind, payout_state, order_number,
                payment_method, currency, placed_on, delivered_on, booked_on, released_on, {columns}, net,
                reason, created_at)
            SELECT %s, %s, 'adjustment', 'to_be_paid', 'SC-' || lpad(g::text, 7, '0'), 'cod', 'VND',
                day, day, day, day, {", ".join(AMOUNTS.values())}, {net}, {REASONS}, now()
            FROM generate_series(2, %s) AS g, LATERAL (SELECT DATE '2025-03-03' + (g %% 7)::int AS day) AS d
            """,
            [shop.pk, statement.pk, rows],
        )
        sums = ", ".join(f"total_{column} = s.{column}" for column in (*AMOUNT_COLUMNS, "net"))
        cursor.execute(
            f"""
            UPDATE finance_statement SET {sums}, line_count = s.n, closing_balance = opening_balance + s.net
            FROM (SELECT count(*) AS n, {", ".join(f"sum({c}) AS {c}" for c in (*AMOUNT_COLUMNS, "net"))}
                  FROM finance_statementline WHERE statement_id = %s) AS s
            WHERE id = %s
            """,
            [statement.pk, statement.pk],
        )
        cursor.execute("ANALYZE finance_statementline")
    print(f"prepared {rows:,} lines in {time.perf_counter() - started:.1f} s")
    return statement.pk, secret


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def serving(database_url: str):
    """gunicorn with one sync worker; yields (port, the worker's pid)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
           "EMAIL_URL": "dummy://", "LOG_LEVEL": "WARNING"}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "sellercenter.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}",
               "--timeout", "900", "--log-level", "warning"]  # fmt: skip
    master = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        for _ in range(300):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        yield port, int(children[0])
    finally:
        master.terminate()
        master.wait(timeout=30)


def count_rows(chunks) -> tuple[int, int]:
    """(data rows, bytes) of a CSV stream with a header line; rows are counted by line ends, which the
    benchmark's text never contains inside a cell."""
    lines = size = 0
    for chunk in chunks:
        lines += chunk.count(b"\n")
        size += len(chunk)
    return lines - 1, size


def download(port: int, secret: str, path: str) -> tuple[int, int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Api-Key {secret}"})
    response = connection.getresponse()
    if response.status != 200:
        sys.exit(f"{path} answered {response.status}: {response.read()[:300]!r}")
    rows, size = count_rows(iter(lambda: response.read(CHUNK), b""))
    return rows, size, time.perf_counter() - started


def plain_copy(database_url: str, statement_id: int) -> tuple[int, int, float]:
    import psycopg

    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        started = time.perf_counter()
        query = "COPY (SELECT * FROM finance_statementline WHERE statement_id = %s ORDER BY id) TO STDOUT"
        query += " (FORMAT csv, HEADER)"
        with cursor.copy(query, [statement_id]) as copy:
            rows, size = count_rows(bytes(chunk) for chunk in copy)
        return rows, size, time.perf_counter() - started


def python_path(statement_id: int) -> tuple[int, int, float]:
    from django.utils import translation

    from finance.columns import LINE_COLUMNS
    from finance.models import Statement
    from finance.selectors import lines_of_statement
    from finance.streaming import python_csv_chunks

    started = time.perf_counter()
    with translation.override("vi"):
        chunks = python_csv_chunks(lines_of_statement(statement=Statement.objects.get(pk=statement_id)), LINE_COLUMNS)
    rows, size = count_rows(chunks)
    return rows, size, time.perf_counter() - started


def report(label: str, rows: int, size: int, seconds: float) -> float:
    rate = rows / seconds
    print(f"{label:40}{rows:>11,}{seconds:>9.1f}{rate:>12,.0f}{size / 2**20:>10.1f}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="lines in the statement (default 1.000.000)")
    parser.add_argument("--with-python-path", action="store_true", help="also time the Python renderer")
    parser.add_argument(
        "--repeat", type=int, default=5, help="rounds of (endpoint, plain COPY), one after the other (default 5)"
    )
    args = parser.parse_args()
    with postgres_server() as server, bench_database(server, "bench_export") as database_url:
        os.environ.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "sellercenter.settings"})
        os.environ.update({"DEBUG": "0", "EMAIL_URL": "dummy://", "LOG_LEVEL": "WARNING"})
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        statement_id, secret = prepare(args.rows)
        path = f"/api/v1/finance/statements/{statement_id}/lines.csv?lang=vi"
        rounds = []
        with serving(database_url) as (port, worker):
            download(port, secret, "/api/v1/finance/statements?limit=1")  # load the code paths once
            before = peak_memory_mb(worker)
            for _round in range(args.repeat):
                # One after the other, so that both sides of a ratio ran under the same load.
                rounds.append((download(port, secret, path), plain_copy(database_url, statement_id)))
            after = peak_memory_mb(worker)
        python = python_path(statement_id) if args.with_python_path else None
        from django.db import connections

        connections.close_all()
    print(f"{'':40}{'rows':>11}{'s':>9}{'rows/s':>12}{'MiB':>10}")
    ratios = []
    for number, (endpoint, copy) in enumerate(rounds, start=1):
        endpoint_rate = report(f"{number}. endpoint (COPY, streamed over HTTP)", *endpoint)
        copy_rate = report(f"{number}. plain COPY (psycopg, raw columns)", *copy)
        ratios.append(endpoint_rate / copy_rate)
    if python:
        report("Python renderer (iterator, in-process)", *python)
    print("endpoint / plain COPY, each round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    print(f"endpoint / plain COPY: {statistics.median(ratios):.2f} (median of {len(ratios)})")
    print(f"serving process peak memory: {before:.0f} MiB before the downloads, {after:.0f} MiB after")


if __name__ == "__main__":
    main()
