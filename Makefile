# The two commands of the README: `make run` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# 127.0.0.1: this machine only. HOST=0.0.0.0 (with BASE_URL=http://<LAN address>:$(PORT)) lets
# phones on the same Wi-Fi open the printed demo stamps.
HOST   ?= 127.0.0.1
WORKERS ?= 2
export FLASK_APP := wsgi

.PHONY: install run test lint format translations extract-messages bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,redis]'
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues are build output (not committed); sources are translations/*/LC_MESSAGES/*.po.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile --use-fuzzy -d translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* _* .venv instance tests bench migrations static" -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations

# PORT and HOST reach the application too: without BASE_URL, stamps encode http://127.0.0.1:PORT.
run: export PORT := $(PORT)
run: export HOST := $(HOST)
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask wards load
	$(BIN)/flask demo load
	$(BIN)/flask retail demo load
	$(BIN)/flask reports demo load
	@$(BIN)/flask jobs follow-base-url
	@$(BIN)/flask base-url
	@echo "Serving on http://$(HOST):$(PORT)  (demo accounts: see README.md)"
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - \
		--access-logformat '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s' wsgi:app

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks of issue 3 (stamp page under load, 100,000 serials, stamp PDF); see bench/README.md.
# Needs wrk and a PostgreSQL server (BENCH_DATABASE_URL, default the local one); writes bench/results/.
bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache
