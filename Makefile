# Jalons — the two commands a newcomer needs: `make run` and `make test`.
# Everything else is installed by `make install`, which is idempotent.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DSFR := node_modules/@gouvfr/dsfr/dist
CHART := node_modules/@gouvfr/dsfr-chart/dist
SWAGGER := node_modules/swagger-ui-dist
VENDOR := static/vendor
export FLASK_APP := wsgi

.PHONY: install assets run test system-pdf chromium bench bench-faults bench-load clean

install: $(VENV)/.installed node_modules/.installed $(VENDOR)/.installed

# The front-end assets alone (static/vendor/, pre-compressed): what a fresh checkout lacks to show the DSFR.
assets: $(VENDOR)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json .dsfr.yml
	npm ci --no-audit --no-fund
	touch $@

# Only the subset of the DSFR that pages use, keeping dist/'s layout (the CSS refers to fonts/ and icons/),
# with a .gz beside each file that compresses, which WhiteNoise sends to browsers (core/static.py).
$(VENDOR)/.installed: node_modules/.installed $(VENV)/.installed
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/dsfr/utility/icons $(VENDOR)/dsfr-chart $(VENDOR)/swagger-ui
	cp $(DSFR)/dsfr.min.css $(DSFR)/dsfr.module.min.js $(DSFR)/dsfr.nomodule.min.js $(VENDOR)/dsfr/
	cp -r $(DSFR)/fonts $(DSFR)/icons $(DSFR)/favicon $(VENDOR)/dsfr/
	cp $(DSFR)/utility/icons/icons.min.css $(VENDOR)/dsfr/utility/icons/
	cp $(CHART)/DSFRChart/DSFRChart.js $(CHART)/DSFRChart/DSFRChart.css $(VENDOR)/dsfr-chart/
	cp $(SWAGGER)/swagger-ui-bundle.js $(SWAGGER)/swagger-ui.css $(SWAGGER)/LICENSE $(VENDOR)/swagger-ui/
	$(BIN)/python -m whitenoise.compress --quiet --no-brotli $(VENDOR)
	touch $@

# Debian packages: pango and a font for WeasyPrint (the committee pack as PDF), and Chromium for the
# browser tests (`playwright install` cannot download here). Installed only when missing.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-pdf:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installation des paquets Debian : $$missing"; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; fi

# chromium-l10n: French date pickers and messages in the screenshots, as a French user sees them.
chromium:
	@{ command -v chromium >/dev/null && dpkg -s chromium-l10n >/dev/null 2>&1; } || { \
	  echo "Installation de Chromium (paquets Debian) pour les tests navigateur…"; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-l10n; }

# The development server with the real beta.gouv.fr data and the demo personas (one-click login).
run: export JALONS_ENV = development
run: export JALONS_DEMO = 1
run: install system-pdf
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask load-demo
	$(BIN)/flask grids seed
	$(BIN)/flask users seed-demo
	$(BIN)/flask conventions seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install system-pdf chromium
	$(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== The same suite on PostgreSQL ($$TEST_DATABASE_URL), browser journeys excepted =="; \
	  JALONS_TEST_BACKEND=postgresql $(BIN)/python -m pytest -m "not browser"; \
	fi

bench: install
	$(BIN)/python bench/pages.py

# Faults under load on a private PostgreSQL 15 (its own temporary instance and port; run as root, it
# starts PostgreSQL as the postgres system user). About two minutes.
bench-faults: install
	$(BIN)/python bench/faults.py

# 50 clients (Locust) against gunicorn -w 4 on PostgreSQL at 10x the portfolio, reads then reads with one
# write per second, next to a static file. Creates and drops its own database bench_load on the local
# server (BENCH_SERVER, by default postgresql://postgres@127.0.0.1:5432). About two minutes.
BENCH_SERVER ?= postgresql://postgres@127.0.0.1:5432
bench-load: install
	$(BIN)/python bench/load.py --server $(BENCH_SERVER)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache test-results
