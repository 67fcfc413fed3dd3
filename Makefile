# Seller Center: common tasks. Every recipe uses the virtualenv's python (.venv), which
# scripts/setup.sh creates and keeps in sync with requirements*.txt.

VENV   := .venv
PYTHON := $(VENV)/bin/python

.DEFAULT_GOAL := help
.PHONY: help setup demo test worker beat bench messages openapi clean

help:
	@echo "make setup                 create/refresh .venv and compile translations"
	@echo "make demo [PORT=8000]        migrate, load demo data, run the server on 127.0.0.1:PORT"
	@echo "make test [ARGS=...]       ruff + the whole test suite (COVERAGE=1: with a coverage report; ARGS go to pytest)"
	@echo "make worker                Celery worker taking every queue (needs CELERY_BROKER_URL)"
	@echo "make beat                  Celery beat scheduler (needs CELERY_BROKER_URL)"
	@echo "make bench NAME=<name>     run bench/<name>.py"
	@echo "make messages              update each app's Vietnamese catalogue (<app>/locale/vi)"
	@echo "make openapi               write the API's OpenAPI document to docs/openapi.yaml"
	@echo "make clean                 remove caches, coverage data and compiled translations"

setup:
	bash scripts/setup.sh

demo:
	PORT=$(or $(PORT),8000) bash scripts/demo.sh

test:
	bash scripts/test.sh $(ARGS)

worker: setup
	$(VENV)/bin/celery -A sellercenter worker -l info

beat: setup
	$(VENV)/bin/celery -A sellercenter beat -l info

bench:
	@if [ -z "$(NAME)" ]; then \
		echo "usage: make bench NAME=<name>   (runs bench/<name>.py)"; \
		echo "available: $$(cd bench 2>/dev/null && ls *.py 2>/dev/null | sed 's/\.py$$//' | tr '\n' ' ')"; \
		exit 2; \
	fi
	@test -f "bench/$(NAME).py" || { echo "bench/$(NAME).py does not exist"; exit 2; }
	@bash scripts/setup.sh
	$(PYTHON) bench/$(NAME).py

messages: setup
	$(PYTHON) manage.py makemessages -l vi --no-obsolete --ignore=.venv --ignore=tests --ignore=bench

# In English, with PostgreSQL's integer bounds (drf-spectacular reads them from the database backend;
# the URL is never connected to). tests/sellercenter/test_api_schema.py compares the file with the code.
openapi: setup
	DATABASE_URL=postgres://openapi@127.0.0.1:1/openapi $(PYTHON) manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -type f -name '*.mo' -exec rm -f {} +
	rm -rf .pytest_cache .ruff_cache htmlcov .coverage .coverage.*
