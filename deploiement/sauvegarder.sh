#!/usr/bin/env bash
# Backs up what the application holds: the PostgreSQL database (pg_dump, custom format) and
# the uploaded files (MEDIA_ROOT). Usage: deploiement/sauvegarder.sh [DOSSIER] ; prints the files made.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?Définissez DATABASE_URL (la base PostgreSQL à sauvegarder).}"
dossier=${1:-sauvegardes}
media=${MEDIA_ROOT:-media}
# The backup holds password hashes, sessions, addresses and minutes: only its owner reads it, whatever the umask.
umask 077
mkdir -p "$dossier"
horodatage=$(date +%Y%m%d-%H%M%S)
base="$dossier/contrats-$horodatage.dump"
fichiers="$dossier/contrats-$horodatage-fichiers.tar.gz"
pg_dump --format=custom --no-owner --no-privileges --file "$base" "$DATABASE_URL"
if [ -d "$media" ]; then tar -czf "$fichiers" -C "$media" .; else tar -czf "$fichiers" --files-from /dev/null; fi
chmod 600 "$base" "$fichiers"
echo "$base"
echo "$fichiers"
