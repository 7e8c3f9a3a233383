# Corriere's everyday commands. `just --list` shows them; the first run of `python3 dev.py`
# installs `just` into .venv/bin along with everything else.

set dotenv-load := false

venv := ".venv/bin"
pg_url := env_var_or_default("CORRIERE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/postgres")

# List the recipes
default:
    @just --list

# Run the whole platform on embedded defaults (SQLite, embedded Redis, SMSC simulator)
run:
    {{venv}}/corriere up

# Same as `run`
up: run

# Run the test suite on SQLite and the embedded Redis (extra arguments go to pytest)
test *ARGS:
    {{venv}}/python -m pytest {{ARGS}}

# Run the test suite on PostgreSQL and the local Redis server
test-pg *ARGS:
    CORRIERE_TEST_DATABASE_URL={{pg_url}} CORRIERE_TEST_REDIS_URL=${CORRIERE_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} {{venv}}/python -m pytest {{ARGS}}

# Lint: ruff, ruff-format check, mypy --strict, import-linter contracts
lint:
    {{venv}}/ruff check src tests bench
    {{venv}}/ruff format --check src tests bench
    {{venv}}/mypy
    {{venv}}/lint-imports

# Apply ruff's fixes and formatting
fix:
    {{venv}}/ruff check --fix src tests bench
    {{venv}}/ruff format src tests bench migrations

# Bring the database schema up to date
migrate:
    {{venv}}/corriere migrate

# Write a new migration from the changes to the tables (DESC describes it)
makemigrations DESC:
    PICCOLO_CONF=corriere.platform.piccolo_conf {{venv}}/piccolo migrations new corriere --auto --desc "{{DESC}}"

# The web server alone
web:
    {{venv}}/corriere web

# The default-queue worker alone
worker:
    {{venv}}/corriere worker

# The gateway (SMPP binds) alone
gateway:
    {{venv}}/corriere gateway

# The support console
tui:
    {{venv}}/corriere tui

# The SMSC simulator alone
smsc-sim:
    {{venv}}/corriere smsc-sim

# Benchmark the pipeline (creation and end-to-end delivery) on SQLite then PostgreSQL, N recipients
bench N="100000":
    {{venv}}/python bench/pipeline.py --n {{N}} --db sqlite
    {{venv}}/python bench/pipeline.py --n {{N}} --db postgres --pg-url {{pg_url}}

# Benchmark the panel pages under 50 signed-in sessions (needs wrk), on SQLite then PostgreSQL
bench-web:
    {{venv}}/python bench/web.py --db sqlite
    {{venv}}/python bench/web.py --db postgres --pg-url {{pg_url}}

# What each panel page costs in CPU instructions per request (needs valgrind; steady, unlike req/s)
bench-web-cost:
    {{venv}}/python bench/web_cost.py --db sqlite
    {{venv}}/python bench/web_cost.py --db postgres --pg-url {{pg_url}}

# Benchmark the address book: N-row import, export and search, and a million-row import's memory
bench-contacts N="100000":
    {{venv}}/python bench/contacts.py --n {{N}} --db sqlite
    {{venv}}/python bench/contacts.py --n {{N}} --db postgres --pg-url {{pg_url}}

# Extract the web panel's translatable strings (Italian msgids) into locales/messages.pot
i18n-extract:
    {{venv}}/pybabel extract -F babel.cfg -o src/corriere/web/locales/messages.pot --project Corriere --copyright-holder Corriere --sort-by-file --no-wrap src/corriere/web

# Merge newly extracted strings into every language's messages.po; then translate the empty entries
i18n-update: i18n-extract
    {{venv}}/pybabel update -i src/corriere/web/locales/messages.pot -d src/corriere/web/locales --no-wrap --ignore-obsolete

# Check every catalog translates every string (the app compiles the .po files at start-up)
i18n-check:
    {{venv}}/python -m pytest tests/web/test_web_i18n.py -q -k catalog
