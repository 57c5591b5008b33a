#!/usr/bin/env bash
# Back up a PostgreSQL database with pg_dump, restore it into a fresh database with pg_restore,
# and compare every table: row count and a checksum of its content. Exit 1 on any difference.
#
#   scripts/backup_restore_check.sh [DATABASE_URL]      (default: $DATABASE_URL)
#
# The dump is kept in $BACKUP_DIR (default: a temporary folder, removed at the end); the scratch
# database is dropped at the end. Needs pg_dump, pg_restore and psql of the server's version.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC_URL="${1:-${DATABASE_URL:?give a postgres:// URL or set DATABASE_URL}}"
case "$SRC_URL" in postgres://*|postgresql://*) ;; *) echo "not a PostgreSQL URL: $SRC_URL" >&2; exit 2;; esac
SRC_DB="${SRC_URL##*/}"; SRC_DB="${SRC_DB%%\?*}"
SERVER_URL="${SRC_URL%/*}"
DST_DB="${SRC_DB}_restore_check_$$"
DST_URL="$SERVER_URL/$DST_DB"
KEEP_DIR="${BACKUP_DIR:-}"
WORK_DIR="${KEEP_DIR:-$(mktemp -d)}"
DUMP="$WORK_DIR/${SRC_DB}-$(date -u +%Y%m%dT%H%M%SZ).dump"
mkdir -p "$WORK_DIR"

cleanup() {
  psql "$SERVER_URL/postgres" -q -v ON_ERROR_STOP=0 -c "DROP DATABASE IF EXISTS \"$DST_DB\"" >/dev/null 2>&1 || true
  [ -n "$KEEP_DIR" ] || rm -rf "$WORK_DIR"
}
trap cleanup EXIT

started=$(date +%s.%N)
echo "== backup: pg_dump $SRC_DB -> $DUMP"
pg_dump --format=custom --no-owner --no-privileges --file="$DUMP" "$SRC_URL"

echo "== restore: pg_restore -> fresh database $DST_DB"
psql "$SERVER_URL/postgres" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$DST_DB\"" >/dev/null
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$DST_URL" "$DUMP"

# One row per table of the public schema: name, row count, md5 of the rows in a stable order.
SUMMARY_SQL=$(cat <<'SQL'
CREATE OR REPLACE FUNCTION pg_temp.table_summary(tbl regclass) RETURNS text AS $$
DECLARE result text;
BEGIN
  EXECUTE format('SELECT count(*) || '' '' || coalesce(md5(string_agg(r::text, ''|'' ORDER BY r::text)), ''-'') FROM %s r', tbl)
    INTO result;
  RETURN result;
END $$ LANGUAGE plpgsql;
SELECT c.relname || ' ' || pg_temp.table_summary(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname;
SQL
)
summary() { psql "$1" -At -q -v ON_ERROR_STOP=1 -c "$SUMMARY_SQL" | grep -v '^$'; }

echo "== compare every table (row count and content checksum)"
summary "$SRC_URL" > "$WORK_DIR/source.txt"
summary "$DST_URL" > "$WORK_DIR/restored.txt"
tables=$(wc -l < "$WORK_DIR/source.txt")
rows=$(awk '{s += $2} END {print s + 0}' "$WORK_DIR/source.txt")
if ! diff -u "$WORK_DIR/source.txt" "$WORK_DIR/restored.txt"; then
  echo "FAILED: the restored database differs from the source (diff above)" >&2
  exit 1
fi
[ "$tables" -gt 0 ] || { echo "FAILED: no table in $SRC_DB" >&2; exit 1; }
awk '$2 > 0 {printf "   %-55s %8d rows\n", $1, $2}' "$WORK_DIR/source.txt"

echo "== the restored database is at the code's migrations"
DATABASE_URL="$DST_URL" "${PYTHON:-.venv/bin/python}" manage.py migrate --check --noinput >/dev/null

elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
size=$(du -h "$DUMP" | cut -f1)
echo "OK: $tables tables, $rows rows restored identically from a $size dump in ${elapsed}s"
