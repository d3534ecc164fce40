#!/usr/bin/env bash
# `make test`'s migration test (tests/ops/import_upstream.py): the real upstream Keystone 30
# (../shared/conformance/ref-keystone.sh, or $KSL_REF_KEYSTONE) on loopback, populated, its
# database and keys imported into keystone-lite. Skips, saying so, only when the reference
# venv cannot be installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REF="${KSL_REF_KEYSTONE:-$ROOT/../../shared/conformance/ref-keystone.sh}"
[ -x "$REF" ] || REF=/work/shared/conformance/ref-keystone.sh
BIN="${KSL_BIN:-$ROOT/target/debug/keystone-lite}"
VENV="${KS_VENV:-$HOME/.cache/ksl-anchors/keystone-venv2}"
[ -x "$BIN" ] || { echo "build first: $BIN missing" >&2; exit 1; }
if [ ! -x "$VENV/bin/keystone-manage" ]; then
  if ! timeout 1200 "$REF" install >&2; then
    echo "SKIP import_upstream: the reference Keystone venv ($VENV) cannot be installed" >&2
    exit 0
  fi
fi
WORK="$(mktemp -d /tmp/ksl-import-XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() { "$REF" stop "$WORK" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
KS_HASH_ROUNDS=4 "$REF" start "$PORT" "$WORK" >&2
python3 "$ROOT/tests/ops/import_upstream.py" "$BIN" "$REF" "$WORK" "$PORT"
