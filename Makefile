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
	@# LightGBM (the risk booster) links the OpenMP runtime: Debian's libgomp1.
	@ldconfig -p | grep -q libgomp.so.1 || { S=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$S apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq libgomp1; }
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
