#!/usr/bin/env bash
# make serve: the application as in production. DEBUG off, PostgreSQL from DATABASE_URL,
# static files collected and served by WhiteNoise, gunicorn's processes for the pages and
# TACHES_WORKERS background workers (manage.py db_worker) for the large exports.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

for nom in DATABASE_URL SECRET_KEY ALLOWED_HOSTS; do
  if [ -z "${!nom:-}" ]; then
    echo "make serve : définissez $nom (voir « En production » dans le README)." >&2
    exit 2
  fi
done
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "make serve : DATABASE_URL doit désigner une base PostgreSQL (postgresql://…)." >&2; exit 2 ;;
esac
export DEBUG=0 TACHES_EN_ARRIERE_PLAN=1 CONN_MAX_AGE=${CONN_MAX_AGE:-60}

if [ "${SECURE_HTTPS:-1}" = "0" ]; then
  # A trial in plain HTTP on this machine (the load test): the HTTPS warnings are shown, not fatal.
  echo "Essai en HTTP simple (SECURE_HTTPS=0) : à ne jamais exposer sur un réseau." >&2
  $PY manage.py check --deploy
else
  $PY manage.py check --deploy --fail-level WARNING
fi
$PY manage.py migrate --no-input
$PY manage.py collectstatic --no-input -v0

workers=()
for i in $(seq 1 "${TACHES_WORKERS:-2}"); do
  $PY manage.py db_worker --no-reload --queue-name default --worker-id "$(hostname)-$$-$i" &
  workers+=($!)
done
trap 'kill "${workers[@]}" 2>/dev/null; wait' EXIT INT TERM
$PY -m gunicorn --config deploiement/gunicorn.conf.py
