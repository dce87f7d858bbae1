# One command to set up and run, one to test. Everything installs from pyproject.toml + uv.lock.
VENV  := .venv
TOOLS := .tools
UV    := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup run console test lint catalogs bench

setup: $(VENV)/.installed

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	$(UV) sync --frozen --python python3
	touch $@

# Runs the bot when TELEGRAM_BOT_TOKEN is set (environment or .env); else the offline console.
run: setup
	@if $(VENV)/bin/python -c "import sys; from bot.settings import Settings; sys.exit(0 if Settings().telegram_bot_token else 1)"; then \
		$(VENV)/bin/coachbot run; \
	else \
		echo "No TELEGRAM_BOT_TOKEN set: starting the offline console (see README to run for real)."; \
		$(VENV)/bin/coachbot console; \
	fi

console: setup
	$(VENV)/bin/coachbot console

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

catalogs: setup
	$(VENV)/bin/python -m messages.catalogs

bench: setup
	$(VENV)/bin/python -m benchmarks
