# Lifescope News: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run test install install-browser migrate demo lint format serve collectstatic clean browser-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py load_demo

run: demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# One pytest run: the browser tests (tests/browser) run too where Chromium and the Playwright
# client are (`make install-browser`), and skip, saying why, where they are not.
test: install node_modules/.installed
	$(BIN)/python -m pytest

# Test tools from the npm registry (package.json) into node_modules/: axe-core for the browser
# tests, vnu-jar (the Nu Html Checker, run with Java: Debian's default-jre-headless) for
# tests/lifescope/test_valid_html.py. Without npm, or without Java, those tests skip, saying why.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found (Debian: apt-get install npm): the tests that need axe-core or vnu-jar will skip"; \
	fi

# The real-browser tests (tests/browser). Playwright drives the system's Chromium at
# /usr/bin/chromium (Debian: apt-get install chromium) and never downloads a browser of its own.
# `make test` skips them, saying why, where these are missing.
$(VENV)/.browser-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,browser]'
	touch $@

install-browser: $(VENV)/.browser-installed

browser-test: $(VENV)/.browser-installed node_modules/.installed
	$(BIN)/python -m pytest -m browser tests/browser

# Production-style serving: DEBUG off, hashed and compressed static files, gunicorn workers.
# Needs DJANGO_SECRET_KEY; for plain HTTP on this machine also set DJANGO_SECURE_SSL_REDIRECT=0
# and DJANGO_SECURE_COOKIES=0 (behind a TLS proxy set DJANGO_SECURE_PROXY_SSL_HEADER instead).
collectstatic: install
	DJANGO_DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0

serve: collectstatic
	DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=0 PORT=$(PORT) $(BIN)/gunicorn -c lifescope/gunicorn_conf.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis node_modules test-artifacts
