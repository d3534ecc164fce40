#!/usr/bin/env bash
# `make bench-compare [REV=HEAD~1]`: the validate and list scenarios for this tree's release
# binary and REV's, in one run, alternating A B A B so drift on the shared 2 cores hits both
# alike; prints each binary's median req/s per cell and the ratio (this tree / REV).
#
# Env: REV (HEAD~1), ROUNDS (3), DURATION (8 s per cell), CONNS ("8 32"),
#      SCENARIOS ("validate list"), SEEDS ("demo"), ENGINES ("redb": cells are matched by
#      seed, scenario and conns only).
set -euo pipefail
cd "$(dirname "$0")/../.."
REV="${REV:-HEAD~1}"; ROUNDS="${ROUNDS:-3}"
export DURATION="${DURATION:-8}" CONNS="${CONNS:-8 32}" SCENARIOS="${SCENARIOS:-validate list}" SEEDS="${SEEDS:-demo}"
export ENGINES="${ENGINES:-redb}"
WORK="$(mktemp -d /tmp/ksl-compare.XXXXXX)"
trap 'git worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
cargo build --release --quiet --bins --examples
git worktree add --quiet --detach "$WORK/base" "$REV"
# The base builds in its own target dir (dependencies are built again once).
(cd "$WORK/base" && CARGO_TARGET_DIR="$WORK/base-target" cargo build --release --quiet --bins)
cp target/release/keystone-lite "$WORK/head-bin"
cp "$WORK/base-target/release/keystone-lite" "$WORK/base-bin"
for round in $(seq 1 "$ROUNDS"); do
  for which in head base; do
    echo "round $round: $which" >&2
    BIN="$WORK/$which-bin" OUT="$WORK/$which-$round.json" tests/bench/bench.sh >/dev/null
  done
done
python3 - "$WORK" "$ROUNDS" "$REV" <<'PY'
import json, statistics, sys
work, rounds, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def cells(which):
    out = {}
    for r in range(1, rounds + 1):
        for c in json.load(open(f"{work}/{which}-{r}.json"))["cells"]:
            out.setdefault((c["seed"], c["scenario"], c["conns"]), []).append(c["result"]["rps"])
    return out
head, base = cells("head"), cells("base")
print(f"{'seed':6} {'scenario':10} {'conns':>5} {'this tree':>12} {rev:>12} {'ratio':>7}")
for key in sorted(head):
    h, b = statistics.median(head[key]), statistics.median(base[key])
    print(f"{key[0]:6} {key[1]:10} {key[2]:>5} {h:12.0f} {b:12.0f} {h / b:7.3f}")
PY
