# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium poppler-utils
HOST ?= 127.0.0.1:8000
# Links in e-mails (verification, notifications) are built from SITE_URL; `make run HOST=…` serves there, so it
# is the default for this run (an explicit SITE_URL, e.g. behind a proxy, wins). The host also has to be allowed.
RUN_SITE_URL = $(or $(SITE_URL),http://$(HOST))
RUN_HOSTNAME = $(patsubst [%],%,$(firstword $(subst :, ,$(HOST))))

.PHONY: install system-deps run test lint worker beat migrate

system-deps:
	@bash .ci/system-deps $(DEBS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: system-deps $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_publication_demo --site-url "$(RUN_SITE_URL)"
	$(BIN)/python manage.py load_review_demo
	@echo "打开 $(RUN_SITE_URL)/（邮件中的链接指向此地址；如经反向代理访问，请设置 SITE_URL）"
	SITE_URL="$(RUN_SITE_URL)" DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,[::1],$(RUN_HOSTNAME)}" \
		$(BIN)/python manage.py runserver $(HOST)

# The dependency direction first (import-linter contract in pyproject.toml), then the suite.
test: install
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

worker: install
	$(BIN)/celery -A config.celery_app worker -l info

beat: install
	$(BIN)/celery -A config.celery_app beat -l info

.PHONY: bench
# Every bench/*.py script in turn (files starting with "_" are their helpers); fails if any script fails.
# bench/load.py is the load benchmark of issue 13 (PostgreSQL: DATABASE_URL's server, database kjfdy_bench).
bench: install
	@status=0; for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || status=1; done; \
	exit $$status
