#!/usr/bin/env bash
# Run the lint and the whole test suite (with a coverage report when COVERAGE=1).
#
#   scripts/test.sh [pytest arguments...]      (make test ARGS="...")
#
# Steps: shared set-up (.venv, requirements, translations), `ruff check .`, then pytest.
#
# Database: DATABASE_URL is used as is when set. Otherwise, when PostgreSQL server binaries are on
# the machine, a throwaway cluster is started in a temporary folder (unix socket only, no TCP port)
# and removed on exit; without them the suite runs on SQLite and PostgreSQL-only tests are skipped.
# Redis: TEST_REDIS_URL is used as is when set. Otherwise, when redis-server is on PATH, a throwaway
# server is started on a free loopback port; without it Redis tests are skipped.
# With SELLERCENTER_REQUIRE_SERVICES=1 (CI) a missing PostgreSQL or Redis is an error instead.
# Workers: the tests run in parallel with pytest-xdist, one process per core (at least 2), each on a
# test database of its own (test_<name>_gw0, ...); TEST_WORKERS=<n> sets the number, 0 or 1 runs them
# in this process, one after the other. Tests marked with one `xdist_group` run in one worker, in turn.
set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/setup.sh
source "$SCRIPTS_DIR/setup.sh" --setup
cd "$ROOT_DIR"

require_services() {
    case "${SELLERCENTER_REQUIRE_SERVICES:-}" in
        1 | true | yes | on) return 0 ;;
        *) return 1 ;;
    esac
}

# --- Clean-up: stop whatever this script started, on any exit (success, failure, Ctrl-C). ---

PG_TMP=""    # temporary folder of the throwaway cluster (data/, socket, log)
PG_BINDIR=""
REDIS_TMP="" # temporary folder of the throwaway Redis (log, pid file)
REDIS_PID=""

# Run a PostgreSQL server command as the owner of the cluster: initdb refuses to run as root, so
# as root the cluster belongs to the `postgres` user (created by Debian's packages).
pg_as_owner() {
    if ! is_root; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        # su needs one command string: quote every argument for bash.
        su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
    fi
}

