#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the test suite (Debian's postgresql package), reachable
# only through a Unix socket in its own temporary folder.
#   eval "$(bash scripts/test-postgres.sh start)"   # exports GAOHE_TEST_DATABASE_URL, GAOHE_TEST_PG_DIR
#   bash scripts/test-postgres.sh stop "$GAOHE_TEST_PG_DIR"
set -euo pipefail

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -n "$bindir" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  # initdb and postgres refuse to run as root: run them as Debian's postgres user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    dir="$(mktemp -d /tmp/gaohe-pg.XXXXXX)"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses='' -k $dir -p 54329 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bindir/createdb" -h "$dir" -p 54329 -U postgres gaohe_test
    echo "export GAOHE_TEST_PG_DIR='$dir'"
    echo "export GAOHE_TEST_DATABASE_URL='postgresql+psycopg://postgres@/gaohe_test?host=$dir&port=54329'"
    ;;
  stop)
    dir="${2:-}"
    [ -n "$dir" ] || exit 0
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
