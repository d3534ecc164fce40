#!/usr/bin/env bash
# `make bench`: builds release, starts keystone-lite on a temporary data dir with the demo
# seed, and measures it with wrk on loopback. Prints one table and writes it as JSON.
#
# Scenarios (each at 8 and 32 connections): validate (GET /v3/auth/tokens, X-Auth-Token =
# X-Subject-Token, catalog included: keystonemiddleware's hot path), issue (password,
# project scope), list (GET /v3/projects as admin), v2-validate (GET /v2.0/tokens/{id}).
# Each on the demo seed and on a generated large seed (100,000 users, 10,000 projects,
# 200,000 assignments, pre-hashed; tests/bench/gen_seed.py). Also: idle and peak RSS, launch
# to first 200 on an existing store, seed import time, store size, and the password-hash
# ceiling (pbkdf2_sha512 verifications/s on 2 threads) the issue rate is compared with.
# Opt-in scenarios (add to SCENARIOS; they change the store, so list them last):
#   revoke: validate (8 conns), then issue and revoke REVOKE_N tokens (100,000) one by one
#     with DELETE /v3/auth/tokens (revoke latency mean/p50/p99), validate again, restart
#     (launch to first 200 with REVOKE_N events stored) and validate once more.
#   mixed: 1,000 distinct tokens in use (validate, each its own caller), first quiet, then
#     with 20 unrelated writes/s (regions, another project, new users: tests/bench/load.py).
#
#
# Engines (ENGINES, "redb postgresql"): each seed runs on redb (the store file in the data dir)
# and on PostgreSQL (a private server per seed, initdb'd by tests/postgres/lib.sh on a free
# loopback port; tests/postgres/install.sh installs Debian's server when none is found; the
# node started with --database-url and --metrics-listen). On PostgreSQL each cell also
# reports the database round trips per request: /metrics is scraped before and after the
# measured wrk run (after the warm-up), and the delta of keystone_db_round_trips_total is
# divided by the delta of keystone_http_requests_total (the server's own count, so requests
# wrk cut off at the end still count). The change poller's queries are a separate series and
# not in it. Its store size is pg_database_size (the whole database, catalogs included).
# PostgreSQL runs the demo seed only by default (PG_SEEDS): importing the large seed takes
# minutes there (239 s for its 430,040 rows on 2 shared cores).
# Measured round trips per request (demo seed, both connection counts alike): validate 0
# (the validated-token cache answers), issue 63 (a password login's reads, each its own
# statement, and its writes), list 3 (BEGIN, one scan, COMMIT), v2-validate 6 (two read
# transactions of 3: the validation is cached, but the v2 body's catalog is read each time).
#
# Env: DURATION (10 s per cell), WARMUP (2 s), THREADS (wrk threads, 2), CONNS ("8 32"),
#      SCENARIOS ("validate issue list v2-validate"), SEEDS ("demo large"), REVOKE_N (100000),
#      ENGINES ("redb postgresql"), PG_SEEDS (the seeds run on PostgreSQL: SEEDS if set,
#      else "demo"),
#      OUT (bench-results/latest.json), BIN (a prebuilt server binary instead of this tree's
#      release build: tests/bench/compare.sh runs two commits' binaries this way).
# Bounded: every wrk run has a duration and a timeout; only 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"; THREADS="${THREADS:-2}"
CONNS="${CONNS:-8 32}"; SCENARIOS="${SCENARIOS:-validate issue list v2-validate}"
PG_SEEDS="${PG_SEEDS:-${SEEDS:-demo}}"
SEEDS="${SEEDS:-demo large}"; OUT="${OUT:-bench-results/latest.json}"
LUA="tests/bench/scenario.lua"
REVOKE_N="${REVOKE_N:-100000}"
ENGINES="${ENGINES:-redb postgresql}"

command -v wrk >/dev/null || { echo "installing wrk (Debian)" >&2; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
case " $ENGINES " in
  *" postgresql "*)
    tests/postgres/install.sh >/dev/null
    # shellcheck source=tests/postgres/lib.sh
    . tests/postgres/lib.sh ;;