cleanup() {
    # Never let a failing clean-up step hide the real exit status.
    set +e
    if [[ -n "$PG_TMP" ]]; then
        if [[ -f "$PG_TMP/data/postmaster.pid" ]]; then
            (cd "$PG_TMP" && pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop) \
                >/dev/null 2>&1
        fi
        if [[ -f "$PG_TMP/replica/postmaster.pid" ]]; then
            (cd "$PG_TMP" && pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP/replica" -m immediate -w stop) \
                >/dev/null 2>&1
        fi
        if [[ -s "$PG_TMP/pgbouncer/pgbouncer.pid" ]]; then
            kill "$(cat "$PG_TMP/pgbouncer/pgbouncer.pid")" >/dev/null 2>&1
        fi
        rm -rf "$PG_TMP"
        PG_TMP=""
    fi
    if [[ -n "$REDIS_TMP" ]]; then
        stop_redis
        rm -rf "$REDIS_TMP"
        REDIS_TMP=""
    fi
}
trap cleanup EXIT
# Turn signals into a normal exit, so that the EXIT trap above runs.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PostgreSQL ---

start_postgres() {
    local dir version url
    dir="$(mktemp -d -t sellercenter-pg.XXXXXXXX)"
    # A unix socket path must stay under ~107 bytes: fall back to /tmp if TMPDIR is deep.
    if ((${#dir} > 80)); then
        rmdir "$dir"
        dir="$(mktemp -d /tmp/sellercenter-pg.XXXXXXXX)"
    fi
    PG_TMP="$dir"
    if is_root; then
        id postgres >/dev/null 2>&1 ||
            die "Running as root, but there is no 'postgres' user to run the throwaway PostgreSQL cluster as (or set DATABASE_URL)"
        chown postgres: "$PG_TMP"
    fi

    # --no-sync and the -c options below trade durability for speed: the cluster is thrown away.
    if ! (cd "$PG_TMP" && pg_as_owner "$PG_BINDIR/initdb" -D "$PG_TMP/data" -A trust -U postgres \
        --no-sync -E UTF8 --locale=C.UTF-8) >"$PG_TMP/initdb.log" 2>&1; then
        # C.UTF-8 is missing on some systems: the plain C locale always exists.
        rm -rf "$PG_TMP/data"
        if ! (cd "$PG_TMP" && pg_as_owner "$PG_BINDIR/initdb" -D "$PG_TMP/data" -A trust -U postgres \
            --no-sync -E UTF8 --locale=C) >>"$PG_TMP/initdb.log" 2>&1; then
            cat "$PG_TMP/initdb.log" >&2
            die "initdb failed (output above)"
        fi
    fi

    # listen_addresses='' means no TCP at all: the only way in is the socket in $PG_TMP.
    if ! (cd "$PG_TMP" && pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w \
        -o "-c listen_addresses='' -k '$PG_TMP' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start) >/dev/null 2>&1; then
        cat "$PG_TMP/postgres.log" >&2 || true
        die "The throwaway PostgreSQL server did not start (log above)"
    fi

    local createdb="$PG_BINDIR/createdb"
    [[ -x "$createdb" ]] || createdb="$(command -v createdb)" || die "createdb not found"
    "$createdb" -h "$PG_TMP" -U postgres sellercenter

    # Socket folder as the URL host, percent-encoded (postgres://postgres@%2Ftmp%2F.../sellercenter);
    # check that dj-database-url reads it back as that folder.
    url="$("$VENV_PY" - "$PG_TMP" <<'PY'
import sys
from urllib.parse import quote

import dj_database_url

folder = sys.argv[1]
url = f"postgres://postgres@{quote(folder, safe='')}/sellercenter"
parsed = dj_database_url.parse(url)
if parsed["HOST"] != folder or parsed["NAME"] != "sellercenter":
    sys.exit(f"dj_database_url reads {url} as HOST={parsed['HOST']!r} NAME={parsed['NAME']!r}")
print(url)
PY
)"
    export DATABASE_URL="$url"
    # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" -> "15.18"
    version="$("$PG_BINDIR/postgres" --version | sed -E 's/.*\(PostgreSQL\) ([^ ]+).*/\1/')"
    say "Tests run on PostgreSQL $version (throwaway cluster in $PG_TMP)"
}

# A streaming replica of the throwaway cluster (pg_basebackup -R), on a socket folder of its own, for
# the tests of the replica router. The test database the suite creates on the primary is replicated too.
start_replica() {
    local url
    mkdir -p "$PG_TMP/replica-socket"
    is_root && chown postgres: "$PG_TMP/replica-socket"
    if ! (cd "$PG_TMP" && pg_as_owner "$PG_BINDIR/pg_basebackup" -h "$PG_TMP" -U postgres -D "$PG_TMP/replica" \
        -R -X stream --checkpoint=fast --no-sync) >"$PG_TMP/basebackup.log" 2>&1; then
        cat "$PG_TMP/basebackup.log" >&2
        die "pg_basebackup failed (output above)"
    fi
    # In its configuration, not on pg_ctl's command line, so that a test can stop and start it again.
    printf "listen_addresses = ''\nunix_socket_directories = '%s'\nfsync = off\nhot_standby = on\n" \
        "$PG_TMP/replica-socket" >>"$PG_TMP/replica/postgresql.auto.conf"
    if ! (cd "$PG_TMP" && pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_TMP/replica" -l "$PG_TMP/replica.log" -w \
        start) >/dev/null 2>&1; then
        cat "$PG_TMP/replica.log" >&2 || true
        die "The streaming replica did not start (log above)"
    fi
    url="postgres://postgres@$("$VENV_PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_TMP/replica-socket")/sellercenter"
    export TEST_DATABASE_REPLICA_URL="$url"
    export TEST_REPLICA_PGDATA="$PG_TMP/replica"
    export TEST_PG_BINDIR="$PG_BINDIR"
    say "Replica tests run on a streaming replica of it (socket in $PG_TMP/replica-socket)"
}

# PgBouncer in transaction mode in front of the throwaway cluster (unix socket only), for the test that
# serves the application through it. Skipped (or, in CI, installed by .ci/run) when it is missing.
PGBOUNCER_PORT=6432
find_pgbouncer() {
    command -v pgbouncer 2>/dev/null || { [[ -x /usr/sbin/pgbouncer ]] && echo /usr/sbin/pgbouncer; }
}

start_pgbouncer() {
    local binary="$1" dir="$PG_TMP/pgbouncer"
    mkdir -p "$dir"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$PG_TMP
[pgbouncer]
listen_addr =
listen_port = $PGBOUNCER_PORT
unix_socket_dir = $dir
auth_type = trust
admin_users = postgres
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
INI
    printf '"postgres" ""\n' >"$dir/users.txt"
    is_root && chown -R postgres: "$dir"
    # PgBouncer refuses to run as root.
    if ! (cd "$dir" && pg_as_owner "$binary" -d "$dir/pgbouncer.ini") >/dev/null 2>&1; then
        cat "$dir/pgbouncer.log" >&2 2>/dev/null || true
        die "PgBouncer did not start (log above)"
    fi
    for _ in $(seq 50); do
        [[ -S "$dir/.s.PGSQL.$PGBOUNCER_PORT" ]] && break
        sleep 0.1
    done
    export TEST_PGBOUNCER_URL="postgres://postgres@$("$VENV_PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$dir"):$PGBOUNCER_PORT/sellercenter"
    say "PgBouncer tests run through PgBouncer $("$binary" --version | head -n 1 | awk '{print $2}') in transaction mode"
}

# --- Redis ---

free_port() {
    "$VENV_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_answers() {
    local port="$1" reply=""
    if command -v redis-cli >/dev/null 2>&1; then
        reply="$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)"
    else
        # No redis-cli: speak the protocol over bash's /dev/tcp.
        reply="$(
            exec 2>/dev/null
            exec 3<>"/dev/tcp/127.0.0.1/$port"
            printf 'PING\r\n' >&3
            IFS= read -r -t 1 line <&3 && printf '%s' "${line%$'\r'}"
        )" || true
    fi
    [[ "$reply" == "PONG" || "$reply" == "+PONG" ]]
}

stop_redis() {
    local pid="$REDIS_PID"
    # The pid file holds the server's own pid, even if setsid had to fork.
    if [[ -s "$REDIS_TMP/redis.pid" ]]; then
        pid="$(cat "$REDIS_TMP/redis.pid")"
    fi
    if [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; then
        # Give it 5 seconds to exit, then force it.
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    if [[ -n "$REDIS_PID" ]]; then
        wait "$REDIS_PID" 2>/dev/null || true
    fi
    REDIS_PID=""
}

start_redis() {
    local attempt port launcher=()
    REDIS_TMP="$(mktemp -d -t sellercenter-redis.XXXXXXXX)"
    # setsid detaches the server from the terminal, so that Ctrl-C reaches pytest but not Redis
    # (the trap stops it cleanly).
    command -v setsid >/dev/null 2>&1 && launcher=(setsid)
    # The free port could be taken between the check and the start: try a few ports.
    for attempt in 1 2 3; do
        port="$(free_port)"
        rm -f "$REDIS_TMP/redis.pid"
        "${launcher[@]}" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize no --dir "$REDIS_TMP" --pidfile "$REDIS_TMP/redis.pid" \
            --logfile "$REDIS_TMP/redis.log" </dev/null >/dev/null 2>&1 &
        REDIS_PID=$!
        for _ in $(seq 100); do
            if redis_answers "$port"; then
                export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
                say "Redis tests run on Redis $(redis-server --version | sed -E 's/.* v=([^ ]+).*/\1/') (throwaway server on 127.0.0.1:$port)"
                return 0
            fi
            kill -0 "$REDIS_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop_redis
        warn "redis-server did not answer on port $port (attempt $attempt)"
    done
    cat "$REDIS_TMP/redis.log" >&2 2>/dev/null || true
    die "Could not start a throwaway redis-server (log above)"
}

# --- Lint ---

# LINT=0 skips it, for quick runs of a few tests; CI and `make test` always lint.
if [[ "${LINT:-1}" != "0" ]]; then
    say "ruff check ."
    "$VENV_DIR/bin/ruff" check .
fi

# --- Services ---

if [[ -n "${DATABASE_URL:-}" ]]; then
    # Hide a password, if any, when echoing the URL.
    say "Tests run on the database of DATABASE_URL: $(sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$DATABASE_URL")"
elif PG_BINDIR="$(find_pg_bindir)"; then
    start_postgres
    start_replica
    if pgbouncer_binary="$(find_pgbouncer)"; then
        start_pgbouncer "$pgbouncer_binary"
    else
        require_services && die "SELLERCENTER_REQUIRE_SERVICES is set but pgbouncer is not installed"
        say "pgbouncer not found: the PgBouncer test will be skipped"
    fi
else
    require_services && die "SELLERCENTER_REQUIRE_SERVICES is set but no PostgreSQL server binaries were found (and DATABASE_URL is not set)"
    say "No PostgreSQL server binaries found: tests run on SQLite; PostgreSQL-only tests will be skipped"
fi

if [[ -n "${TEST_REDIS_URL:-}" ]]; then
    say "Redis tests run on TEST_REDIS_URL: $(sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$TEST_REDIS_URL")"
elif command -v redis-server >/dev/null 2>&1; then
    start_redis
else
    require_services && die "SELLERCENTER_REQUIRE_SERVICES is set but redis-server is not installed (and TEST_REDIS_URL is not set)"
    say "redis-server not found: Redis tests will be skipped"
fi

# --- Tests ---

# One worker per core, at least 2: the suite spends much of its time waiting on servers it started.
workers="${TEST_WORKERS:-}"
if [[ -z "$workers" ]]; then
    workers="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
    ((workers < 2)) && workers=2
fi
[[ "$workers" =~ ^[0-9]+$ ]] || die "TEST_WORKERS must be a number of workers (0 or 1: no parallel workers), not '$workers'"
parallel=(-n 0)
# --no-loadscope-reorder: hand the tests out in the order tests/conftest.py gives them, groups
# included: the transactional tests (the long ones: servers, workers, a browser) first, so that the
# workers end on short tests at about the same time.
((workers > 1)) && parallel=(-n "$workers" --dist loadgroup --no-loadscope-reorder)

# Coverage slows every test down by about 40% (599 s against 433 s for the whole suite, the same
# machine and hour): the report is on demand, COVERAGE=1.
coverage=()
[[ "${COVERAGE:-0}" != "0" ]] && coverage=(--cov --cov-report=term)
# The project's modules compiled once, on both cores (about 1.5 s), even where PYTHONDONTWRITEBYTECODE
# is set: every process the tests start (servers, workers, commands) then loads them from there
# instead of compiling them again (about 0.45 s a process).
# A file that does not compile is left to pytest, which names it.
"$VENV_PY" -m compileall -q -j 0 sellercenter orders customers loyalty promotions finance >/dev/null || true
say "python -m pytest ${coverage[*]} ${parallel[*]} $*"
status=0
"$VENV_PY" -m pytest "${coverage[@]}" "${parallel[@]}" "$@" || status=$?
if [[ "$status" -eq 5 ]]; then
    # pytest's "no tests collected": a suite that tests nothing must not pass.
    printf 'ERROR: pytest collected no tests (exit code 5)\n' >&2
    exit 1
fi
exit "$status"
