# Two entry points, each setting up what it needs (idempotently) on a fresh machine:
#   make site   build the example handbook into site/ (validates first, then --strict build)
#   make test   lint, type-check and run the whole test suite, browser tests included
# Chromium comes from Debian (apt-get, as root or through sudo); yaml-language-server from npm.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: site serve test lint validate bench clean

site: $(VENV)/.site
	$(BIN)/opsbook validate
	$(BIN)/mkdocs build --strict

serve: $(VENV)/.site
	$(BIN)/mkdocs serve

validate: $(VENV)/.site
	$(BIN)/opsbook validate

test: $(VENV)/.test /usr/bin/chromium tests/node_modules/.bin/yaml-language-server lint
	$(BIN)/pytest

lint: $(VENV)/.test
	$(BIN)/ruff check plugins tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.bench
	$(BIN)/python benchmarks/run.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.site: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.site
	$(BIN)/pip install -q -e ".[test]"
	touch $@

$(VENV)/.bench: pyproject.toml $(VENV)/.test
	$(BIN)/pip install -q -e ".[bench]"
	touch $@

/usr/bin/chromium:
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q --no-install-recommends chromium

tests/node_modules/.bin/yaml-language-server: tests/package.json tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund
	touch $@

clean:
	rm -rf site .pytest_cache .mypy_cache .ruff_cache