esac
cargo build --release --quiet --bins --examples
BIN="${BIN:-target/release/keystone-lite}"
DATA="$(mktemp -d /tmp/ksl-bench.XXXXXX)"
PID=""
ENGINE=redb
METRICS=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; [ -d "$DATA.pg" ] && pg_destroy "$DATA.pg"; rm -rf "$DATA" "$DATA.out" "$DATA.log" "$DATA.conf" "$DATA.large.yaml" "$DATA.tokens" "$DATA.writes" "$DATA.rt"; }
trap cleanup EXIT

ms_now() { date +%s%N | cut -c1-13; }
# Starts the server; sets PID, URL and LAUNCH_MS (launch to the first 200 on /v3).
start() {
  local t0
  t0=$(ms_now)
  : > "$DATA.out"
  local engine_args=()
  [ "$ENGINE" = postgresql ] && engine_args=(--database-url "$PG_URL" --metrics-listen 127.0.0.1:0)
  "$BIN" --seed "$SEED" --data-dir "$DATA" --listen 127.0.0.1:0 --config "$DATA.conf" "${engine_args[@]}" >"$DATA.out" 2>"$DATA.log" &
  PID=$!
  URL=""
  for _ in $(seq 1 3000); do
    URL=$(head -n1 "$DATA.out")
    [ -n "$URL" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v3")" = 200 ] && break
    sleep 0.005
  done
  LAUNCH_MS=$(( $(ms_now) - t0 ))
  [ -n "$URL" ] || { echo "server did not start" >&2; cat "$DATA.log" >&2; exit 1; }
  METRICS=""
  [ "$ENGINE" = postgresql ] && METRICS=$(grep -o 'metrics on http://[0-9.:]*' "$DATA.log" | head -1 | sed 's,.*http://,,')
  return 0
}
# "requests round_trips" from /metrics (PostgreSQL nodes only).
db_counts() {
  curl -s "http://$METRICS/metrics" | awk '
    /^keystone_http_requests_total[{ ]/ {r += $NF}
    /^keystone_db_round_trips_total / {t = $NF}
    END {printf "%d %d\n", r, t}'
}
# Round trips per request between two db_counts, or null.
per_request() {
  python3 -c 'import sys; r0,t0=map(int,sys.argv[1].split()); r1,t1=map(int,sys.argv[2].split()); print("%.2f" % ((t1-t0)/(r1-r0)) if r1>r0 else "null")' "$1" "$2"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$PID/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$PID/status"; }

AUTH='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"adminpwd"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}'

run_cell() {   # scenario conns -> RESULT json
  local s=$1 c=$2
  case $s in
    validate) export BENCH_METHOD=GET BENCH_PATH=/v3/auth/tokens BENCH_BODY= BENCH_TOKEN=$TOKEN BENCH_SUBJECT=$TOKEN BENCH_EXPECT=200 ;;
    issue)    export BENCH_METHOD=POST BENCH_PATH=/v3/auth/tokens BENCH_BODY=$AUTH BENCH_TOKEN= BENCH_SUBJECT= BENCH_EXPECT=201 ;;
    list)     export BENCH_METHOD=GET BENCH_PATH=/v3/projects BENCH_BODY= BENCH_TOKEN=$TOKEN BENCH_SUBJECT= BENCH_EXPECT=200 ;;
    v2-validate) export BENCH_METHOD=GET BENCH_PATH=/v2.0/tokens/$TOKEN BENCH_BODY= BENCH_TOKEN=$TOKEN BENCH_SUBJECT= BENCH_EXPECT=200 ;;
    pool)     export BENCH_METHOD=GET BENCH_PATH=/v3/auth/tokens BENCH_BODY= BENCH_TOKEN= BENCH_SUBJECT= BENCH_EXPECT=200 BENCH_TOKENS_FILE=$DATA.tokens ;;
  esac
  wrk -t "$THREADS" -c "$c" -d "${WARMUP}s" --timeout 10s -s "$LUA" "$URL" >/dev/null 2>&1 || true
  local before after
  [ -n "$METRICS" ] && before=$(db_counts)
  wrk -t "$THREADS" -c "$c" -d "${DURATION}s" --timeout 10s -s "$LUA" "$URL" 2>/dev/null | grep '^RESULT ' | cut -c8-
  # run_cell runs in $(...): the round trips per request go through a file.
  if [ -n "$METRICS" ]; then after=$(db_counts); per_request "$before" "$after" > "$DATA.rt"; else echo null > "$DATA.rt"; fi
  export BENCH_TOKENS_FILE=
}

