# Batch Norm Lab: `make run` serves the app, `make test` runs everything.
# Both create .venv and install pinned requirements on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# Optional extra index for a CPU-only torch wheel, e.g.
#   make run TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
PIP_EXTRA := $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX),)
PYTEST_ARGS ?=
# Test files are spread over this many worker processes (pytest-xdist), one file per
# worker at a time: most of the suite's wall time is browser tests waiting on a server.
JOBS ?= 2
XDIST := $(if $(filter-out 0 1,$(JOBS)),-n $(JOBS) --dist loadfile,)

.PHONY: run test test-random test-image lint format unit app-tests browser bench clean help

help:
	@echo "make run    - set up .venv and serve the app on http://localhost:$(PORT)"
	@echo "make test   - set up .venv (with dev tools), lint, and run the whole test suite"
	@echo "              (with CI set, also make test-image)"
	@echo "make test-image - build and run the Docker image with buildah (root, buildah, mmdebstrap)"
	@echo "make bench  - run the benchmarks and print their ratios"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install $(PIP_EXTRA) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install $(PIP_EXTRA) -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m bnlib.ui.serve --server.port=$(PORT)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: lint
	$(PY) -m pytest -p no:randomly $(XDIST) $(PYTEST_ARGS)
ifneq ($(CI),)
	$(MAKE) test-image
endif

# The same suite in a random order (pytest-randomly prints the seed; repeat an order with
# PYTEST_ARGS=--randomly-seed=N): no test may depend on another.
test-random: $(VENV)/.dev
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# The real image, built with buildah and run (tests/deploy/test_image.py); plain pytest
# leaves it out. Where BNLAB_REQUIRE_IMAGE=1, missing tools fail it instead of skipping.
test-image: $(VENV)/.dev
	$(PY) -m pytest -m image tests/deploy/test_image.py -p no:randomly $(PYTEST_ARGS)

unit: $(VENV)/.dev
	$(PY) -m pytest tests --ignore=tests/browser --ignore=tests/deploy --ignore=tests/pages --ignore=tests/app $(PYTEST_ARGS)

bench: $(VENV)/.dev
	PYTHONPATH=. $(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
