# Two entry points for a fresh machine: `make run` and `make test`.
# Both create .venv and install the project into it the first time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# apt-get needs root: use sudo when not already root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install browser ocr index clean-index

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	# torch is pinned to 2.13.0 (a CPU build) in pyproject.toml.
	$(BIN)/pip install -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium, which the browser test drives through Playwright
# (never Playwright's own browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || $(SUDO) apt-get install -y chromium \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# Debian's tesseract and its English data, which read scanned PDFs (pages with no text layer).
ocr:
	@tesseract --list-langs 2>/dev/null | grep -qx eng || $(SUDO) apt-get install -y tesseract-ocr tesseract-ocr-eng \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y tesseract-ocr tesseract-ocr-eng; }

# Read the bundled corpus into ./index (only what is new or changed) and build the search index.
index: $(STAMP) ocr
	$(BIN)/narrative-search ingest

# The app on the bundled corpus: http://localhost:$(PORT)
run: index
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

# The test suite, as CI runs it.
test: $(STAMP) browser ocr
	scripts/test

clean-index:
	rm -rf index/corpus.sqlite index/corpus.sqlite-wal index/corpus.sqlite-shm index/search index/vectors.sqlite
