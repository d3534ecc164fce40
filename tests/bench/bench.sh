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
# Env: DURATION (10 s per cell), WARMUP (2 s), THREADS (wrk threads, 2), CONNS ("8 32"),
#      SCENARIOS ("validate issue list v2-validate"), SEEDS ("demo large"), REVOKE_N (100000),
#      OUT (bench-results/latest.json), BIN (a prebuilt server binary instead of this tree's
#      release build: tests/bench/compare.sh runs two commits' binaries this way).
# Bounded: every wrk run has a duration and a timeout; only 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"; THREADS="${THREADS:-2}"
CONNS="${CONNS:-8 32}"; SCENARIOS="${SCENARIOS:-validate issue list v2-validate}"
SEEDS="${SEEDS:-demo large}"; OUT="${OUT:-bench-results/latest.json}"
LUA="tests/bench/scenario.lua"
REVOKE_N="${REVOKE_N:-100000}"

command -v wrk >/dev/null || { echo "installing wrk (Debian)" >&2; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bins --examples
BIN="${BIN:-target/release/keystone-lite}"
DATA="$(mktemp -d /tmp/ksl-bench.XXXXXX)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA" "$DATA.out" "$DATA.log" "$DATA.conf" "$DATA.large.yaml" "$DATA.tokens" "$DATA.writes"; }
trap cleanup EXIT

ms_now() { date +%s%N | cut -c1-13; }
# Starts the server; sets PID, URL and LAUNCH_MS (launch to the first 200 on /v3).
start() {
  local t0
  t0=$(ms_now)
  : > "$DATA.out"
  "$BIN" --seed "$SEED" --data-dir "$DATA" --listen 127.0.0.1:0 --config "$DATA.conf" >"$DATA.out" 2>"$DATA.log" &
  PID=$!
  URL=""
  for _ in $(seq 1 3000); do
    URL=$(head -n1 "$DATA.out")
    [ -n "$URL" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v3")" = 200 ] && break
    sleep 0.005
  done
  LAUNCH_MS=$(( $(ms_now) - t0 ))
  [ -n "$URL" ] || { echo "server did not start" >&2; cat "$DATA.log" >&2; exit 1; }
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
  wrk -t "$THREADS" -c "$c" -d "${DURATION}s" --timeout 10s -s "$LUA" "$URL" 2>/dev/null | grep '^RESULT ' | cut -c8-
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
printf '%-6s %-12s %5s %12s %9s %9s %7s\n' seed scenario conns req/s p50_ms p99_ms errors
for seed_name in $SEEDS; do
  case $seed_name in
    demo) SEED=seed/demo.yaml ;;
    large) python3 tests/bench/gen_seed.py "$DATA.large.yaml"; SEED="$DATA.large.yaml" ;;
    *) SEED=$seed_name ;;
  esac
  rm -rf "$DATA"; mkdir -p "$DATA"
  start
  IMPORT_MS=$(grep -o 'seed applied in [0-9.]* ms' "$DATA.log" | grep -o '[0-9.]*' | head -1)
  kill "$PID"; wait "$PID" 2>/dev/null || true
  start   # second start: existing store, as a restart sees it
  STORE_KB=$(du -k "$DATA/keystone.redb" | cut -f1)
  sleep 1
  IDLE_KB=$(rss_kb)
  TOKEN=$(curl -s -i -H 'Content-Type: application/json' -d "$AUTH" "$URL/v3/auth/tokens" | awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r')
  [ -n "$TOKEN" ] || { echo "could not issue a token" >&2; exit 1; }
  for s in $SCENARIOS; do
    case $s in
      revoke|mixed)
        "run_$s"
        ROWS+=("{\"seed\":\"$seed_name\",\"scenario\":\"$s\",\"result\":$RESULT_JSON}")
        continue ;;
    esac
    for c in $CONNS; do
      r=$(run_cell "$s" "$c")
      ROWS+=("{\"seed\":\"$seed_name\",\"scenario\":\"$s\",\"conns\":$c,\"result\":$r}")
      python3 -c 'import json,sys; r=json.loads(sys.argv[4]); print("%-6s %-12s %5s %12.1f %9.2f %9.2f %7d" % (sys.argv[1], sys.argv[2], sys.argv[3], r["rps"], r["p50_ms"], r["p99_ms"], r["errors"]))' "$seed_name" "$s" "$c" "$r"
    done
  done
  PEAK_KB=$(hwm_kb)
  SUMMARIES+=("{\"seed\":\"$seed_name\",\"idle_rss_kb\":$IDLE_KB,\"peak_rss_kb\":$PEAK_KB,\"launch_ms\":$LAUNCH_MS,\"seed_import_ms\":${IMPORT_MS:-null},\"store_kb\":$STORE_KB}")
  echo "  $seed_name: idle RSS ${IDLE_KB} kB, peak RSS ${PEAK_KB} kB, launch to first 200 ${LAUNCH_MS} ms (existing store), seed import ${IMPORT_MS} ms, store ${STORE_KB} kB"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
done
echo "($(nproc) cores, $(uname -m); wrk $THREADS threads on the same cores; ${DURATION} s per cell)"
{
  printf '{"machine":{"cores":%s,"arch":"%s"},"duration_s":%s,"hash_rate_2_threads":%s,' "$(nproc)" "$(uname -m)" "$DURATION" "$HASH_RATE"
  printf '"seeds":[%s],"cells":[%s]}\n' "$(IFS=,; echo "${SUMMARIES[*]}")" "$(IFS=,; echo "${ROWS[*]}")"
} > "$OUT"
echo "written: $OUT"
