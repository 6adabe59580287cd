# The two commands a person needs: `make run` (the demo) and `make test` (the suite).
.PHONY: run test setup lint bench sandbox lock

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/finbots demo $(DEMO_ARGS)

# The suite runs in TEST_WORKERS processes (pytest-xdist), a test file to a worker;
# TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 3

test: setup
	@.venv/bin/python -m pytest -q --durations=25 -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/lint-imports

sandbox: setup
	@.venv/bin/finbots sandbox up

bench: setup
	@FINBOTS_SETUP_EXTRAS=chromium-driver bash scripts/setup.sh
	@.venv/bin/python bench/run_all.py

# Refresh requirements.lock after changing dependencies in pyproject.toml (every extra, with hashes).
# Needs only a virtualenv (not `setup`, which refuses a lock that no longer matches).
lock:
	@test -x .venv/bin/python || python3 -m venv .venv
	@.venv/bin/python -m pip install -q "pip-tools>=7.4"
	@.venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
		--extra test --extra bench --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml
