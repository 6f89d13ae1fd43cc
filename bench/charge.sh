#!/usr/bin/env bash
# make charge: make serve on a fresh PostgreSQL database, 50 locust users for 2 minutes from
# 127.0.0.1, then the checks of bench/charge_verifier.py. Report: bench/charge.json.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8200}
pg_isready -q || pg_ctlcluster 15 main start
dropdb --if-exists contrats_charge >/dev/null 2>&1; createdb contrats_charge
export DATABASE_URL=postgresql:///contrats_charge SECRET_KEY=cle-du-test-de-charge-0123456789-abcdefghijklmnopqrstuvwxyz \
  ALLOWED_HOSTS=127.0.0.1 SECURE_HTTPS=0 DEBUG=0 PORT MEDIA_ROOT="$PWD/bench/locust-media" \
  WEB_CONCURRENCY=${WEB_CONCURRENCY:-4} TACHES_WORKERS=${TACHES_WORKERS:-1} AXES_FAILURE_LIMIT=1000
$PY manage.py migrate --no-input -v0
$PY bench/charge_preparer.py
PY=$PY setsid deploiement/servir.sh > bench/locust-serveur.log 2>&1 &
serveur=$!
trap 'kill -- -$serveur 2>/dev/null || kill $serveur 2>/dev/null; pkill -f "db_worker --no-reload" || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/sante/" >/dev/null && break; sleep 0.5; done
$PY -m locust -f bench/charge.py --headless --users 50 --spawn-rate 10 --run-time 2m --host "http://127.0.0.1:$PORT" \
  --csv bench/locust --only-summary --stop-timeout 10 || true  # its verdict is the checker's below
$PY bench/charge_verifier.py
