VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
COMPILED := $(VENV)/.compiled
# The modules setup.py compiles with mypyc (its COMPILED list): an edit to one is compiled again before a run.
CORE := $(wildcard monitor/completion.py monitor/catalog.py monitor/windows.py monitor/products.py monitor/metrics.py monitor/rules.py \
                   monitor/clock.py monitor/engine.py)

.PHONY: demo check test bench install compile clean

$(STAMP): pyproject.toml setup.py
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(COMPILED)

$(COMPILED): $(CORE) | $(STAMP)
	$(PY) setup.py --quiet build_ext --inplace
	touch monitor/*.so $(COMPILED)  # built now, even where mypyc found nothing to compile anew

install: $(STAMP) $(COMPILED)

compile: $(COMPILED)

demo: install
	$(VENV)/bin/livemon demo

check: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: check
	$(PY) -m pytest

bench: install
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache build monitor/*.so
