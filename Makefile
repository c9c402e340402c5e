# Two commands on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup report test lint lab synth bench notebooks clean-reports

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/fupin report --config reports.yml

# two workers, a test file each (the session's test report stays in one process)
test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadfile

lint: $(STAMP)
	$(PY) -m ruff check fupin_analysis tests benchmarks notebooks

# The kernel the notebooks declare (kernelspec "python3", "Python 3"), installed in the
# virtualenv, which Jupyter searches before the user's folders; --allow-root only as root.
KERNEL_NAME := python3
KERNEL_DISPLAY_NAME := Python 3
LAB_UID ?= $(shell id -u)
lab: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL_NAME) --display-name "$(KERNEL_DISPLAY_NAME)"
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab $(if $(filter 0,$(LAB_UID)),--allow-root) notebooks/

synth: $(STAMP)
	$(VENV)/bin/fupin synth --out data/raw

notebooks: $(STAMP)
	$(VENV)/bin/jupytext --update --to ipynb notebooks/*.py

bench: $(STAMP)
	$(PY) benchmarks/bench_clean.py
	$(PY) benchmarks/bench_report.py

clean-reports:
	rm -rf reports/
