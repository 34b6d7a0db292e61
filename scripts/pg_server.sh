#!/usr/bin/env bash
# A throwaway PostgreSQL server for the registry tests, on 127.0.0.1 and a free port.
#   bash scripts/pg_server.sh start   # prints the URL, also written to $PGDIR/url
#   bash scripts/pg_server.sh stop    # stops the server and removes its folder
#   bash scripts/pg_server.sh url     # prints the URL of the running server
# The folder is $IKZF1ASSAY_PGDIR (default: ${TMPDIR:-/tmp}/ikzf1assay-pg). Uses Debian's
# postgresql binaries (/usr/lib/postgresql/*/bin), else those on PATH. Run as root, the server
# runs as the `postgres` operating-system user (PostgreSQL refuses to run as root).
# Authentication is `trust` on 127.0.0.1 only: a test server, never a lab's server.
set -euo pipefail

PGDIR="${IKZF1ASSAY_PGDIR:-${TMPDIR:-/tmp}/ikzf1assay-pg}"
DBNAME="ikzf1assay_test"

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/pg_ctl" && -x "$dir/initdb" ]]; then
    echo "$dir"
  elif command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  else
    echo "pg_server: no PostgreSQL binaries (install Debian's postgresql: apt-get install -y postgresql)" >&2
    exit 1
  fi
}

as_owner() {  # run a command as the server's owner
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bin port
  bin=$(find_bin)
  if [[ -f "$PGDIR/url" ]] && as_owner "$bin/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
    cat "$PGDIR/url"
    return 0
  fi
  rm -rf "$PGDIR"
  mkdir -p "$PGDIR"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "pg_server: no 'postgres' user to run the server as" >&2; exit 1; }
    chown postgres: "$PGDIR"
  fi
  chmod 700 "$PGDIR"
  as_owner "$bin/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 \
    || { cat "$PGDIR/initdb.log" >&2; exit 1; }
  port=$(free_port)
  as_owner "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PGDIR -c max_connections=200 -c fsync=off" start >/dev/null \
    || { cat "$PGDIR/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DBNAME"
  echo "postgresql://postgres@127.0.0.1:$port/$DBNAME" >"$PGDIR/url.tmp"
  mv "$PGDIR/url.tmp" "$PGDIR/url"
  chmod 644 "$PGDIR/url"
  cat "$PGDIR/url"
}

stop() {
  local bin
  bin=$(find_bin)
  if [[ -d "$PGDIR/data" ]]; then
    as_owner "$bin/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGDIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) cat "$PGDIR/url" ;;
  *) echo "usage: bash scripts/pg_server.sh start|stop|url" >&2; exit 2 ;;
esac
