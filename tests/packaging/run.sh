#!/usr/bin/env bash
# The packages, end to end on this machine (as root; nothing else of the system is touched
# beyond what the .deb installs, and it is purged at the end):
#   1. `systemd-analyze security` on the unit (when systemd-analyze exists): exposure <= 2.0.
#   2. builds the .deb (cargo-deb) and the OCI image (umoci) from one static release build;
#   3. installs the .deb with dpkg (twice: configure is idempotent), checks the user, the
#      0700 data dir, the conffile; starts the installed binary the way the unit does (its
#      ExecStart, as its User, no new privileges, no capabilities, UMask 0077; systemd is not
#      PID 1 here) with the installed config and the demo seed as /etc/keystone-lite/seed.yaml,
#      gets and validates a token, stops it with SIGTERM (exit 0); `dpkg -r` keeps the user
#      and data, `dpkg -P` removes them;
#   4. unpacks the image (umoci) and runs its entrypoint and cmd chrooted in its root
#      filesystem as the image's user (no container engine here), with the demo seed where an
#      operator mounts theirs; token again.
# Exit status 0 only if every check passed. KSL_KEEP=1 keeps the temp dir.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../packaging" && pwd)/lib.sh"

START_TIMEOUT=20   # s, until a started server prints its URL
T_START=$(date +%s)
PASSED=0
ok() { PASSED=$((PASSED + 1)); plog "ok: $*"; }

[ "$(id -u)" -eq 0 ] || pdie "run as root (dpkg -i, a system user, chroot)"
if dpkg-query -W -f='${Status}' keystone-lite 2>/dev/null | grep -q 'install ok'; then
  pdie "keystone-lite is already installed on this machine: not touching it"
fi
need_commands curl:curl python3:python3 setpriv:util-linux chroot:coreutils

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ksl-packaging.XXXXXX")"
SERVER_PID=""
INSTALLED=""
stop_server() {   # SIGTERM; the server must exit 0 within 10 s
  local pid=$SERVER_PID rc=0
  SERVER_PID=""
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" || rc=$?
  return $rc
}
cleanup() {
  local rc=$?
  stop_server || true
  if [ -n "$INSTALLED" ]; then
    rm -f /etc/keystone-lite/seed.yaml
    dpkg -P keystone-lite >/dev/null 2>&1 || plog "WARNING: dpkg -P keystone-lite failed"
  fi
  if [ "${KSL_KEEP:-}" = 1 ]; then plog "kept $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
  plog "$PASSED checks passed in $(( $(date +%s) - T_START )) s"
  [ $rc -eq 0 ] && echo "$PASSED passed, 0 failed" || echo "$PASSED passed, 1 failed"
  exit $rc
}
trap cleanup EXIT

# Starts "$@" in the background with stdout to $1's log; sets SERVER_PID and URL.
start_server() {
  local out="$RUN_DIR/server.out"
  : >"$out"
  "$@" >"$out" 2>"$RUN_DIR/server.err" &
  SERVER_PID=$!
  URL=""
  for _ in $(seq 1 $((START_TIMEOUT * 10))); do
    URL="$(head -n1 "$out")"
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$URL" ]; then
    cat "$RUN_DIR/server.err" >&2
    pdie "server did not print its URL within $START_TIMEOUT s"
  fi
}

# A project-scoped password token for admin (demo seed), then GET /v3/auth/tokens with it.
check_token() {
  local what="$1" body status token
  body='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin",
    "domain":{"id":"default"},"password":"adminpwd"}}},
    "scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}'
  status="$(curl -sS --max-time 10 -o "$RUN_DIR/token.json" -D "$RUN_DIR/token.head" \
    -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" "$URL/v3/auth/tokens")"
  [ "$status" = 201 ] || pdie "$what: POST /v3/auth/tokens answered $status: $(cat "$RUN_DIR/token.json")"
  token="$(sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *\([^[:space:]]*\).*$/\1/p' "$RUN_DIR/token.head")"
  [ -n "$token" ] || pdie "$what: no X-Subject-Token header"
  status="$(curl -sS --max-time 10 -o "$RUN_DIR/validate.json" -w '%{http_code}' \
    -H "X-Auth-Token: $token" -H "X-Subject-Token: $token" "$URL/v3/auth/tokens")"
  [ "$status" = 200 ] || pdie "$what: GET /v3/auth/tokens answered $status"
  python3 - "$RUN_DIR/validate.json" <<'PY' || pdie "$what: validated token body is wrong"
