# The two commands README promises: `make demo` and `make test`. Both create .venv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tether-installed
# Building llama-cpp-python compiles llama.cpp (about 9 minutes on 2 cores); pip caches the wheel.
export CMAKE_ARGS ?= -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

.PHONY: install demo test

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/tether -C seeds/demo edit calc.py --lines 1-4 -m "Add a docstring."

test: install
	$(PY) -m pytest -q
