# The project's verbs. `make dev` and `make test` are the README's two commands.
PYTEST_WORKERS ?= 2

.PHONY: install dev test test-slow test-frameworks test-faults lint bench

install:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@uv sync --all-packages --frozen --quiet

dev: install
	uv run runagents dev $(ARGS)

test: install
	uv run pytest -n $(PYTEST_WORKERS) $(ARGS)

test-slow: install
	uv run pytest -m slow $(ARGS)

test-frameworks: install
	uv run pytest -m frameworks tests/frameworks runtime/tests/agent_side $(ARGS)

test-faults: install
	uv run pytest -m faults tests/faults -s $(ARGS)

lint: install
	uv run ruff check .
	uv run mypy libs/common/src libs/contracts/src runtime/src
	uv run mypy services/analyzer/src services/builder/src services/deployer/src services/gateway/src services/policy/src services/runs/src src
	uv run lint-imports

bench: install
	uv run python bench/hello_world.py
	uv run python bench/analyzer_accuracy.py
	uv run python bench/runtime.py
	uv run python bench/gateway.py
	uv run python bench/archive_unpack.py
	uv run python bench/agent_isolation.py
	uv run python bench/runs_ingest.py
	uv run python bench/authentication.py
