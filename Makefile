# Two commands do everything on a fresh machine: `make serve` and `make test`.
# Every target depends on the stamp file, so the first run creates .venv with pinned deps.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export DISCLOSURE_AS_OF
# Material 9.7 prints a red box about MkDocs 2.0 on every command; MkDocs is pinned to 1.x here
# (requirements.txt), so it does not apply: silenced, a newcomer would read it as "something broke".
export NO_MKDOCS_2_WARNING = 1

.PHONY: install serve build test test-fast validate bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-server.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

validate: $(STAMP)
	$(BIN)/disclosure validate data

build: $(STAMP)
	$(BIN)/mkdocs build --strict

serve: $(STAMP)
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

# pytest exits 5 when it collected no tests; treat that as a failure of the suite, not a pass.
test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The in-process tests only: no MkDocs build, browser, publishing server, sshd or nginx
# (tests/conftest.py marks the rest "slow"). A few minutes; `make test` stays what CI runs.
test-fast: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -m "not slow" $(PYTEST_ARGS)

# Search first: bench/run.py folds bench/results/search.json into its table. Then the portal:
# 10 / 100 / 1,000 generated notices x 40 items; then push to live through the real hooks at
# 3,520 and 40,000 items; then the preview after an edit at 3,520 items (about 70 min in all).
bench: $(STAMP)
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/portal.py
	$(BIN)/python bench/push.py --notices 88 --runs 5
	$(BIN)/python bench/push.py --notices 88 --runs 3 --full-runs 1 --files 20
	$(BIN)/python bench/push.py --notices 1000 --runs 5 --full-runs 1
	$(BIN)/python bench/serve.py --notices 88

clean:
	rm -rf site .pytest_cache
