# A private PostgreSQL for the shell-driven suites (tests/multinode, tests/bench): initdb in
# a directory of the caller's, trust auth, loopback only, a free port. Source it, then
#   pg_start DIR          -> PG_PORT, PG_URL (postgresql://keystone@127.0.0.1:PORT/postgres)
#   pg_replica DIR SRC    -> a streaming replica of the server in SRC (pg_basebackup -R)
#   pg_ctl_in DIR start|stop|stop-immediate
#   pg_destroy DIR        stops it (immediate) and removes DIR
# PostgreSQL refuses to run as root: then it runs as the `postgres` user (runuser).
# tests/postgres/install.sh installs Debian's server when none is found.

pg_bin_dir() {
  local d
  for d in /usr/local/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      # pg_basebackup sits beside the real initdb (/usr/local/bin may hold only links)
      dirname "$(readlink -f "$d/initdb")"
      return 0
    fi
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(readlink -f "$(command -v initdb)")"; return 0; }
  return 1
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_as() {   # runs a server tool as the owner of the cluster
  local tool="$1"; shift
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$PG_BIN/$tool" "$@"
  else
    "$PG_BIN/$tool" "$@"
  fi
}

pg_prepare_dir() {
  mkdir -p "$1"
  [ "$(id -u)" = 0 ] && chown postgres "$1"
  return 0
}

pg_ctl_in() {   # DIR start|stop|stop-immediate
  local dir="$1" port
  port="$(cat "$dir/port")"
  case "$2" in
    start) pg_as pg_ctl -D "$dir/data" -l "$dir/server.log" -w \
             -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null ;;
    stop) pg_as pg_ctl -D "$dir/data" -m fast -w stop >/dev/null ;;
    stop-immediate) pg_as pg_ctl -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true ;;
  esac
}

pg_start() {   # DIR
  PG_BIN="$(pg_bin_dir)" || { echo "no PostgreSQL server binaries (tests/postgres/install.sh)" >&2; return 1; }
  local dir="$1"
  pg_prepare_dir "$dir"
  pg_free_port > "$dir/port"
  pg_as initdb -D "$dir/data" -U keystone -E UTF8 --locale=C --auth=trust >"$dir/initdb.out" 2>&1 \
    || { cat "$dir/initdb.out" >&2; return 1; }
  pg_ctl_in "$dir" start || { cat "$dir/server.log" >&2; return 1; }
  PG_PORT="$(cat "$dir/port")"
  PG_URL="postgresql://keystone@127.0.0.1:$PG_PORT/postgres"
}

pg_replica() {   # DIR SRC_DIR
  PG_BIN="$(pg_bin_dir)" || return 1
  local dir="$1" src_port
  src_port="$(cat "$2/port")"
  pg_prepare_dir "$dir"
  pg_free_port > "$dir/port"
  pg_as pg_basebackup -R -X stream -D "$dir/data" -h 127.0.0.1 -p "$src_port" -U keystone \
    >"$dir/basebackup.out" 2>&1 || { cat "$dir/basebackup.out" >&2; return 1; }
  pg_ctl_in "$dir" start || { cat "$dir/server.log" >&2; return 1; }
  PG_PORT="$(cat "$dir/port")"
  PG_URL="postgresql://keystone@127.0.0.1:$PG_PORT/postgres"
}

pg_destroy() {   # DIR
  [ -f "$1/port" ] && pg_ctl_in "$1" stop-immediate
  rm -rf "$1"
}
