# The front door. `make build` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: build test clean sources

# Build outputs/<year>/ from every PDF under sources/ (creates .venv first if needed).
build: $(STAMP)
	$(PY) -m pipeline build --sources sources --outputs outputs

# Run the test suite.
test: $(STAMP)
	$(PY) -m pytest -q

# Re-render the reconstructed 2022 source PDF from tools/make_reconstruction.py.
sources: $(STAMP)
	$(PY) tools/make_reconstruction.py

# Remove the virtualenv and caches (outputs/ is committed and kept).
clean:
	rm -rf $(VENV) .pytest_cache outputs/.staging outputs/reports
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Create the virtualenv and install the package with its dev extras; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)
