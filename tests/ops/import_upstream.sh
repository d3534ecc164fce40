#!/usr/bin/env bash
# `make test`'s migration test (tests/ops/import_upstream.py): upstream Keystone 30 from the
# client venv (tests/ops/upstream_keystone.py) on loopback, populated through its API, its
# database and keys imported into keystone-lite, then checked with its own token.
# Needs the client venv tests/clients/run.sh installs (`make test` runs that first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${KSL_BIN:-$ROOT/target/debug/keystone-lite}"
VENV="${KSL_VENV:-$HOME/.cache/keystone-lite/client-venv}"
PY="$VENV/bin/python"
[ -x "$BIN" ] || { echo "build first: $BIN missing" >&2; exit 1; }
[ -x "$VENV/bin/keystone-manage" ] || {
  echo "no keystone-manage in $VENV: run tests/clients/run.sh first (it installs the venv)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/ksl-import-XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
UPSTREAM="$PY $ROOT/tests/ops/upstream_keystone.py"
cleanup() { $UPSTREAM stop "$WORK" >/dev/null 2>&1 || true; [ "${KSL_KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
$UPSTREAM start "$PORT" "$WORK"
python3 "$ROOT/tests/ops/import_upstream.py" "$BIN" "$UPSTREAM" "$WORK" "$PORT"
# The same on MySQL/MariaDB (mysql:// import).
[ "${KSL_SKIP_MYSQL:-0}" = 1 ] || "$ROOT/tests/ops/import_upstream_mysql.sh"
