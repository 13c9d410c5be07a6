# clusterhub: `make demo` runs the product with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help demo test lint pytest bench bench-load messages system-deps venv stop clean \
	deploy-lint prod-smoke prod-faults

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 16

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install the package with its dev tools

# Debian packages: Chromium (browser tests), poppler (PDF text in tests), Pango and DejaVu
# fonts (WeasyPrint renders Russian PDFs). Installed only when missing and when we may.
SYSTEM_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-deps: ## Debian packages for browser and PDF tests (when root)
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 \
	    || ! ldconfig -p | grep -q libpangoft2 || ! fc-list | grep -qi dejavu; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "note: install $(SYSTEM_PACKAGES) (no root/apt-get here): browser and PDF tests will skip"; fi; \
	fi

messages: $(STAMP) ## compile the translation catalogs
	$(PY) frontend/compile_messages.py

# localstripe (fake Stripe API + Stripe.js) and a local YooKassa-compatible server run beside the
# demo unless STRIPE_API_BASE / YOOKASSA_API_BASE point elsewhere.
demo: $(STAMP) messages system-deps ## the product with demo data on http://127.0.0.1:8000
	$(PY) manage.py demo_setup --port $(PORT)
	@set -m; if [ -z "$$STRIPE_API_BASE" ]; then \
	  mkdir -p .local; $(VENV)/bin/localstripe --port 8420 --from-scratch >>.local/localstripe.log 2>&1 & LS=$$!; \
	  export STRIPE_API_BASE=http://127.0.0.1:8420; trap "kill $$LS 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py localstripe_webhooks --port $(PORT); \
	fi; if [ -z "$$YOOKASSA_API_BASE" ]; then \
	  mkdir -p .local; $(PY) -m billing.gateways.yookassa_local --port 8430 >>.local/yookassa_local.log 2>&1 & YK=$$!; \
	  export YOOKASSA_API_BASE=http://127.0.0.1:8430; trap "kill $$YK $${LS:-} 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py yookassa_notifications --port $(PORT); \
	fi; $(PY) manage.py runserver $(HOST):$(PORT) --noreload

lint: $(STAMP) ## ruff, ruff format --check, mypy and the import-layer contracts (lint-imports)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	PYTHONPATH=platform $(VENV)/bin/lint-imports

# pytest-xdist: PYTEST_WORKERS processes, whole files per worker, the slowest files first
# (tests/conftest.py SLOW_FIRST). 2 fits this project's 2-core machines (the whole `make test`
# 9.6 min there against 19 min in one process); PYTEST_WORKERS=0 runs one process.
PYTEST_WORKERS ?= 2
pytest: $(STAMP) messages system-deps ## the test suite only (PYTEST_WORKERS=0: in one process)
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: ## everything CI runs: lint, deploy-lint and the whole suite (side by side, output kept per target)
	$(MAKE) --no-print-directory -j3 -O lint deploy-lint pytest

# Dockerfile, compose file and Kubernetes manifests checked against their linters/schemas.
deploy-lint: $(STAMP) ## Dockerfile, compose and Kubernetes manifests against their linters
	bash deploy/lint.sh

# The production stack started natively (gunicorn, Celery, nginx) and exercised end to end.
prod-smoke: $(STAMP) messages ## gunicorn + Celery + nginx + pgbouncer, production settings, end to end; then prod-faults
	bash deploy/prod-smoke.sh

# Faults under load through the production stack on private PostgreSQL/Redis servers.
prod-faults: $(STAMP) messages ## PostgreSQL down/restarted, broker down, worker killed mid-write, payment gateway down: what each cost
	PROD_SMOKE_ONLY=faults bash deploy/prod-smoke.sh

bench: $(STAMP) messages ## benchmarks: our numbers beside each baseline
	$(PY) -m bench

# Load through nginx + gunicorn with production settings (slow; not part of make test).
bench-load: $(STAMP) messages ## load through nginx + gunicorn (slow)
	$(PY) -m bench.load
	$(PY) -m bench.migrations

# Stop the embedded PostgreSQL server started for the demo (if any).
stop: ## stop the embedded PostgreSQL server of the demo
	-$(PY) -c "import sys; sys.path[:0]=['.','platform']; from clusterhub.env import embedded_server_stop; embedded_server_stop()"

clean: stop ## remove .venv and .local
	rm -rf $(VENV) .local
