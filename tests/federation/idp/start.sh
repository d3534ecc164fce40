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
mkdir -p "$dir"
# Tests start several IdPs at once: one installs, the others wait for it.
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/.installed" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$dir/.installed"
fi
flock -u 9
exec 9>&-
# node resolves oidc-provider from the script's directory: the checkout's server.js goes there
# under its content hash, by an atomic rename (concurrent starts never see a half-written file).
script="$dir/server-$(sha256sum "$here/server.js" | cut -c1-16).js"
cp "$here/server.js" "$dir/.server.$$" && mv -f "$dir/.server.$$" "$script"
cd "$dir"
# exec: the caller's pid is node's, so killing it stops the IdP.
exec node "$script"
