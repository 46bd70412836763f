# The two commands README promises: `make demo` and `make test`. Both create .venv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tether-installed
# Building llama-cpp-python compiles llama.cpp (about 9 minutes on 2 cores); pip caches the wheel.
export CMAKE_ARGS ?= -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

.PHONY: install demo lint test test-vscode

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/tether -C seeds/demo edit calc.py --lines 1-4 -m "Add a docstring."

# The static checks: lint, formatting, types (mypy's config and strict modules are in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check server tests
	$(VENV)/bin/ruff format --check server tests
	$(VENV)/bin/mypy

# Cheapest first: the static checks, then pytest, then the (slower) VS Code end-to-end test.
test: lint
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory test-vscode

# The VS Code client: unit tests, the .vsix, and the end-to-end test in code-server + chromium.
# setup.sh installs once (apt chromium and libkrb5-dev, Node 24, code-server, npm ci) and skips
# what is already there; a cached run takes about a minute.
test-vscode: install
	vscode-client/test/e2e/setup.sh
	cd vscode-client && npm test --silent && npm run package --silent
	TETHER_E2E_SERVER=$(abspath $(VENV))/bin/tether node vscode-client/test/e2e/run.mjs
