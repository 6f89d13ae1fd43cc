#!/usr/bin/env bash
# make charge: make serve on a copy of the largest database make bench built (contrats_nat_<N>, N contracts
# of national shape), 50 locust users for 2 minutes from 127.0.0.1 (chefs de projet of several contracts,
# agents of the national organisations), then the checks of bench/charge_verifier.py. Report: bench/charge.json.
# It stops only what it started (the server's process group, by its PID) and drops only its own database.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8200}
BASE=${BANC_BASE:-contrats_nat}
N=${CHARGE_N:-100}
COPIE=contrats_charge_$$
pg_isready -q || pg_ctlcluster 15 main start
export DEBUG=0 SECRET_KEY=cle-du-test-de-charge-0123456789-abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=127.0.0.1 \
  SECURE_HTTPS=0 STATIC_SANS_MANIFESTE=1
if ! psql -lqt | cut -d'|' -f1 | grep -qw "${BASE}_$N"; then
  echo "La base ${BASE}_$N n'existe pas : make bench la crée (ou BANC_TAILLES=$N $PY bench/mesurer_national.py)." >&2
  BANC_TAILLES=$N $PY -c "import sys; sys.path.insert(0, 'bench'); import mesurer_national as m; print(m.preparer($N))"
fi
createdb -T "${BASE}_$N" "$COPIE"
serveur=""
fin() {
  # Our server's process group only (setsid made it), then our copy of the database.
  if [ -n "$serveur" ]; then kill -- -"$serveur" 2>/dev/null || true; wait "$serveur" 2>/dev/null || true; fi
  dropdb --if-exists "$COPIE" >/dev/null 2>&1 || true
}
trap fin EXIT
export DATABASE_URL=postgresql:///$COPIE PORT MEDIA_ROOT="$PWD/bench/locust-media" \
  WEB_CONCURRENCY=${WEB_CONCURRENCY:-4} TACHES_WORKERS=${TACHES_WORKERS:-1} AXES_FAILURE_LIMIT=1000
$PY bench/charge_preparer.py
PY=$PY setsid deploiement/servir.sh > bench/locust-serveur.log 2>&1 &
serveur=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/sante/" >/dev/null && break; sleep 0.5; done
$PY -m locust -f bench/charge.py --headless --users 50 --spawn-rate 10 --run-time "${CHARGE_DUREE:-2m}" \
  --host "http://127.0.0.1:$PORT" --csv bench/locust --only-summary --stop-timeout 10 || true  # the checker decides
$PY bench/charge_verifier.py
