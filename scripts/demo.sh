#!/usr/bin/env bash
# Run the demo: shared set-up (.venv, requirements, translations), migrate, load the demo data,
# then Django's development server on http://127.0.0.1:$PORT/ (PORT defaults to 8000).
#
# Needs no environment variable: the settings default to SQLite (db.sqlite3) and run Celery tasks
# eagerly, in-process. Set DATABASE_URL / CELERY_BROKER_URL to use PostgreSQL / a Redis broker.
set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/setup.sh
source "$SCRIPTS_DIR/setup.sh" --setup
cd "$ROOT_DIR"

PORT="${PORT:-8000}"
case "$PORT" in
    '' | *[!0-9]*) echo "PORT must be a number, not '$PORT'" >&2; exit 2 ;;
esac

say "Applying migrations (a few seconds; a minute on a fresh database)"
"$VENV_PY" manage.py migrate --noinput

say "Loading the demo data (about two minutes; each step prints what it made)"
started=$SECONDS
"$VENV_PY" manage.py seed_demo
say "Demo data loaded in $((SECONDS - started)) s"

# GHN and GHTK on loopback, for the demo shop's carrier accounts: every 20 s each booked parcel moves
# one step and its webhook reaches the server below.
say "Starting GHN (127.0.0.1:8701) and GHTK (127.0.0.1:8702) on loopback"
WEBHOOKS="http://127.0.0.1:$PORT/api/v1/carriers/webhooks"
"$VENV_PY" -m orders.shipping.demo_servers --advance-every 20 \
    --ghn-webhook "$WEBHOOKS/demo-ghn" --ghtk-webhook "$WEBHOOKS/demo-ghtk" &
CARRIERS_PID=$!
trap 'kill "$CARRIERS_PID" 2>/dev/null || true' EXIT

say "Starting the development server on http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
"$VENV_PY" manage.py runserver "127.0.0.1:$PORT"
