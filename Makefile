# The two commands of the README:
#   make demo   set up .venv and run the whole path on the embedded store, then serve the dashboard
#   make test   set up .venv (test extras), system packages, a real Neo4j, and run the whole suite
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DECLARATIONS ?= 20000

.PHONY: demo test venv clean benchmark

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/nigah demo --declarations $(DECLARATIONS)

test: $(TEST_STAMP)
	bash scripts/test.sh

benchmark: $(STAMP)
	$(VENV)/bin/python benchmarks/ingest_throughput.py --declarations 100000

clean:
	rm -rf $(VENV) .nigah tests/artifacts tools/neo4j-server/target
