# certify: `make run` sets everything up and serves the app; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := certify

.PHONY: axe install run serve db content demo translations test test-fast lint system-packages messages clean

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

# This machine is a developer's: certificates may carry the loopback CERTIFY_BASE_URL (issuing
# refuses it elsewhere, since every printed QR code would point nowhere).
demo: content
	$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES="$(RUN_PACKAGES)"
	CERTIFY_DEVELOPMENT=$${CERTIFY_DEVELOPMENT:-1} $(BIN)/certify demo

run: demo
	CERTIFY_DEVELOPMENT=$${CERTIFY_DEVELOPMENT:-1} $(BIN)/certify run --host 127.0.0.1 --port 5000

# Debian packages: Chromium drives the browser tests; wrk loads the servers in
# `python -m certify.bench verify`; WeasyPrint's Pango comes with the base
# image; certificates are set in EB Garamond (names, titles) and Lato (text), both with full
# Latin coverage (Ñ, ã, ç), DejaVu stays as the fallback. Installed when missing.
RUN_PACKAGES := fonts-dejavu-core fonts-ebgaramond fonts-lato libpango-1.0-0 libpangoft2-1.0-0
SYSTEM_PACKAGES ?= $(RUN_PACKAGES) chromium npm wrk
# A package counts as present when dpkg has it or its command is on the PATH: Node.js images
# that bundle npm in their nodejs package conflict with Debian's own npm package.
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || command -v $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The suite runs on every core (pytest-xdist); tests that share a costly world (the browser's
# live server, the demo world, the broker) stay together on one worker (--dist loadgroup).
# Native tracebacks: pytest's own formatter re-parses source with ast, which CPython 3.11 can
# refuse after a test's deep recursion, turning one failure into a crashed worker.
TEST_WORKERS ?= $(shell nproc)
test: install system-packages axe
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup --tb=native

# axe-core, injected by the browser tests to check every role's pages for accessibility
# (tests/e2e/accessibility.py): the npm package at a pinned version, checked by its hash.
AXE_VERSION := 4.14.1
AXE_SHA256 := e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE_DIR := tests/e2e/.axe-core
axe: $(AXE_DIR)/axe-$(AXE_VERSION).min.js
$(AXE_DIR)/axe-$(AXE_VERSION).min.js:
	@mkdir -p $(AXE_DIR)
	cd $(AXE_DIR) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && echo "$(AXE_SHA256)  axe-core-$(AXE_VERSION).tgz" | sha256sum -c --quiet \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js package/LICENSE \
	  && mv axe.min.js axe-$(AXE_VERSION).min.js && rm axe-core-$(AXE_VERSION).tgz

test-fast: install
	$(BIN)/pytest -q -x -m "not e2e" -p no:cacheprovider

# The import rules (pyproject.toml's [tool.importlinter]) and ruff, as CI runs them.
lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check certify tests

# Refresh the message catalogues after changing user-facing strings.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i messages.pot -d certify/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