import json, sys
t = json.load(open(sys.argv[1]))["token"]
assert t["user"]["name"] == "admin", t["user"]
assert t["project"]["name"] == "admin", t["project"]
assert "admin" in {r["name"] for r in t["roles"]}, t["roles"]
assert t["catalog"], "empty catalog"
PY
  ok "$what: token issued (201) and validated (200) at $URL"
}

# Reads an argument list (JSON array) and prints it one per line with the value after
# --listen replaced by 127.0.0.1:0, so the test never collides with a real port 5000.
loopback_listen() {
  python3 -c '
import json, sys
args = json.load(sys.stdin)
i = args.index("--listen")
args[i + 1] = "127.0.0.1:0"
print("\n".join(args))'
}

# --- 1. the unit ------------------------------------------------------------------------
UNIT="$REPO/packaging/keystone-lite.service"
if command -v systemd-analyze >/dev/null 2>&1; then
  score="$(systemd-analyze security --offline=true "$UNIT" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')"
  [ -n "$score" ] || pdie "systemd-analyze security printed no exposure level"
  python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)" \
    || pdie "unit exposure $score > 2.0 (systemd-analyze security --offline=true $UNIT)"
  ok "unit: systemd-analyze security exposure $score"
else
  plog "systemd-analyze not installed: unit score not checked"
fi

# --- 2. build ---------------------------------------------------------------------------
t0=$(date +%s)
DEB="$("$REPO/packaging/build-deb.sh")"
IMAGE="$("$REPO/packaging/build-image.sh")"
ok "built $(basename "$DEB") ($(stat -c %s "$DEB") bytes) and $IMAGE in $(( $(date +%s) - t0 )) s"

# --- 3. the .deb ------------------------------------------------------------------------
dpkg-deb --contents "$DEB" >"$RUN_DIR/contents"
for f in ./usr/bin/keystone-lite ./usr/lib/systemd/system/keystone-lite.service \
    ./etc/keystone-lite/keystone.conf ./usr/share/keystone-lite/demo.yaml; do
  grep -q " $f\$" "$RUN_DIR/contents" || pdie ".deb lacks $f"
done
INSTALLED=1
dpkg -i "$DEB" >"$RUN_DIR/dpkg.log" 2>&1 || { cat "$RUN_DIR/dpkg.log" >&2; pdie "dpkg -i failed"; }
dpkg -i "$DEB" >"$RUN_DIR/dpkg.log" 2>&1 || { cat "$RUN_DIR/dpkg.log" >&2; pdie "dpkg -i (again) failed"; }
getent passwd keystone-lite >/dev/null || pdie "no keystone-lite user after install"
[ "$(stat -c '%U:%G %a' /var/lib/keystone-lite)" = "keystone-lite:keystone-lite 700" ] \
  || pdie "/var/lib/keystone-lite is $(stat -c '%U:%G %a' /var/lib/keystone-lite)"
[ "$(stat -c '%U:%G %a' /etc/keystone-lite/keystone.conf)" = "root:keystone-lite 640" ] \
  || pdie "keystone.conf is $(stat -c '%U:%G %a' /etc/keystone-lite/keystone.conf)"
dpkg-query -W -f='${Conffiles}\n' keystone-lite | grep -q ' /etc/keystone-lite/keystone.conf ' \
  || pdie "keystone.conf is not a conffile"
[ "$(readlink -f "$(command -v keystone-lite)")" = /usr/bin/keystone-lite ] || pdie "keystone-lite not on PATH"
ok ".deb installed: user, 0700 data dir, root:keystone-lite 0640 conffile, binary, unit"
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify /usr/lib/systemd/system/keystone-lite.service >"$RUN_DIR/verify" 2>&1 \
    && [ ! -s "$RUN_DIR/verify" ] || { cat "$RUN_DIR/verify" >&2; pdie "systemd-analyze verify: the unit"; }
  ok "installed unit: systemd-analyze verify is silent"
fi

# What the unit runs, as its user (the operator writes the seed; see the unit's header).
install -m 0640 -g keystone-lite "$REPO/seed/demo.yaml" /etc/keystone-lite/seed.yaml
unit=/usr/lib/systemd/system/keystone-lite.service
user="$(sed -n 's/^User=//p' "$unit")"
[ "$user" = keystone-lite ] || pdie "unit runs as '$user'"
sed -n 's/^ExecStart=//p' "$unit" | python3 -c 'import json, shlex, sys; print(json.dumps(shlex.split(sys.stdin.read())))' \
  | loopback_listen >"$RUN_DIR/exec"
