# Two commands a newcomer types: `make serve` and `make test`. Both build on `make install`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7000

.PHONY: install install-dev serve test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The package with the serve extra: what `make serve` and scripts need.
install: $(BIN)/python
	$(BIN)/pip install -q -e ".[serve]"

# The dev extras plus the training stack (torch CPU, onnx, librosa, pyworld, misaki): the model
# parity, export and training-stage tests need them.
install-dev: install
	$(BIN)/pip install -q -e ".[serve,dev,export,train]"

serve: install
	$(BIN)/sambert-edge serve --bind $(HOST):$(PORT)

test: install-dev
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
