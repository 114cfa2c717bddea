# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DJ := $(BIN)/dangjian
ADDR ?= 127.0.0.1:8000
# The suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
# Python files whose types mypy checks (services and selectors, as architecture.md asks).
TYPED := $(shell find src/dangjian -name 'services.py' -o -name 'selectors.py' -o -name 'restrict.py' | sort)

.PHONY: install demo test lint format check-migrations pytest fuzz screenshots bench vendor clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "需要 Python 3.11 或更高版本")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(DJ) migrate --no-input
	$(DJ) demo --addr $(ADDR)

test: install lint check-migrations pytest

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/mypy $(TYPED)

format: install
	$(BIN)/ruff check --fix src tests $(wildcard bench)
	$(BIN)/ruff format src tests $(wildcard bench)

check-migrations: install
	$(DJ) makemigrations --check --dry-run > /dev/null || (echo "模型有改动但没有迁移文件：请运行 $(DJ) makemigrations" && exit 1)

pytest: install
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# The long robustness run (docs/security.md): schemathesis over every API operation with its
# coverage phase and 300 examples each, and 2,000 examples for every hypothesis property test
# (each test file that imports hypothesis, schemathesis' included).
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -n $(PYTEST_WORKERS) $(shell grep -rl --include='test_*.py' -e 'from hypothesis' -e 'import schemathesis' tests | sort)

# Refresh the README's screenshots: the browser tests take them on the demo county.
screenshots: install
	DANGJIAN_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/e2e -q

bench: install
	$(BIN)/python bench/run.py

# Refresh the committed front-end files from npm (needs Node; not needed to run the app).
vendor:
	npm ci --no-audit --no-fund
	$(BIN)/python tools/copy_vendor.py

clean:
	rm -rf $(VENV) var build dist *.egg-info
