# GridCommand: `make run` starts the command center, `make test` proves it. `make help` lists the rest.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8765
SPEED ?= 600
PLUGIN_NAME := gridcommand
HEADLESS := QT_QPA_PLATFORM=offscreen

.PHONY: help setup run serve test bench package i18n styles lint typecheck clean bench-check mutation

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

setup: ## install QGIS from Debian when missing (as root), make .venv on /usr/bin/python3, install pinned deps
	@bash scripts/setup.sh

run: setup ## the command center: service + demo street + feed simulator (+ QGIS with the plugin when a display exists)
	@bash scripts/run.sh "$(HOST)" "$(PORT)" "$(SPEED)"

serve: setup ## the service alone on HOST:PORT (demo street, no simulator)
	@$(PY) -m service serve --host "$(HOST)" --port "$(PORT)"

test: setup ## every test: domain, API against a real database file, plugin in real QGIS, end to end
	@# pytest-qgis puts its QGIS profile (settings, auth database) under pytest's rootdir: a fresh temp
	@# folder, so a run starts clean and writes no profile into the work tree.
	@profile=$$(mktemp -d /tmp/gridcommand-qgis-XXXXXX); \
	$(HEADLESS) $(PY) -m pytest -q --rootdir="$$profile" -c pyproject.toml tests; status=$$?; \
	rm -rf "$$profile"; exit $$status

bench: setup ## benchmarks, each beside a baseline measured in the same run
	@$(HEADLESS) $(PY) -m bench

bench-check: setup ## benchmarks as a gate: exit non-zero when a median misses its aim (SECTIONS="plugin" for one)
	@$(HEADLESS) $(PY) -m bench --check $(SECTIONS)

mutation: setup ## plant small bugs (mutmut) in coords, dedupe, lifecycle, SLA, masking, stream, recommendation, plugin live; last line: the score
	@$(HEADLESS) $(PY) tests/mutation/run.py

package: ## build dist/gridcommand.zip: the installable QGIS plugin with the bundled service
	@bash scripts/package.sh $(PLUGIN_NAME)

i18n: ## compile resources/i18n/*.ts to .qm (Debian qttools5-dev-tools: lrelease)
	@for ts in resources/i18n/*.ts; do lrelease -silent "$$ts" -qm "$${ts%.ts}.qm"; done

styles: setup ## regenerate resources/styles/*.qml from scripts/make_styles.py
	@$(HEADLESS) $(PY) scripts/make_styles.py

lint: setup ## ruff
	@$(VENV)/bin/ruff check service plugin tests bench

typecheck: setup ## mypy on the service
	@$(VENV)/bin/mypy service

clean: ## remove build output (keeps .venv and var/)
	rm -rf build dist test-artifacts .pytest_cache .mypy_cache .ruff_cache

.PHONY: pg pg-stop serve-pg
PGPORT ?= 5433

pg: ## start a local PostgreSQL cluster in var/pg (port PGPORT=5433) and print its URL
	@PGPORT=$(PGPORT) bash scripts/pg.sh start

pg-stop: ## stop the local PostgreSQL cluster
	@PGPORT=$(PGPORT) bash scripts/pg.sh stop

serve-pg: setup ## the service on the local PostgreSQL (run again with PORT=8766 for a second process)
	@url=$$(PGPORT=$(PGPORT) bash scripts/pg.sh start) && \
	 GRIDCOMMAND_DATABASE_URL="$$url" $(PY) -m service serve --host "$(HOST)" --port "$(PORT)"
