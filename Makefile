# The two commands of the README:  make serve  and  make test.
# Each installs what it needs first, in a virtualenv under .venv/.

PYTHON ?= python3
VENV ?= .venv
# make serve PORT=8080 when 6543 is taken
PORT ?= 6543
BIN = $(VENV)/bin

.PHONY: serve test install install-test browser bench soak

serve: $(VENV)/.installed
	$(BIN)/alembic -c development.ini upgrade head
	$(BIN)/pserve development.ini http_port=$(PORT)

test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

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

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

# 10 minutes of mixed load at 80 % of the measured peak (MINUTES=3 make soak: shorter)
soak: $(VENV)/.installed-test
	$(BIN)/python bench/run.py --soak --minutes $(or $(MINUTES),10)
