#!/usr/bin/env bash
# Run the demo: shared set-up (.venv, requirements, translations), migrate, load the demo data,
# then Django's development server on http://127.0.0.1:8000/.
#
# Needs no environment variable: the settings default to SQLite (db.sqlite3) and run Celery tasks
# eagerly, in-process. Set DATABASE_URL / CELERY_BROKER_URL to use PostgreSQL / a Redis broker.
set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/setup.sh
source "$SCRIPTS_DIR/setup.sh" --setup
cd "$ROOT_DIR"

say "Applying migrations"
"$VENV_PY" manage.py migrate --noinput

say "Loading the demo data"
"$VENV_PY" manage.py seed_demo

say "Starting the development server on http://127.0.0.1:8000/ (Ctrl-C to stop)"
exec "$VENV_PY" manage.py runserver 127.0.0.1:8000