rps() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%.1f req/s p50 %.2f ms p99 %.2f ms errors %d" % (r["rps"], r["p50_ms"], r["p99_ms"], r["errors"]))' "$1"; }

# The revoke scenario: sets RESULT_JSON.
run_revoke() {
  local before revoked after restarted
  before=$(run_cell validate 8)
  echo "  revoke: validate before: $(rps "$before")"
  revoked=$(python3 tests/bench/load.py revoke "$URL" "$TOKEN" "$REVOKE_N")
  echo "  revoke: $revoked"
  after=$(run_cell validate 8)
  echo "  revoke: validate with $REVOKE_N revoked: $(rps "$after")"
  kill "$PID"; wait "$PID" 2>/dev/null || true
  start
  local t0 first_validate_ms
  t0=$(ms_now)
  curl -s -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-Subject-Token: $TOKEN" "$URL/v3/auth/tokens"
  first_validate_ms=$(( LAUNCH_MS + $(ms_now) - t0 ))
  echo "  revoke: restart with $REVOKE_N events: launch to first 200 ${LAUNCH_MS} ms, to the first validation ${first_validate_ms} ms"
  restarted=$(run_cell validate 8)
  echo "  revoke: validate after the restart: $(rps "$restarted")"
  RESULT_JSON="{\"validate_before\":$before,\"revoke\":$revoked,\"validate_after\":$after,\"restart_launch_ms\":$LAUNCH_MS,\"restart_first_validate_ms\":$first_validate_ms,\"validate_after_restart\":$restarted}"
}

# The mixed scenario: sets RESULT_JSON.
run_mixed() {
  local quiet busy writes
  python3 tests/bench/load.py tokens "$URL" "$TOKEN" 1000 "$DATA.tokens"
  quiet=$(run_cell pool 8)
  echo "  mixed: 1,000 tokens, no writes: $(rps "$quiet")"
  python3 tests/bench/load.py writes "$URL" "$TOKEN" 20 $((WARMUP + DURATION + 1)) > "$DATA.writes" &
  local writer=$!
  busy=$(run_cell pool 8)
  wait "$writer"
  writes=$(cat "$DATA.writes")
  echo "  mixed: 1,000 tokens, 20 unrelated writes/s ($writes): $(rps "$busy")"
  RESULT_JSON="{\"quiet\":$quiet,\"writes\":$writes,\"with_writes\":$busy}"
}

# Lists are paged as a large deployment would page them.
printf '[resource]\nlist_limit = 100\n[identity]\nlist_limit = 100\n' > "$DATA.conf"
HASH_RATE=$(target/release/examples/hash_rate 25000 5)
echo "password-hash ceiling: ${HASH_RATE} pbkdf2_sha512 (25,000 rounds) verifications/s on 2 threads"
mkdir -p "$(dirname "$OUT")"
ROWS=()
SUMMARIES=()
# The large seed is generated once, whichever engines run it.
seed_file() {   # seed name -> SEED
  case $1 in
    demo) SEED=seed/demo.yaml ;;
    large) [ -s "$DATA.large.yaml" ] || python3 tests/bench/gen_seed.py "$DATA.large.yaml"; SEED="$DATA.large.yaml" ;;
    *) SEED=$1 ;;
  esac
}

