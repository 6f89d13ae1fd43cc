#!/usr/bin/env bash
# Restores a backup made by sauvegarder.sh into an EMPTY database (createdb first) and the
# uploaded files into MEDIA_ROOT. Usage: deploiement/restaurer.sh BASE.dump [FICHIERS.tar.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?Définissez DATABASE_URL (la base PostgreSQL vide où restaurer).}"
base=${1:?Indiquez le fichier .dump à restaurer.}
tables=$(psql "$DATABASE_URL" -tAc "select count(*) from information_schema.tables where table_schema = 'public'")
if [ "$tables" != "0" ]; then
  echo "La base de DATABASE_URL n'est pas vide ($tables tables) : restaurez dans une base neuve (createdb)." >&2
  exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DATABASE_URL" "$base"
if [ -n "${2:-}" ]; then
  media=${MEDIA_ROOT:-media}
  mkdir -p "$media"
  tar -xzf "$2" -C "$media"
fi
echo "Restauré : $base${2:+ et $2}"
