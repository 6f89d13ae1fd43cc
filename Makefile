# Everything runs from a bare clone: the first target that needs Python builds .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo runs with DEBUG on and its own development key; production sets both (README).
# Its mails are written as files under courriels/ (one file per mail), not sent.
# The links of its mails point to the address it is served on (make run PORT=8001 included).
DEMO_ENV := DEBUG=1 ALLOWED_HOSTS=127.0.0.1,localhost ADRESSE_DU_SITE=http://$(HOST):$(PORT) \
  EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH=courriels

.PHONY: run demo data test quality pango clean bench serve charge

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet ".[test]"
	touch $@

# WeasyPrint needs Pango from the system.
pango: $(BIN)/.installed
	@$(BIN)/python -c "import weasyprint" 2>/dev/null || { \
	  echo "WeasyPrint ne trouve pas Pango. Installez-le : sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"; \
	  exit 1; }

data: $(BIN)/.installed
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEMO_ENV) $(BIN)/python manage.py charger_conventions

# Demo accounts: agent.caf, agent.pole-emploi, chef.projet, lecteur, admin (password: DEMO_PASSWORD or printed).
demo: data
	$(DEMO_ENV) $(BIN)/python manage.py creer_demo
	$(DEMO_ENV) $(BIN)/python manage.py ouvrir_collecte grand-dijon 2015 --partenaires caf-21 pole-emploi
	$(DEMO_ENV) $(BIN)/python manage.py charger_qpv fixtures/qpv/exemple-format-listeqp2024.csv

run: pango demo
	@echo "Application : http://$(HOST):$(PORT)/"
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite spread over the machine's cores (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: pango
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# The linter and the formatter, one line length (pyproject.toml, [tool.ruff]); `ruff format .` fixes the layout.
quality: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Figures on PostgreSQL (bench/results.json, docs/mesures.md). One contract of 2 000 lines (import, PDF,
# workbook: DATABASE_URL if given, else a database contrats_banc of the local cluster), then the national
# shape: N = 1, 10 and 100 contracts (BANC_TAILLES), one database each on the local cluster, made once and
# kept (contrats_nat_N), the pages measured interleaved. Targets are printed met or not; the run fails only
# when it could not measure.
bench: pango
	@set -e; . bench/env.sh; \
	pg_isready -q || pg_ctlcluster 15 main start; \
	if [ -z "$$DATABASE_URL" ]; then \
	  dropdb --if-exists contrats_banc >/dev/null 2>&1; createdb contrats_banc; \
	  export DATABASE_URL=postgresql:///contrats_banc; \
	fi; \
	$(BIN)/python manage.py migrate --no-input -v0; \
	$(BIN)/python bench/mesurer.py; \
	$(BIN)/python bench/mesurer_national.py

# Production serving (README, « En production »): gunicorn, WhiteNoise, background workers.
serve: pango
	PY=$(BIN)/python deploiement/servir.sh

# The load test: 50 users for 2 minutes against make serve on 127.0.0.1, on a copy of the largest database
# make bench built (contrats_nat_100; CHARGE_N), dropped after (bench/charge.json).
charge: pango
	$(BIN)/pip install --quiet ".[charge]"
	PY=$(BIN)/python bench/charge.sh

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache
