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

.PHONY: help venv ceph lint unit integration servers-up servers-down test demo clean

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

## lint: ruff check, ruff format --check and mypy --strict; both run even when the first fails
lint: venv
	@rc=0; \
	$(VPY) -m ruff check aurora tests benchmarks examples || rc=1; \
	$(VPY) -m ruff format --check aurora tests benchmarks examples || rc=1; \
	$(VPY) -m mypy --strict aurora || rc=1; \
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

## test: lint, then every test tier against RGW and moto; servers stop whatever happens
test: venv ceph
	@rc=0; \
	$(MAKE) --no-print-directory lint || rc=$$?; \
	$(SERVERS) run $(VPY) -m pytest tests --continue-on-collection-errors $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -ne 0 ]; then echo "make test: FAILED (exit $$rc)" >&2; fi; \
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
## bench: aurora vs boto3 vs libcloud on one local Ceph RGW, started unless one is up
##        (BENCH_ARGS="--reps 3 --scenarios small_pairs,import"); not part of `make test`
.PHONY: bench
bench: venv ceph
	$(VPY) benchmarks/run.py $(BENCH_ARGS)

# ==================================================================================== soak
## soak: a bounded mixed load on RGW (SOAK_SECONDS, default 600; SOAK_ARGS="--threads 8") that
##       reports operations per second, errors and memory growth; not part of `make test`
SOAK_SECONDS ?= 600
SOAK_ARGS ?=
.PHONY: soak
soak: venv ceph
	$(SERVERS) run $(VPY) benchmarks/soak.py --duration $(SOAK_SECONDS) $(SOAK_ARGS)