mapfile -t EXEC <"$RUN_DIR/exec"
[ "${EXEC[0]}" = /usr/bin/keystone-lite ] || pdie "ExecStart runs ${EXEC[0]}"
start_server sh -c 'umask 0077; exec "$@"' sh \
  setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups \
  --no-new-privs --inh-caps=-all --bounding-set=-all -- "${EXEC[@]}"
check_token ".deb server"
stop_server || pdie ".deb server did not exit 0 on SIGTERM"
[ -z "$(find /var/lib/keystone-lite -mindepth 1 \( ! -user keystone-lite -o -perm /077 \) -print -quit)" ] \
  || pdie "files in /var/lib/keystone-lite not the user's own or readable by others: $(find /var/lib/keystone-lite -mindepth 1 \( ! -user keystone-lite -o -perm /077 \) -print)"
[ -n "$(find /var/lib/keystone-lite -mindepth 1 -print -quit)" ] || pdie "server wrote nothing in /var/lib/keystone-lite"
ok ".deb server stopped with exit 0; data dir written as keystone-lite only"

dpkg -r keystone-lite >"$RUN_DIR/dpkg.log" 2>&1 || { cat "$RUN_DIR/dpkg.log" >&2; pdie "dpkg -r failed"; }
getent passwd keystone-lite >/dev/null || pdie "dpkg -r removed the user"
[ -d /var/lib/keystone-lite ] || pdie "dpkg -r removed the data"
[ ! -e /usr/bin/keystone-lite ] || pdie "dpkg -r left the binary"
rm -f /etc/keystone-lite/seed.yaml
dpkg -P keystone-lite >"$RUN_DIR/dpkg.log" 2>&1 || { cat "$RUN_DIR/dpkg.log" >&2; pdie "dpkg -P failed"; }
INSTALLED=""
! getent passwd keystone-lite >/dev/null || pdie "dpkg -P left the user"
! getent group keystone-lite >/dev/null || pdie "dpkg -P left the group"
[ ! -e /var/lib/keystone-lite ] || pdie "dpkg -P left /var/lib/keystone-lite"
[ ! -e /etc/keystone-lite ] || pdie "dpkg -P left /etc/keystone-lite"
ok "dpkg -r kept user and data; dpkg -P removed user, group, data and config"

# --- 4. the image -----------------------------------------------------------------------
bundle="$RUN_DIR/bundle"
umoci unpack --image "$IMAGE" "$bundle" >/dev/null
root="$bundle/rootfs"
python3 - "$bundle/config.json" >"$RUN_DIR/image-user" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["process"]
print(f'{p["user"]["uid"]}:{p["user"]["gid"]}')
PY
python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["process"]["args"]))' \
  "$bundle/config.json" | loopback_listen >"$RUN_DIR/exec"
mapfile -t EXEC <"$RUN_DIR/exec"
image_user="$(cat "$RUN_DIR/image-user")"
[ "${image_user%%:*}" != 0 ] || pdie "image runs as root"
# Where an operator mounts a seed (the image's cmd names it).
install -m 0640 -g "${image_user#*:}" "$REPO/seed/demo.yaml" "$root/etc/keystone-lite/seed.yaml"
unpacked=$(du -sb --apparent-size "$root" | cut -f1)
layer=$(python3 - "${IMAGE%:*}" <<'PY'
import json, os, sys
d = sys.argv[1]
idx = json.load(open(os.path.join(d, "index.json")))
m = idx["manifests"][0]["digest"].split(":")[1]
man = json.load(open(os.path.join(d, "blobs", "sha256", m)))
print(sum(l["size"] for l in man["layers"]))
PY
)
ok "image unpacked: $unpacked bytes of root filesystem, $layer bytes of compressed layers, user $image_user, $(find "$root" -mindepth 1 | wc -l) entries"
start_server setpriv --no-new-privs -- \
  chroot --userspec="$image_user" --groups="${image_user#*:}" "$root" "${EXEC[@]}"
check_token "image server (chroot, uid ${image_user%%:*})"
stop_server || pdie "image server did not exit 0 on SIGTERM"
[ -z "$(find "$root/var/lib/keystone-lite" -mindepth 1 ! -uid "${image_user%%:*}" -print -quit)" ] \
  || pdie "image data dir has files not owned by uid ${image_user%%:*}"
ok "image server stopped with exit 0"
