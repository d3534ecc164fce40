#!/bin/sh
# Installs a PostgreSQL server for tests/api/postgres.rs when none is found (CI images):
# Debian's package. The tests start their own private server with initdb, so the packaged
# cluster is not needed and is left stopped.
set -eu
for dir in /usr/local/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "PostgreSQL server binaries found in $dir"
        exit 0
    fi
done
if command -v initdb >/dev/null 2>&1; then
    echo "PostgreSQL server binaries found on PATH"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends postgresql
# Debian's package starts a cluster on 5432; the tests do not use it.
$SUDO pg_ctlcluster --help >/dev/null 2>&1 && $SUDO service postgresql stop || true
