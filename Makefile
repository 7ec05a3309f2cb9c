# kerasbook: `make lab` opens the course, `make test` runs every test. Both set everything up first.
#
#   make lab      set up, then JupyterLab on notebooks/ (http://127.0.0.1:8888, URL with token printed)
#   make test     set up, then unit tests, the notebooks (nbval), the browser test and the Binder build
#   make unit | nbval | browser | binder | bench | clean
#   make notebooks  re-run the course, saving widget state into each notebook, and trust it
#   make lock     re-resolve requirements.lock (the versions everything installs) in a fresh venv
#
# Set-up is shared: system packages when missing (apt-get), then .venv with `pip install -e ".[test]"`
# constrained by requirements.lock, so .venv gets the versions the test suite passed with.
# The install is redone only when pyproject.toml or the lock changes (stamp .venv/.kerasbook-installed).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kerasbook-installed
LOCK := requirements.lock
LOCK_VENV := build/lock-venv
LAB_PORT ?= 8888
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)
SUDO := $(if $(AS_ROOT),,sudo)

# The same environment for every test step. XLA_FLAGS is left to the caller (unset by default).
export KERAS_BACKEND := jax
export JAX_PLATFORMS := cpu
export PYTHONHASHSEED := 0

# Run pytest; exit code 5 ("no tests collected") fails the build with a message, never passes silently.
define pytest
	status=0; $(BIN)/python -m pytest $(1) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "ERROR: pytest collected no tests from: $(1)"; fi; \
	exit $$status
endef

.PHONY: lab test setup system-packages unit nbval browser binder bench clean lock notebooks

# The course is trusted first, so its saved widget state renders before any cell runs.
lab: setup
	$(BIN)/jupyter trust notebooks/*.ipynb
	@echo "Opening JupyterLab on notebooks/ -- open the http://127.0.0.1:$(LAB_PORT)/lab?token=... URL printed below."
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
		$(if $(DISPLAY),,--no-browser) $(if $(AS_ROOT),--allow-root)

# Every step runs even if an earlier one failed, so one run shows all failures; the exit code is
# non-zero when any step failed.
test: setup
	@failed=""; \
	for step in unit nbval browser binder; do \
		echo; echo "===== make $$step ====="; \
		$(MAKE) --no-print-directory $$step || failed="$$failed $$step"; \
	done; \
	echo; \
	if [ -n "$$failed" ]; then echo "===== FAILED:$$failed ====="; exit 1; fi; \
	echo "===== all tests passed ====="

setup: system-packages $(STAMP)

# dot (graphviz) draws the diagrams, chromium runs the browser test, python3-venv makes .venv on Debian.
system-packages:
	@missing=""; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	[ -x $(BIN)/python ] || $(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# A venv that exists but has no working pip (e.g. made before python3-venv was there) is rebuilt.
$(STAMP): pyproject.toml $(LOCK)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c $(LOCK) -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	touch $(STAMP)

# The unit tests run in one process per core, up to 4 (pytest-xdist; each process imports JAX and
# Keras, about 0.5 GB), a whole test file to a process, so a file's module fixtures are built once.
UNIT_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 4 ? n : 4 )))
unit: setup
	@$(call pytest,-q -n $(UNIT_WORKERS) --dist loadfile -m 'not browser and not binder' --durations=10 tests)

# Strict nbval: every stored output is compared (after notebooks/sanitize.cfg). Once the course has
# notebooks, finding none is an error (pytest exit 5); before that, say so clearly.
nbval: setup
	@if compgen -G "notebooks/*.ipynb" >/dev/null; then \
		$(call pytest,-q --nbval notebooks --sanitize-with notebooks/sanitize.cfg); \
	else \
		echo "nbval: notebooks/ has no notebooks yet -- nothing to check"; \
	fi

browser: setup
	@$(call pytest,-q -m browser tests/browser)

# Builds a fresh environment from binder/ alone, as repo2docker would, and runs the welcome notebook in it.
binder: setup
	@$(call pytest,-q -m binder tests/binder)

bench: setup
	@for script in benchmarks/*.py; do echo "===== $$script ====="; $(BIN)/python $$script; done

# Run every notebook once, each in a fresh kernel (outputs discarded, notebooks untouched), so that
# JAX's compilation cache holds the course's compiled programs: `make warm lab`, and the first Run
# All of each lesson loads them instead of compiling (Binder's postBuild does the same).
.PHONY: warm
warm: setup
	$(BIN)/python binder/warm_cache.py

# The newest versions pyproject.toml allows, resolved in a fresh venv (nothing of .venv leaks in),
# written as requirements.lock (pip freeze, kerasbook itself left out). Then `make test`, and commit
# the lock if everything passes: make setup and Binder install exactly these versions.
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install -q ".[test]"
	{ echo "# The versions the test suite passed with: constraints for make setup and Binder."; \
	  echo "# Regenerate with: make lock (a fresh venv, then pip freeze), then make test."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude kerasbook; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf $(LOCK_VENV)

# Re-run every lesson in place, storing the widgets' state, then trust it (tools/run_course.py).
notebooks: setup
	$(BIN)/python tools/run_course.py

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache kerasbook.egg-info build dist
