# Everything starts from a bare Python 3.11: `make test` and `make contract` create .venv on first use.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
CLIENT := generated/juspay-visa-agentic-client
STAMP  := $(VENV)/.installed
# Caches that `make typecheck` writes inside the client must not make the install look stale mid-run.
CLIENT_FILES := $(shell find $(CLIENT) -type f -not -path '*/__pycache__/*' -not -path '*/.mypy_cache/*' -not -path '*/.ruff_cache/*' 2>/dev/null)

.PHONY: install browser tools test lint typecheck check-generated regenerate contract mock bench package lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml $(CLIENT_FILES)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps --force-reinstall ./$(CLIENT)
	@touch $@

# Headless Chromium and its driver (Debian packages) for the inbox page's browser test, installed when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Tools the tests run beside the kit, pinned: mitmproxy (its own venv: it pins h11 and ruamel.yaml below what the
# kit's tools need) records a HAR as integrators do, and Redocly CLI's drift is compared with juspay-drift.
MITM    := .tools/mitmproxy
REDOCLY := tools/redocly/node_modules/.bin/redocly
tools: $(MITM)/.installed $(REDOCLY)

$(MITM)/.installed: requirements-mitmproxy.lock
	@test -x $(MITM)/bin/python || $(PYTHON) -m venv $(MITM)
	$(MITM)/bin/python -m pip --disable-pip-version-check -q install -r requirements-mitmproxy.lock
	@touch $@

$(REDOCLY): tools/redocly/package.json tools/redocly/package-lock.json
	cd tools/redocly && npm ci --no-audit --no-fund --silent
	@touch $@

# Three workers on two cores: the suite waits on servers and subprocesses as much as it computes, so a third
# worker keeps both cores busy (85 s against 96 s with two, measured here). The kit's tests share one worker,
# which builds the wheels once.
# Bytecode is written (even where PYTHONDONTWRITEBYTECODE is set): pytest's rewritten modules of schemathesis and
# hypothesis are then compiled once, not again in every worker and every suite run in a subprocess.
test: install browser tools lint typecheck check-generated
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 3 --dist loadgroup

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy juspay_kit scripts contract_tests tests
	cd $(CLIENT) && ../../$(VENV)/bin/mypy --strict juspay_visa_agentic_client

check-generated: install
	$(PY) scripts/regenerate.py --check

regenerate: install
	$(PY) scripts/regenerate.py
	$(PIP) install --no-deps --force-reinstall ./$(CLIENT)

contract: install
	$(PY) scripts/contract_check.py $(ARGS)

mock: install
	$(PY) scripts/mock_server.py $(ARGS)

bench: install tools
	$(PY) scripts/bench.py $(ARGS)

# The client and the kit, wheels and sdists, built with the pinned backends already in .venv, into $(DIST).
DIST ?= dist
package: install
	rm -rf $(DIST)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m build --no-isolation --outdir $(DIST) $(CLIENT)  # uv_build finds its binary on PATH
	$(PY) -m build --no-isolation --outdir $(DIST) .

# Re-resolve the pinned tool set (pyproject's exact pins plus their dependencies) into requirements.lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(d for d in p["dependencies"] + p["optional-dependencies"]["contract"] + p["optional-dependencies"]["dev"] if not d.startswith("juspay-")))' > .lock-venv/in.txt
	.lock-venv/bin/pip install --disable-pip-version-check -q -r .lock-venv/in.txt
	.lock-venv/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel | sort -f > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) reports dist .mypy_cache .ruff_cache .hypothesis .schemathesis
