# The two commands a person needs: `make run` (the demo) and `make test` (the suite).
.PHONY: run test setup lint bench sandbox

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/finbots demo $(DEMO_ARGS)

test: setup
	@.venv/bin/python -m pytest -q $(PYTEST_ARGS)

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/lint-imports

sandbox: setup
	@.venv/bin/finbots sandbox up

bench: setup
	@FINBOTS_SETUP_EXTRAS=chromium-driver bash scripts/setup.sh
	@.venv/bin/python -m pip install -q -e ".[test,bench]"
	@.venv/bin/python bench/run_all.py
