# certify: `make run` sets everything up and serves the app; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := certify

.PHONY: install run serve db content demo translations test test-fast lint browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d certify/translations

db: install
	$(BIN)/certify db upgrade

content: db
	$(BIN)/certify content load

demo: content
	$(BIN)/certify demo

run: demo
	$(BIN)/certify run --host 127.0.0.1 --port 5000

# Debian's Chromium drives the browser tests; installed once when missing (CI runs as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

test: install browser
	$(BIN)/pytest -q -p no:cacheprovider

test-fast: install
	$(BIN)/pytest -q -x -m "not e2e" -p no:cacheprovider

lint: install
	$(BIN)/ruff check certify tests

# Refresh the message catalogues after changing user-facing strings.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i messages.pot -d certify/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
