# aurora: `make demo` and `make test` work on a fresh Debian clone (as root they also
# install Ceph). Dev tools live in .venv/, server state in .run/ (both gitignored).

SHELL := /bin/bash
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
PYTEST_ARGS ?=
CEPH_BINS := ceph-mon ceph-osd radosgw ceph monmaptool radosgw-admin openssl
CEPH_PKGS := ceph-mon ceph-osd radosgw ceph-common openssl
SERVERS := PYTHON=$(VPY) scripts/servers.sh
# PyPy 3.9 (Debian's pypy3) runs the unit and RGW integration tiers in its own venv.
PYPY ?= pypy3
PYPY_VENV := .venv-pypy
PPY := $(PYPY_VENV)/bin/python
PYPY_TIERS := tests/unit tests/corpus tests/integration -m "not moto"

.PHONY: help venv ceph pypy venv-pypy lint unit integration servers-up servers-down test test-runtimes demo clean

## help: this list of targets (each documented by its `## target:` comment)
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); name = $$1; sub(/^[a-z-]+: */, ""); gsub(/\$$\$$/, "$$"); \
		printf "  %-14s %s\n", substr(name, 1, length(name) - 1), $$0; next } \
		/^##  / { sub(/^## */, ""); printf "  %-14s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## venv: .venv with aurora (editable) and the dev tools from pyproject.toml
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

## ceph: install the Ceph packages RGW needs (and openssl, which the TLS tests use) when missing (root with apt-get only)
ceph:
	@missing=""; for b in $(CEPH_BINS); do command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "ceph: installing $(CEPH_PKGS) (missing:$$missing)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(CEPH_PKGS) >/dev/null; \
	elif [ "$${CI:-}" = true ]; then \
		echo "ceph: missing$$missing and cannot install (needs root and apt-get)" >&2; exit 1; \
	else \
		echo "ceph: missing$$missing and cannot install (needs root and apt-get); RGW tests will not run"; \
	fi

## pypy: install Debian's pypy3 and pypy3-venv (Python 3.9) when missing (root with apt-get only)
pypy:
	@if command -v $(PYPY) >/dev/null 2>&1 && $(PYPY) -c 'import ensurepip, venv' 2>/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "pypy: installing pypy3 pypy3-venv"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pypy3 pypy3-venv >/dev/null; \
	elif [ "$${CI:-}" = true ]; then \
		echo "pypy: $(PYPY) missing and cannot install (needs root and apt-get)" >&2; exit 1; \
	else \
		echo "pypy: $(PYPY) missing and cannot install (needs root and apt-get); PyPy tests will not run"; \
	fi

## venv-pypy: .venv-pypy with aurora (editable), pytest and the oracles that install on PyPy
venv-pypy: pypy
	@if command -v $(PYPY) >/dev/null 2>&1; then $(MAKE) --no-print-directory $(PYPY_VENV)/.installed; fi

$(PYPY_VENV)/.installed: pyproject.toml
	test -x $(PPY) || $(PYPY) -m venv $(PYPY_VENV)
	$(PPY) -m pip install --disable-pip-version-check -q -e '.[pypy-test]'
	touch $@

## lint: ruff check, ruff format --check and mypy --strict (aurora/ for 3.9, tests/); all run even when one fails
lint: venv
	@rc=0; \
	$(VPY) -m ruff check aurora tests benchmarks examples || rc=1; \
	$(VPY) -m ruff format --check aurora tests benchmarks examples || rc=1; \
	$(VPY) -m mypy --strict aurora || rc=1; \
	$(VPY) -m mypy --strict --python-version 3.10 tests || rc=1; \
	exit $$rc

## unit: the tests that need no server
unit: venv
	$(VPY) -m pytest tests/unit $(PYTEST_ARGS)

## integration: the server tests, against RGW and moto started for this run
integration: venv ceph
	$(SERVERS) run $(VPY) -m pytest tests/integration $(PYTEST_ARGS)

## servers-up: start Ceph RGW and moto for repeated test runs (state in .run/)
servers-up: venv ceph
	$(SERVERS) up

## servers-down: stop the servers servers-up started
servers-down:
	@if [ -x $(VPY) ]; then $(SERVERS) down; else PYTHON=$(PYTHON) scripts/servers.sh down; fi

## test: lint, then every test tier against RGW and moto on CPython, and the unit and RGW
##       tiers on PyPy against the same servers; servers stop whatever happens
test: venv venv-pypy ceph
	@rc=0; \
	$(MAKE) --no-print-directory lint || rc=$$?; \
	$(SERVERS) run $(MAKE) --no-print-directory test-runtimes || rc=$$?; \
	if [ $$rc -ne 0 ]; then echo "make test: FAILED (exit $$rc)" >&2; fi; \
	exit $$rc

## test-runtimes: the pytest runs of `make test` (CPython, then PyPy), against servers already up
test-runtimes:
	@rc=0; \
	$(VPY) -m pytest tests --continue-on-collection-errors $(PYTEST_ARGS) || rc=$$?; \
	if [ -x $(PPY) ]; then \
		echo "== PyPy: $$($(PPY) -c 'import sys; print(sys.version.split()[0], sys.implementation.name)')"; \
		$(PPY) -m pytest $(PYPY_TIERS) -p no:cacheprovider $(PYTEST_ARGS) || rc=$$?; \
	else \
		echo "PyPy tiers not run: $(PPY) missing"; \
		if [ "$${CI:-}" = true ]; then rc=1; fi; \
	fi; \
	exit $$rc

## demo: examples/quickstart.py against $$AWS_ENDPOINT_URL or a throwaway local RGW
demo: $(if $(AWS_ENDPOINT_URL),,ceph)
	PYTHON=$(PYTHON) scripts/demo.sh

## clean: stop the servers and remove their state (.run/)
clean: servers-down
	rm -rf .run

## zipapp: dist/aurora.pyz, the command and the package in one file (`python3 dist/aurora.pyz ls s3://b/`)
.PHONY: zipapp
zipapp:
	$(PYTHON) scripts/build_zipapp.py

# ------------------------------------------------------------------------------------
## bench: aurora vs boto3 vs libcloud, then the aurora command vs aws-cli vs s5cmd (CLI_BENCH_ARGS="--reps 2"),
##        on one local Ceph RGW, started unless one is up
##        (BENCH_ARGS="--reps 3 --scenarios small_pairs,import"); not part of `make test`
.PHONY: bench
bench: venv ceph
	$(VPY) benchmarks/run.py $(BENCH_ARGS)
	$(VPY) benchmarks/cli_bench.py $(CLI_BENCH_ARGS)
	$(VPY) benchmarks/sync_merge.py

# ==================================================================================== soak
## soak: a bounded mixed load on RGW (SOAK_SECONDS, default 600; SOAK_ARGS="--threads 8") that
##       reports operations per second, errors and memory growth; not part of `make test`
SOAK_SECONDS ?= 600
SOAK_ARGS ?=
.PHONY: soak
soak: venv ceph
	$(SERVERS) run $(VPY) benchmarks/soak.py --duration $(SOAK_SECONDS) $(SOAK_ARGS)
