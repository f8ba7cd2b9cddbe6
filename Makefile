# CF Messenger. `make run` and `make test` work on a fresh machine with Python 3.11.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export HOST PORT

.PHONY: cluster cluster-drills cluster-status cluster-down screenshots run run-cluster test test-fast lint bench reliability venv deps dev-deps clean

$(PY):
	@echo "==> creating virtual environment in $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(PY)
	@echo "==> installing runtime dependencies (requirements.txt)"
	@$(PY) -m pip install --quiet --progress-bar off -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(PY)
	@echo "==> installing test dependencies (requirements-dev.txt)"
	@$(PY) -m pip install --quiet --progress-bar off -r requirements-dev.txt
	@touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

run: deps
	@echo "==> migrating the database (SQLite in .local/ unless DATABASE_URL is set)"
	@$(PY) manage.py migrate --noinput -v 0
	@echo "==> seeding demo users, rooms and bots"
	@$(PY) manage.py seed_demo
	@echo "==> demo presence on: demo people nobody has signed in as yet show as online (DEMO_PRESENCE=0 turns it off)"
	@DEMO_PRESENCE=$${DEMO_PRESENCE:-1} $(PY) manage.py serve --host $(HOST) --port $(PORT)

run-cluster: deps
	@test -n "$$REDIS_URL" || { echo "run-cluster needs REDIS_URL (and DATABASE_URL): see README, production mode"; exit 2; }
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@$(PY) manage.py serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# The production topology on this machine (docs/DEPLOYMENT.md); root: namespaces, packages, PostgreSQL.
cluster: deps
	@$(PY) scripts/cluster/cluster.py up

# The fault drills against it (docs/RELIABILITY.md); DRILLS="redis-master app-host" runs some.
cluster-drills: deps
	@$(PY) scripts/cluster/drills.py $(DRILLS)

cluster-status:
	@$(PY) scripts/cluster/cluster.py status

cluster-down:
	@$(PY) scripts/cluster/cluster.py down

test: dev-deps
	@bash scripts/ci-browser-deps.sh
	@bash scripts/test.sh

screenshots: dev-deps
	@CFM_SCREENSHOTS=1 $(PY) -m pytest -q tests/ui

lint: dev-deps
	@$(VENV)/bin/ruff check .

bench: dev-deps
	@$(PY) -m bench

reliability: dev-deps
	@$(PY) -m pytest -m reliability -p no:cacheprovider tests/reliability

clean:
	rm -rf $(VENV) .local .pytest_cache
