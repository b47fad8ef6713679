# The front door. `make build` and `make test` are all a fresh machine needs; `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# `make ... PY=/path/to/python` runs with that Python as it is and installs nothing (tests/test_yearly.py
# runs the yearly loop on a copy of the repo that way, reusing one virtualenv).
ifeq ($(origin PY),command line)
INSTALL :=
else
PY := $(VENV)/bin/python
INSTALL := $(STAMP)
endif
PIPELINE := $(PY) -m pipeline

.PHONY: help build after-build test validate report warehouse diff docs sources fixtures bench clean roundtrip

# List the targets with their one-line descriptions.
help:
	@awk '/^# / && !text { text = substr($$0, 3) } /^[a-z-]+:/ && text { sub(/:.*/, "", $$1); \
	  printf "  make %-10s %s\n", $$1, text } !/^# / { text = "" }' $(MAKEFILE_LIST)

# Build outputs/<year>/ from every PDF under sources/, then refresh the warehouse and every year's report.
# A guide that fails is its own: the others are still published, the warehouse and the reports of every
# published year are still refreshed, and make exits 1 at the end. An interrupted build (Ctrl-C, exit 130;
# SIGTERM, 143) or a usage error (2) stops here with its own status.
build: $(INSTALL)
	@$(PIPELINE) build --sources sources --outputs outputs; status=$$?; \
	case $$status in 0|1) ;; *) exit $$status ;; esac; \
	$(MAKE) --no-print-directory after-build PY="$(PY)" || exit $$?; \
	if [ $$status -ne 0 ]; then echo "make build: a guide failed (see FAILED above); the other years are published" >&2; fi; \
	exit $$status

# The build rewrites outputs/.build-state.json only when it rebuilt something, so the warehouse and the
# reports are redone only then (or when missing): a no-op `make build` stays a no-op. The warehouse and then the
# reports are refreshed (one after the other: both take the outputs folder's one-writer lock), -k so one
# failing does not skip the other, and every stale report is written by one process, so the imports are
# paid once for all of them.
STATE := outputs/.build-state.json
PUBLISHED = $(patsubst outputs/%/manifest.json,%,$(wildcard outputs/[0-9][0-9][0-9][0-9]/manifest.json))
STALE_REPORTS = $(foreach y,$(PUBLISHED),$(if $(shell test outputs/$(y)/report.html -nt $(STATE) && echo ok),,$(y)))
after-build:
	@$(MAKE) --no-print-directory -k outputs/warehouse.duckdb after-build-reports PY="$(PY)"
.PHONY: after-build-reports
after-build-reports:
	$(if $(strip $(STALE_REPORTS)),$(PIPELINE) inspect $(strip $(STALE_REPORTS)) --sources sources --outputs outputs)
# (A build that found no PDF writes no state: then there is nothing newer to refresh from.)
$(STATE): ;
outputs/warehouse.duckdb: $(STATE)
	$(PIPELINE) warehouse --outputs outputs
	touch $@

# Check every published year under outputs/ against the schemas again.
validate: $(INSTALL)
	$(PIPELINE) validate --outputs outputs

# Write outputs/<year>/report.html for every published year (YEAR=2023 for one).
report: $(INSTALL)
	$(PIPELINE) inspect $(if $(YEAR),$(YEAR),--all) --sources sources --outputs outputs

# Load every published year into outputs/warehouse.duckdb (local, gitignored); `make build` runs it too.
warehouse: $(INSTALL)
	$(PIPELINE) warehouse --outputs outputs

# Compare two published years into outputs/diffs/OLD-NEW/ (NEW=Y: Y and the year before; OLD=X: X and the latest).
# Without either, the two latest; with both, that pair.
diff: $(INSTALL)
	$(PIPELINE) diff $(OLD) $(if $(NEW),--new $(NEW)) --outputs outputs

# Regenerate schemas/datapackage.json, docs/data-dictionary.md and docs/commands.md from the code.
docs: $(INSTALL)
	$(PIPELINE) docs

# Run the test suite.
test: $(INSTALL)
	$(PY) -m pytest -q

# The round trip through headless Chromium: 200 drawn guides printed to PDF and read back (needs chromium).
roundtrip: $(INSTALL)
	ROUNDTRIP_CHROMIUM=200 $(PY) -m pytest -q -p no:cacheprovider tests/test_roundtrip.py -k chromium

# Re-render the reconstructed 2022 source PDF from tools/make_reconstruction.py.
sources: $(INSTALL)
	$(PY) -m tools.make_reconstruction

# Re-make the layout fixtures in tests/fixtures/ (the LibreOffice ones need soffice on PATH).
fixtures: $(INSTALL)
	$(PY) -m tools.make_fixtures

# Benchmark small and long guides against pdfplumber alone; writes docs/benchmarks.md (not part of test).
bench: $(INSTALL)
	$(PY) -m tools.bench

# Remove the virtualenv, caches and local artifacts (the committed outputs/ stay).
clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info outputs/.build-state.json outputs/.staging \
	  outputs/dataset/*/.staging outputs/reports outputs/*/report.html outputs/*/report \
	  outputs/warehouse.duckdb outputs/warehouse.duckdb.wal
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Create the virtualenv and install the package with its dev extras; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)
