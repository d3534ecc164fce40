#!/usr/bin/env bash
# The migration test on MySQL/MariaDB (tests/ops/import_upstream.py with a mysql:// source):
# a private mariadbd (Debian's mariadb-server, installed if absent) on loopback on a free port
# with a temp datadir, no system service; upstream Keystone 30 on it through PyMySQL
# (installed, pinned, into the client venv); populated, imported with
# `keystone-lite import --from mysql://...`, checked as the sqlite run is. Called by
# import_upstream.sh; KSL_SKIP_MYSQL=1 skips it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${KSL_BIN:-$ROOT/target/debug/keystone-lite}"
VENV="${KSL_VENV:-$HOME/.cache/keystone-lite/client-venv}"
PY="$VENV/bin/python"
PYMYSQL_VERSION=1.1.1   # upstream's [database] connection driver (mysql+pymysql://)
DB_PASSWORD="imp-db-pw-$RANDOM$RANDOM"

if ! command -v mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null; then
  echo "installing mariadb-server (Debian packages)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    mariadb-server mariadb-client >/dev/null
fi
"$PY" -c 'import pymysql' 2>/dev/null \
  || "$PY" -m pip install -q --disable-pip-version-check "PyMySQL==$PYMYSQL_VERSION" >&2

WORK="$(mktemp -d /tmp/ksl-import-mysql-XXXXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DB_PORT="$(free_port)"
PORT="$(free_port)"
DATA="$WORK/mariadb"
SOCK="$WORK/mariadb.sock"
UPSTREAM="$PY $ROOT/tests/ops/upstream_keystone.py"
MARIADB_PID=""
cleanup() {
  $UPSTREAM stop "$WORK/ks" >/dev/null 2>&1 || true
  if [ -n "$MARIADB_PID" ]; then
    kill "$MARIADB_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$MARIADB_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$MARIADB_PID" 2>/dev/null || true
  fi
  [ "${KSL_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

# mariadbd refuses to run as root unless told to (CI runs as root).
RUN_AS=(--user="$(id -un)")
mariadb-install-db --no-defaults --datadir="$DATA" "${RUN_AS[@]}" \
  --auth-root-authentication-method=normal --skip-test-db >"$WORK/install.log" 2>&1 \
  || { cat "$WORK/install.log" >&2; exit 1; }
mariadbd --no-defaults --datadir="$DATA" "${RUN_AS[@]}" --socket="$SOCK" \
  --port="$DB_PORT" --bind-address=127.0.0.1 --pid-file="$WORK/mariadb.pid" \
  --log-error="$WORK/mariadb.err" --skip-log-bin --innodb-buffer-pool-size=32M \
  --skip-name-resolve --open-files-limit=1024 &
MARIADB_PID=$!
for _ in $(seq 150); do
  mariadb --no-defaults -S "$SOCK" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$MARIADB_PID" 2>/dev/null || { cat "$WORK/mariadb.err" >&2; exit 1; }
  sleep 0.2
done
mariadb --no-defaults -S "$SOCK" -uroot <<SQL
CREATE DATABASE keystone CHARACTER SET utf8mb4;
CREATE USER 'keystone'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON keystone.* TO 'keystone'@'127.0.0.1';
SQL

$UPSTREAM start "$PORT" "$WORK/ks" \
  "mysql+pymysql://keystone:$DB_PASSWORD@127.0.0.1:$DB_PORT/keystone?charset=utf8"

# A wrong password is refused, and neither password is echoed.
if "$BIN" import --from "mysql://keystone:wrong-$DB_PASSWORD@127.0.0.1:$DB_PORT/keystone" \
    --data-dir "$WORK/refused" 2>"$WORK/refused.err"; then
  echo "import with a wrong database password succeeded" >&2; exit 1
fi
if grep -q "$DB_PASSWORD" "$WORK/refused.err"; then
  echo "the database password appeared in the error:" >&2; cat "$WORK/refused.err" >&2; exit 1
fi

# upstream's own spelling, pasted from its keystone.conf.
python3 "$ROOT/tests/ops/import_upstream.py" "$BIN" "$UPSTREAM" "$WORK/ks" "$PORT" \
  "mysql+pymysql://keystone:$DB_PASSWORD@127.0.0.1:$DB_PORT/keystone?charset=utf8"
