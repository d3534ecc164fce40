#!/usr/bin/env bash
# Several keystone-lite nodes on one PostgreSQL behind HAProxy (issue 15's "done when"):
# installs what is missing from Debian (PostgreSQL server, HAProxy), then tests/multinode/
# run.py starts the cluster on loopback (primary + streaming replica, three nodes, an edge
# node on the replica, HAProxy round-robin), runs the cross-node, kill, database-restart and
# edge checks, and tempest's identity suite at --concurrency 4 through the balancer.
#   tests/multinode/run.sh            (KSL_BIN: server binary, default target/debug)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
"$REPO/tests/postgres/install.sh"
if ! command -v haproxy >/dev/null 2>&1; then
  echo "installing HAProxy (Debian)" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy >&2 \
    || { $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy >&2; }
  # Debian's package starts its own instance on its default config; the test runs its own.
  $SUDO service haproxy stop >/dev/null 2>&1 || true
fi
BIN="${KSL_BIN:-$REPO/target/debug/keystone-lite}"
exec python3 "$HERE/run.py" "$BIN"
