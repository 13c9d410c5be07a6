# clusterhub: `make demo` runs the product with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint typecheck pytest bench bench-load messages system-deps venv stop clean \
	deploy-lint prod-smoke

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages: Chromium (browser tests), poppler (PDF text in tests), Pango and DejaVu
# fonts (WeasyPrint renders Russian PDFs). Installed only when missing and when we may.
SYSTEM_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 \
	    || ! ldconfig -p | grep -q libpangoft2 || ! fc-list | grep -qi dejavu; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "note: install $(SYSTEM_PACKAGES) (no root/apt-get here): browser and PDF tests will skip"; fi; \
	fi

messages: $(STAMP)
	$(PY) frontend/compile_messages.py

# localstripe (fake Stripe API + Stripe.js) runs beside the demo unless STRIPE_API_BASE is set.
demo: $(STAMP) messages system-deps
	$(PY) manage.py demo_setup --port $(PORT)
	@set -m; if [ -z "$$STRIPE_API_BASE" ]; then \
	  mkdir -p .local; $(VENV)/bin/localstripe --port 8420 >>.local/localstripe.log 2>&1 & LS=$$!; \
	  export STRIPE_API_BASE=http://127.0.0.1:8420; trap "kill $$LS 2>/dev/null" EXIT INT TERM; \
	fi; $(PY) manage.py runserver $(HOST):$(PORT) --noreload

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

pytest: $(STAMP) messages system-deps
	$(VENV)/bin/pytest

test: lint deploy-lint pytest

# Dockerfile, compose file and Kubernetes manifests checked against their linters/schemas.
deploy-lint: $(STAMP)
	bash deploy/lint.sh

# The production stack started natively (gunicorn, Celery, nginx) and exercised end to end.
prod-smoke: $(STAMP) messages
	bash deploy/prod-smoke.sh

bench: $(STAMP) messages
	$(PY) -m bench

# Load through nginx + gunicorn with production settings (slow; not part of make test).
bench-load: $(STAMP) messages
	$(PY) -m bench.load

# Stop the embedded PostgreSQL server started for the demo (if any).
stop:
	-$(PY) -c "import sys; sys.path[:0]=['.','platform']; from clusterhub.env import embedded_server_stop; embedded_server_stop()"

clean: stop
	rm -rf $(VENV) .local
