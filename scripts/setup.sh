#!/usr/bin/env bash
# Shared set-up for the demo, the test suite and CI.
#
#   scripts/setup.sh                          create/refresh .venv and compile translations
#   source scripts/setup.sh                   the same, from another script (demo.sh, test.sh);
#                                             afterwards VENV_PY is the virtualenv's python and
#                                             .venv/bin is first on PATH
#   source scripts/setup.sh --functions-only  only define the shared functions (used by .ci/run)
#
# The virtualenv is created with Python 3.11 when it does not exist. Requirements are installed
# only when requirements*.txt changed since the last successful install: a hash of those files is
# kept in .venv/requirements.stamp.
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="$ROOT_DIR/.venv"
VENV_PY="$VENV_DIR/bin/python"
REQUIREMENTS_STAMP="$VENV_DIR/requirements.stamp"

say() { printf '==> %s\n' "$*"; }
warn() { printf '!!! %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Print the name of a Python 3.11 interpreter: python3.11, or python3 when that is 3.11.
# (A pyenv shim for a version that is not installed fails the version check and is skipped.)
find_python311() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Print the folder holding the PostgreSQL server binaries (initdb, pg_ctl, postgres), looking at
# PATH, then `pg_config --bindir`, then the newest /usr/lib/postgresql/<version>/bin (Debian).
find_pg_bindir() {
    local dir candidate
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        # Resolve symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) so that
        # createdb and postgres are looked up next to the real initdb.
        dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
        if [[ -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    fi
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    fi
    # Newest version first (sort -V orders 9.6 < 10 < 15 < 16 correctly).
    while IFS= read -r candidate; do
        if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            echo "$candidate"
            return 0
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    return 1
}

# Hash of every requirements file, so that any change (including the one included with -r) shows.
requirements_hash() {
    (cd "$ROOT_DIR" && cat requirements*.txt | sha256sum | cut -d' ' -f1)
}

ensure_venv() {
    local python
    if [[ -x "$VENV_PY" ]] && "$VENV_PY" -c 'import sys' >/dev/null 2>&1; then
        if ! "$VENV_PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            warn ".venv does not use Python 3.11 ($("$VENV_PY" --version 2>&1)); delete it to rebuild it"
        fi
        return 0
    fi
    python="$(find_python311)" || die "Python 3.11 is needed: install python3.11 (or a python3 that is 3.11)"
    if [[ -e "$VENV_DIR" ]]; then
        say "The virtualenv .venv is broken: recreating it with $python"
        "$python" -m venv --clear "$VENV_DIR"
    else
        say "Creating the virtualenv .venv with $python ($("$python" --version 2>&1))"
        "$python" -m venv "$VENV_DIR"
    fi
}

ensure_requirements() {
    local wanted
    wanted="$(requirements_hash)"
    if [[ -f "$REQUIREMENTS_STAMP" && "$(cat "$REQUIREMENTS_STAMP")" == "$wanted" ]]; then
        say "Requirements unchanged since the last install"
        return 0
    fi
    say "Installing requirements-dev.txt into .venv"
    "$VENV_PY" -m pip install --disable-pip-version-check --quiet -r "$ROOT_DIR/requirements-dev.txt"
    # Written only after a successful install, so a failed install is retried next time.
    echo "$wanted" >"$REQUIREMENTS_STAMP"
}

# msgfmt (from gettext) is what compilemessages runs. Install it when missing and we are root.
ensure_msgfmt() {
    command -v msgfmt >/dev/null 2>&1 && return 0
    warn "msgfmt (GNU gettext) is missing: translations cannot be compiled"
    if is_root && command -v apt-get >/dev/null 2>&1; then
        say "Installing gettext with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gettext >/dev/null
    fi
    command -v msgfmt >/dev/null 2>&1
}

compile_translations() {
    # Nothing to compile (and compilemessages would complain) when there is no .po file yet.
    if [[ -z "$(find "$ROOT_DIR" -path "$VENV_DIR" -prune -o -name '*.po' -print -quit)" ]]; then
        say "No .po files: no translations to compile"
        return 0
    fi
    if ! ensure_msgfmt; then
        warn "Continuing without compiled translations (install gettext to get them)"
        return 0
    fi
    say "Compiling translations"
    (cd "$ROOT_DIR" && "$VENV_PY" manage.py compilemessages --ignore=.venv -v 0)
}

setup_main() {
    ensure_venv
    ensure_requirements
    export VIRTUAL_ENV="$VENV_DIR"
    export PATH="$VENV_DIR/bin:$PATH"
    compile_translations
}

if [[ "${1:-}" != "--functions-only" ]]; then
    setup_main
fi
