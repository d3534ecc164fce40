#!/usr/bin/env bash
# The real Huawei Cloud SDK (huaweicloudsdkiam from PyPI) against keystone-lite: pytest files in
# this folder; conftest.py starts the server on seed/huawei.yaml with a fresh data dir.
#
#   tests/huawei/run.sh [pytest args...]
#
# Environment:
#   KSL_BIN     server binary (default: <repo>/target/debug/keystone-lite)
#   KSL_HW_VENV venv (default: $HOME/.cache/keystone-lite/huawei-venv); (re)installed from
#               requirements.txt whenever that file's hash changes.
# Exit status: 0 only if at least one test ran and none failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${KSL_HW_VENV:-$HOME/.cache/keystone-lite/huawei-venv}"
export KSL_BIN="${KSL_BIN:-$REPO/target/debug/keystone-lite}"
export KSL_REPO="$REPO"

log() { printf '[huawei] %s\n' "$*" >&2; }

[ -x "$KSL_BIN" ] || { log "ERROR: no server binary at $KSL_BIN (cargo build first)"; exit 2; }

want="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
have="$(cat "$VENV/.requirements-sha256" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  log "installing the pinned SDK into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  timeout 900 "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    -r "$HERE/requirements.txt"
  echo "$want" > "$VENV/.requirements-sha256"
fi

cd "$HERE"
# -p no:cacheprovider: nothing written into the checkout.
exec "$VENV/bin/python" -m pytest -p no:cacheprovider -q "$@"
