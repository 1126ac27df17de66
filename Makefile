# Rathaus – the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# A development checkout: var/development.env (RATHAUS_DEBUG=1 and a random secret key, written once
# by `make install`) lets every documented manage.py command run without exported variables; the
# settings never read it when RATHAUS_SECRET_KEY is set or under pytest (see docs/configuration.md).
DEV_ENV_FILE := var/development.env
# Links in mails of `make run` carry the development server's port.
DEV_ENV := RATHAUS_PUBLIC_PORT=$${RATHAUS_PUBLIC_PORT:-$(PORT)}

.PHONY: install install-python install-node dev-env translations migrate demo run worker cluster cluster-stop test lint typecheck pytest bench cluster-bench clean

install: install-python install-node dev-env translations

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv

install-python: $(UV)
	$(UV) sync --frozen --quiet

install-node:
	npm ci --no-audit --no-fund --loglevel=error

# Written once; `make clean` removes it with var/. Never copy it to a production server.
dev-env: $(DEV_ENV_FILE)

$(DEV_ENV_FILE):
	@mkdir -p var
	@umask 077 && { \
	  echo "# Written by make for development in this checkout. Never used in production (docs/configuration.md)."; \
	  echo "RATHAUS_DEBUG=1"; \
	  echo "RATHAUS_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	} > $@
	@echo "$@ geschrieben / written"

translations: install-python dev-env
	$(MANAGE) compile_translations

migrate: install
	$(DEV_ENV) $(MANAGE) migrate --no-input

demo: migrate
	$(DEV_ENV) $(MANAGE) load_demo

run: demo
	@echo ""
	@echo "  Rathaus läuft auf / is serving at  http://$(HOST):$(PORT)/"
	@echo "  Zeitz:        http://zeitz.localhost:$(PORT)/   Musterstadt: http://musterstadt.localhost:$(PORT)/"
	@echo "  Demo-Logins (Passwort / password: Rathaus-Demo-2026):"
	@echo "    buerger@zeitz.example          Bürgerin/Bürger"
	@echo "    admin@zeitz.example            Kommunal-Administration Zeitz (2FA)"
	@echo "    redaktion@zeitz.example        Redaktion Portal (2FA)"
	@echo "    sachbearbeitung@zeitz.example  Sachbearbeitung (2FA)"
	@echo "    hub@zeitz.example              Betrieb Digital Hub und Veranstaltungen (2FA)"
	@echo "    partner@it-partner.example     IT-Partner: bucht die fünf reservierten Plätze"
	@echo "    admin@musterstadt.example      Kommunal-Administration Musterstadt (2FA)"
	@echo "    plattform@rathaus.example      Plattform-Administration (2FA)"
	@echo "  2FA-Code: $(PY) manage.py demo_totp admin@zeitz.example  (TOTP-Secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP)"
	@echo ""
	@trap 'kill 0' EXIT; \
	$(DEV_ENV) $(MANAGE) run_worker --queue-name '*' & \
	$(DEV_ENV) $(MANAGE) runserver --noreload $(HOST):$(PORT)

worker: install
	$(DEV_ENV) $(MANAGE) run_worker --queue-name '*'

# The production topology on 127.0.0.1 (docs/operations.md, "A cluster on one machine"): haproxy,
# two granian app servers, two workers, PostgreSQL primary + streaming replica, pgbouncer, Redis db 3,
# moto_server as S3; ports 18300-18314, data in var/cluster/ (fresh at every start). Ctrl-C stops it.
cluster: install
	$(PY) -m ops.cluster.cluster

# Stops a cluster started in another terminal (or left behind) through its pid file.
cluster-stop:
	@if [ -f var/cluster/cluster.pid ]; then kill -TERM "$$(cat var/cluster/cluster.pid)" && echo "stopping"; \
	else echo "no cluster running (var/cluster/cluster.pid missing)"; fi

lint: install-python
	$(VENV)/bin/ruff check src tests bench ops
	$(VENV)/bin/ruff format --check src tests bench ops
	$(VENV)/bin/lint-imports

typecheck: install-python dev-env
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

test: install lint typecheck
	$(VENV)/bin/pytest

# Web throughput (home page vs bare view) on SQLite; then the module benchmarks, which race real
# writers and therefore need PostgreSQL (BENCH_DATABASE_URL, default: the local server).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rathaus
bench: install
	$(UV) sync --frozen --quiet --group bench
	$(PY) bench/run.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/hub_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/events_bench.py
	$(PY) bench/fim_bench.py
	$(PY) bench/appointments_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/cases_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/heritage_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/heritage_scale_bench.py
	$(PY) bench/mobility_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/opendata_bench.py

# One vs two app servers behind haproxy (needs PostgreSQL 15 server binaries, haproxy, pgbouncer, Redis).
cluster-bench: install
	$(UV) sync --frozen --quiet --group bench
	$(PY) bench/cluster_bench.py

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
