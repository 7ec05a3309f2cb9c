# kerasbook: `make lab` opens the course, `make test` runs every test. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kerasbook-installed
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
export KERAS_BACKEND := jax
export JAX_PLATFORMS := cpu
export PYTHONHASHSEED := 0
# pytest exits 5 when it collected nothing: that is a failure here, never a silent pass.
PYTEST = $(BIN)/python -m pytest

.PHONY: lab test setup system-packages unit nbval browser bench clean

lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root)

test: setup unit nbval browser

setup: system-packages $(STAMP)

system-packages:
	@missing=""; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

unit: setup
	$(PYTEST) -q -m "not browser" --durations=10 tests

nbval: setup
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
		$(PYTEST) -q --nbval notebooks --sanitize-with notebooks/sanitize.cfg -p no:randomly; \
	else \
		echo "nbval: no notebooks in notebooks/ yet"; \
	fi

browser: setup
	$(PYTEST) -q -m browser tests/browser

bench: setup
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache kerasbook.egg-info
