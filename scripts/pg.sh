#!/usr/bin/env bash
# Start (or find running) a local PostgreSQL 15 cluster in the data folder, from Debian's postgresql
# package, and create the database `gridcommand`. Prints the SQLAlchemy URL to use.
# Usage: scripts/pg.sh [start|stop|url]   (PGPORT=5433, folder var/pg by default)
set -euo pipefail
cd "$(dirname "$0")/.."

PGPORT=${PGPORT:-5433}
FOLDER=$(realpath -m "${PGDATA_DIR:-var/pg}")
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/gridcommand"

if [ -z "$BIN" ]; then
    echo "pg: no PostgreSQL server binaries; run 'make setup' as root (Debian package postgresql)" >&2
    exit 1
fi

# PostgreSQL refuses to run as root: as root, its tools run as the postgres user.
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
    url) echo "$URL" ;;
    stop) as_postgres "$BIN/pg_ctl" -D "$FOLDER" -m fast stop ;;
    start)
        if [ ! -f "$FOLDER/PG_VERSION" ]; then
            mkdir -p "$FOLDER"
            [ "$(id -u)" = 0 ] && chown postgres "$FOLDER"
            as_postgres "$BIN/initdb" -D "$FOLDER" -A trust -U postgres >/dev/null
        fi
        if ! as_postgres "$BIN/pg_ctl" -D "$FOLDER" status >/dev/null 2>&1; then
            as_postgres "$BIN/pg_ctl" -D "$FOLDER" -w -l "$FOLDER/server.log" \
                -o "-p $PGPORT -k $FOLDER -c listen_addresses=127.0.0.1" start >/dev/null
        fi
        if ! psql -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='gridcommand'" \
                | grep -q 1; then
            psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE gridcommand"
        fi
        echo "$URL"
        ;;
    *) echo "usage: $0 [start|stop|url]" >&2; exit 2 ;;
esac
