# cxowner: `make run` starts a demo on this machine, `make test` runs every test.
# Only Python 3.11+ is needed; PostgreSQL and Redis are used when DATABASE_URL / REDIS_URL are set.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
DEV_ENV := DEBUG=true

.PHONY: run demo-reset test lint format bench load check-deploy clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The demo audits shortly after edits (10 s debounce) and every minute, so the log shows the
# worker and beat at work; organizations keep the nightly default otherwise.
DEMO_AUDIT_SCHEDULE := * * * * *
run: export AUDIT_DEBOUNCE_SECONDS ?= 10
run: $(VENV)/.installed
	mkdir -p var/celery/queue var/celery/control
	$(DEV_ENV) $(MANAGE) migrate --noinput
	@# Seeds once: a demo that exists keeps its edits, history and tokens (make demo-reset starts over).
	$(DEV_ENV) $(MANAGE) seed_demo --audit-schedule "$(DEMO_AUDIT_SCHEDULE)"
	@echo
	@echo "cxowner runs on http://127.0.0.1:8000/ (admin: http://127.0.0.1:8000/admin/)"
	@echo "Demo logins: admin / cxowner-admin, cxlead / cxowner-cxlead, exec / cxowner-exec"
	@echo "Press Ctrl+C to stop the web server, the worker and beat."
	@echo
	@# Stop the worker through its main process only: a TERM sent to its pool and beat
	@# children as well (kill 0) leaves it waiting for them for ever.
	@trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' INT TERM EXIT; \
	$(DEV_ENV) $(VENV)/bin/celery -A cxowner worker --beat --loglevel info --concurrency 2 & worker=$$!; \
	$(DEV_ENV) $(MANAGE) runserver --noreload 127.0.0.1:8000

# Deletes the demo organization (its edits, history and tokens) and builds it anew.
demo-reset: $(VENV)/.installed
	mkdir -p var
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) seed_demo --reset --audit-schedule "$(DEMO_AUDIT_SCHEDULE)"

# Two pytest-xdist workers by default (each with its own test database and Redis database; see
# tests/conftest.py); TEST_WORKERS=0 runs the tests in one process, TEST_WORKERS=auto one per core.
# worksteal hands each worker a run of neighbouring tests and rebalances at the end.
TEST_WORKERS ?= 2
test: $(VENV)/.installed
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Each benchmark prints its own tables and the targets it checked; the last step prints every
# target of the run together, with PASS or MISS and the database it was measured on.
bench: $(VENV)/.installed
	$(DEV_ENV) $(MANAGE) migrate --noinput -v0
	$(DEV_ENV) $(MANAGE) bench_summary --forget
	$(DEV_ENV) $(MANAGE) bench $(BENCH_ARGS)
	$(DEV_ENV) $(MANAGE) bench_api $(BENCH_API_ARGS)
	$(DEV_ENV) $(MANAGE) bench_pages $(BENCH_PAGES_ARGS)
	$(DEV_ENV) $(MANAGE) bench_imports $(BENCH_IMPORTS_ARGS)
	$(DEV_ENV) $(MANAGE) bench_reports $(BENCH_REPORTS_ARGS)
	$(DEV_ENV) $(MANAGE) bench_sheet $(BENCH_SHEET_ARGS)
	$(DEV_ENV) $(MANAGE) bench_push $(BENCH_PUSH_ARGS)
	$(DEV_ENV) $(MANAGE) bench_summary

# Editors, audits, a scenario and imports at once on gunicorn and a worker: 5xx and p50/p99 per kind.
load: $(VENV)/.installed
	$(DEV_ENV) $(MANAGE) migrate --noinput -v0
	$(DEV_ENV) $(MANAGE) bench_load $(LOAD_ARGS)

# The production settings must pass Django's deployment checklist without a warning.
check-deploy: $(VENV)/.installed
	DEBUG=false SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-enough-secret-key-value-0123456789 \
	ALLOWED_HOSTS=cxowner.example.com $(MANAGE) check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles
