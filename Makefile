# The two commands of the README:  make serve  and  make test.
# Each installs what it needs first, in a virtualenv under .venv/.

PYTHON ?= python3
VENV ?= .venv
# make serve PORT=8080 when 6543 is taken
PORT ?= 6543
BIN = $(VENV)/bin

.PHONY: serve test lint install install-test browser bench soak translations messages

# The pages' French: the committed catalogue taxapp/locale/fr/LC_MESSAGES/taxapp.po,
# compiled to its .mo (not committed) whenever it is newer (docs/pages.md).
CATALOGUES = $(wildcard taxapp/locale/*/LC_MESSAGES/taxapp.po)
COMPILED = $(CATALOGUES:.po=.mo)

serve: $(VENV)/.installed translations
	$(BIN)/alembic -c development.ini upgrade head
	$(BIN)/pserve development.ini http_port=$(PORT)

test: $(VENV)/.installed-test translations browser axe
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff's checks (pyproject.toml); .ci/run runs them before the tests
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

translations: $(COMPILED)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ -D taxapp

# After changing a text of the pages: the template, then each catalogue (then translate).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -o taxapp/locale/taxapp.pot --project=taxapp \
	  --no-location --omit-header --sort-output --width=120 .
	$(BIN)/pybabel update -i taxapp/locale/taxapp.pot -d taxapp/locale -D taxapp --width=120 --no-fuzzy-matching --ignore-obsolete

# the test extras and the OpenFisca-France oracle of the official tax rules
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,oracle]'
	touch $@

# The browser tests drive Debian's chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed and this is not root: the browser tests will skip"; fi; }

# axe-core, the accessibility checker the browser tests inject into every page.
axe: tests/browser/node_modules/axe-core/axe.min.js

tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is not installed and this is not root: the axe-core checks will fail"; fi; }
	cd tests/browser && npm ci --no-audit --no-fund --silent
	touch $@

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

# 10 minutes of mixed load at 80 % of the measured peak (MINUTES=3 make soak: shorter)
soak: $(VENV)/.installed-test
	$(BIN)/python bench/run.py --soak --minutes $(or $(MINUTES),10)