# The store's size in kB: redb's file, or the PostgreSQL database (catalogs included).
store_kb() {
  if [ "$ENGINE" = postgresql ]; then
    echo $(( $(psql -d "$PG_URL" -Atc 'SELECT pg_database_size(current_database())') / 1024 ))
  else
    du -k "$DATA/keystone.redb" | cut -f1
  fi
}

# One engine and seed: a fresh store (and a fresh private PostgreSQL), every scenario.
run_seed() {   # seed name
  local seed_name=$1 s c r rt
  seed_file "$seed_name"
  rm -rf "$DATA"; mkdir -p "$DATA"
  if [ "$ENGINE" = postgresql ]; then pg_destroy "$DATA.pg"; pg_start "$DATA.pg"; fi
  start
  IMPORT_MS=$(grep -o 'seed applied in [0-9.]* ms' "$DATA.log" | grep -o '[0-9.]*' | head -1)
  kill "$PID"; wait "$PID" 2>/dev/null || true
  start   # second start: existing store, as a restart sees it
  STORE_KB=$(store_kb)
  sleep 1
  IDLE_KB=$(rss_kb)
  TOKEN=$(curl -s -i -H 'Content-Type: application/json' -d "$AUTH" "$URL/v3/auth/tokens" | awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r')
  [ -n "$TOKEN" ] || { echo "could not issue a token" >&2; exit 1; }
  local tag="\"engine\":\"$ENGINE\",\"seed\":\"$seed_name\""
  for s in $SCENARIOS; do
    case $s in
      revoke|mixed)
        "run_$s"
        ROWS+=("{$tag,\"scenario\":\"$s\",\"result\":$RESULT_JSON}")
        continue ;;
    esac
    for c in $CONNS; do
      r=$(run_cell "$s" "$c")
      rt=$(cat "$DATA.rt")
      ROWS+=("{$tag,\"scenario\":\"$s\",\"conns\":$c,\"round_trips_per_request\":$rt,\"result\":$r}")
      python3 -c 'import json,sys; r=json.loads(sys.argv[5]); print("%-10s %-6s %-12s %5s %12.1f %9.2f %9.2f %7d %8s" % (sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], r["rps"], r["p50_ms"], r["p99_ms"], r["errors"], "-" if sys.argv[6] == "null" else sys.argv[6]))' "$ENGINE" "$seed_name" "$s" "$c" "$r" "$rt"
    done
  done
  PEAK_KB=$(hwm_kb)
  SUMMARIES+=("{$tag,\"idle_rss_kb\":$IDLE_KB,\"peak_rss_kb\":$PEAK_KB,\"launch_ms\":$LAUNCH_MS,\"seed_import_ms\":${IMPORT_MS:-null},\"store_kb\":$STORE_KB}")
  echo "  $ENGINE $seed_name: idle RSS ${IDLE_KB} kB, peak RSS ${PEAK_KB} kB, launch to first 200 ${LAUNCH_MS} ms (existing store), seed import ${IMPORT_MS} ms, store ${STORE_KB} kB"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  if [ "$ENGINE" = postgresql ]; then pg_destroy "$DATA.pg"; fi
}

printf '%-10s %-6s %-12s %5s %12s %9s %9s %7s %8s\n' engine seed scenario conns req/s p50_ms p99_ms errors rt/req
for ENGINE in $ENGINES; do
  seeds=$SEEDS
  [ "$ENGINE" = postgresql ] && seeds=$PG_SEEDS
  for seed_name in $seeds; do run_seed "$seed_name"; done
done
echo "($(nproc) cores, $(uname -m); wrk $THREADS threads on the same cores; ${DURATION} s per cell)"
{
  printf '{"machine":{"cores":%s,"arch":"%s"},"duration_s":%s,"hash_rate_2_threads":%s,' "$(nproc)" "$(uname -m)" "$DURATION" "$HASH_RATE"
  printf '"seeds":[%s],"cells":[%s]}\n' "$(IFS=,; echo "${SUMMARIES[*]}")" "$(IFS=,; echo "${ROWS[*]}")"
} > "$OUT"
echo "written: $OUT"
