# Two entry points for a fresh machine: `make run` and `make test`.
# Both create .venv and install the project into it the first time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean-index

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	# torch is pinned to 2.13.0 (a CPU build) in pyproject.toml.
	$(BIN)/pip install -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Read the bundled sample corpus into ./index and show what was read.
run: $(STAMP)
	$(BIN)/narrative-search ingest
	$(BIN)/narrative-search documents

# The test suite, as CI runs it.
test: $(STAMP)
	scripts/test

clean-index:
	rm -f index/corpus.sqlite index/corpus.sqlite-wal index/corpus.sqlite-shm
