#!/usr/bin/env bash
# Installs the test OpenID provider (npm ci into a cache keyed by the lock file's hash, so a
# second run installs nothing) and runs it in the foreground: its first stdout line is
# `ISSUER http://127.0.0.1:PORT`. Env: PORT (default: any free port), IDP_TTL (seconds),
# KSL_IDP_CACHE (default ~/.cache/keystone-lite/oidc-idp).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null && command -v npm >/dev/null || { echo "start.sh: node and npm are needed" >&2; exit 127; }
hash="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)"
dir="${KSL_IDP_CACHE:-$HOME/.cache/keystone-lite/oidc-idp}/$hash"
if [ ! -f "$dir/.installed" ]; then
  mkdir -p "$dir"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$dir/.installed"
fi
cp "$here/server.js" "$dir/server.js"
cd "$dir"
exec node server.js
