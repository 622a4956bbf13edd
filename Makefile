# Quick start: `make run` (chat) and `make test` (every test). Both create .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF

.PHONY: run test lint format bench ingest clean browser-deps

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.base: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.llm: requirements-llm.txt $(VENV)/.base
	# Portable CPU build: a -march=native build of llama.cpp crashed here (AMX in a VM).
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(BIN)/pip install --quiet -r requirements-llm.txt
	touch $@

run: $(VENV)/.base
	$(BIN)/python app.py

ingest: $(VENV)/.base
	$(BIN)/python -m qa ingest

test: browser-deps $(VENV)/.base $(VENV)/.llm
	$(BIN)/python -m pytest

# The browser tests drive Debian's headless Chromium: installed here when run as root.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing chromium and chromium-driver for the browser tests (apt-get)"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "make test needs Chromium for its browser tests: sudo apt-get install chromium chromium-driver"; \
		exit 1; \
	fi

lint: $(VENV)/.base
	$(BIN)/ruff check qa tests bench training app.py
	$(BIN)/ruff format --check qa tests bench training app.py

format: $(VENV)/.base
	$(BIN)/ruff format qa tests bench training app.py
	$(BIN)/ruff check --fix qa tests bench training app.py

bench: $(VENV)/.base
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.query
	$(BIN)/python -m bench.cold_ask

clean:
	rm -rf .qa screenshots
