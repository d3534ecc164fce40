#!/usr/bin/env bash
# Real OpenStack clients against keystone-lite: the openstack CLI, openstacksdk,
# keystoneauth1, keystonemiddleware.auth_token (pytest files in this folder), then a
# slice of tempest's identity API tests.
#
#   tests/clients/run.sh
#
# Environment:
#   KSL_BIN    server binary (default: <repo>/target/debug/keystone-lite). The runner starts
#              it with --seed seed/demo.yaml --data-dir <fresh temp dir> --listen 127.0.0.1:0,
#              reads the base URL from its first stdout line, and stops it (SIGTERM) on exit.
#   KSL_URL    use an already running server instead (e.g. upstream Keystone for reference:
#              KSL_URL=http://127.0.0.1:35100 KSL_KEYS=/tmp/ks-conf/fernet-keys run.sh);
#   KSL_KEYS   then its Fernet key repository (exported to the tests as is).
#   KSL_SEED   seed file for the started server (default: <repo>/seed/demo.yaml).
#   KSL_EXPECT_DEMO_SEED=1  with KSL_URL: the server already has seed/demo.yaml's objects
#              (set automatically when the runner starts the server itself; otherwise the
#              tests create the demo user/project and compute/image services first).
#   KSL_VENV   client venv (default: $HOME/.cache/keystone-lite/client-venv); (re)installed
#              from requirements.txt whenever that file's hash changes.
#   KSL_SKIP_TEMPEST=1      skip the tempest phase.
#   KSL_SKIP_PYTEST=1       skip the pytest phase (tests/multinode runs tempest alone).
#   KSL_SKIP_MAPPING=1      skip the mapping-engine phase.
#   (the mapping-engine phase runs tests/federation/mapping/oracle.py on KSL_BIN, or the
#   debug binary, whenever it exists: upstream's mapping_engine vs ours on every case)
#   KSL_TEMPEST_REGEX, KSL_TEMPEST_CONCURRENCY  tempest selection (default: the whole
#              identity suite) and workers (default 4).
#   KSL_PYTEST_ARGS         extra pytest arguments (e.g. "-k middleware -x").
#   KSL_KEEP=1              keep the server's data dir and tempest's workspace.
#   KSL_SKIP_IDP=1          do not start the test OpenID provider (tests/federation/idp; needs
#              node and npm): the federation tests skip and tempest's OIDC scenario is not run.
#              Otherwise it is started before pytest (its issuer exported as KSL_IDP_ISSUER)
#              and stopped on exit.
# Exit status: 0 only if every phase ran at least one test and none failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${KSL_VENV:-$HOME/.cache/keystone-lite/client-venv}"
# tempest's whole identity API suite (138 tests with tempest 47.0.0), as upstream passes it,
# and keystone-tempest-plugin's API tests (OS-FEDERATION identity providers, mappings,
# service providers; OAuth1 tokens).
TEMPEST_REGEX="${KSL_TEMPEST_REGEX:-^(tempest\.api\.identity\.|keystone_tempest_plugin\.tests\.api\.identity\.)}"
TEMPEST_CONCURRENCY="${KSL_TEMPEST_CONCURRENCY:-4}"
INSTALL_TIMEOUT=1200   # s, a cold pip install of ~130 pinned packages
START_TIMEOUT=30       # s, until the server prints its URL and answers GET /v3
PYTEST_TIMEOUT=900     # s, the whole pytest phase
TEMPEST_TIMEOUT=1200   # s, the whole tempest phase
T_START=$(date +%s)

log() { printf '[clients] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

SERVER_PID=""
IDP_PID=""
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ksl-clients.XXXXXX")"   # everything this run writes
DATA_DIR=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      kill -TERM "$SERVER_PID" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$SERVER_PID" 2>/dev/null; then
        log "server did not stop within 10 s of SIGTERM; killing it"
        kill -KILL "$SERVER_PID" 2>/dev/null || true
      fi
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true   # leftovers in its process group
  fi
  if [ -n "$IDP_PID" ]; then
    kill -TERM "$IDP_PID" 2>/dev/null || true
    wait "$IDP_PID" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ] && [ -f "$RUN_DIR/server.log" ]; then
    log "last lines of the server log:"
    tail -n 30 "$RUN_DIR/server.log" >&2 || true
  fi
  if [ "${KSL_KEEP:-0}" = 1 ]; then
    log "kept $RUN_DIR (server data dir, server.log, tempest workspace)"
  else
    rm -rf "$RUN_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- client venv -------------------------------------------------------------------
REQ="$HERE/requirements.txt"
PY_VER="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
WANT_STAMP="$(sha256sum < "$REQ" | cut -d' ' -f1) python$PY_VER"
STAMP="$VENV/.ksl-requirements.stamp"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT_STAMP" ]; then
  log "installing client venv $VENV from requirements.txt (python $PY_VER)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || die "cannot create venv $VENV"
  rm -f "$STAMP"
  timeout -k 30 "$INSTALL_TIMEOUT" "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$REQ" >&2 || die "pip install -r requirements.txt failed"
  "$VENV/bin/python" -m pip check >&2 || die "pip check failed in $VENV"
  echo "$WANT_STAMP" > "$STAMP"
fi
for tool in openstack tempest stestr; do
  [ -x "$VENV/bin/$tool" ] || die "$tool missing in $VENV (delete $STAMP to reinstall)"
done

# --- server ------------------------------------------------------------------------
wait_http_200() {   # URL SECONDS
  local url="$1" deadline=$(( $(date +%s) + $2 )) code=""
  while [ "$(date +%s)" -lt "$deadline" ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.2
  done
  log "GET $url answered '${code:-nothing}', not 200, within $2 s"
  return 1
}

if [ -n "${KSL_URL:-}" ]; then
  KSL_URL="${KSL_URL%/}"; KSL_URL="${KSL_URL%/v3}"
  log "using running server $KSL_URL (KSL_KEYS=${KSL_KEYS:-unset})"
  export KSL_EXPECT_DEMO_SEED="${KSL_EXPECT_DEMO_SEED:-0}"
else
  BIN="${KSL_BIN:-$REPO/target/debug/keystone-lite}"
  case "$BIN" in /*) ;; *) BIN="$REPO/$BIN" ;; esac
  [ -x "$BIN" ] || die "no server binary at $BIN (cargo build, or set KSL_BIN / KSL_URL)"
  SEED="${KSL_SEED:-$REPO/seed/demo.yaml}"
  [ -f "$SEED" ] || die "no seed file $SEED"
  DATA_DIR="$RUN_DIR/data"; mkdir -p "$DATA_DIR"
  log "starting $BIN (data dir $DATA_DIR)"
  # own session/process group (setsid execs in place: $! is the server's pid), so cleanup
  # can signal the server and anything it spawned
  # upstream's [security_compliance] settings tempest's identity suite is run with
  # (tempest.conf's [identity] user_lockout_* / user_unique_last_password_count match them)
  cat > "$RUN_DIR/keystone.conf" <<CONF
[security_compliance]
lockout_failure_attempts = 2
lockout_duration = 5
unique_last_password_count = 2
minimum_password_age = 0

# OpenID Connect logins (test_federation.py, tempest's OIDC scenario): the IdP's issuer is
# named by the claim mod_auth_openidc gives as HTTP_OIDC_ISS, as devstack configures it.
[openid]
remote_id_attribute = HTTP_OIDC_ISS
CONF
  setsid "$BIN" --seed "$SEED" --data-dir "$DATA_DIR" --listen 127.0.0.1:0 --config "$RUN_DIR/keystone.conf" \
    >"$RUN_DIR/server.stdout" 2>"$RUN_DIR/server.log" </dev/null &
  SERVER_PID=$!
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  KSL_URL=""
  while [ "$(date +%s)" -lt "$deadline" ]; do
    # the first line, once it is complete (newline-terminated)
    if [ "$(head -c 4096 "$RUN_DIR/server.stdout" | tr -dc '\n' | wc -c)" -ge 1 ]; then
      KSL_URL="$(head -n1 "$RUN_DIR/server.stdout" | tr -d '\r')"
      break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || die "server exited before printing its URL"
    sleep 0.1
  done
  [ -n "$KSL_URL" ] || die "server printed no URL line within ${START_TIMEOUT} s"
  [[ "$KSL_URL" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || die "first stdout line is not a base URL: '$KSL_URL'"
  log "server pid $SERVER_PID at $KSL_URL"
  export KSL_KEYS="$DATA_DIR/fernet-keys"
  # the server log, for tests that check no secret is ever logged
  export KSL_LOG="$RUN_DIR/server.log"
  export KSL_EXPECT_DEMO_SEED=1
fi
export KSL_URL
[ -n "${KSL_KEYS:-}" ] && export KSL_KEYS
wait_http_200 "$KSL_URL/v3" "$START_TIMEOUT" || die "server not answering at $KSL_URL/v3"

# --- test OpenID provider (tests/federation/idp) ----------------------------------------
IDP_START_TIMEOUT=300   # s, includes a first `npm ci` into its cache
KSL_IDP_ISSUER=""
if [ "${KSL_SKIP_IDP:-0}" != 1 ]; then
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for the test IdP (or KSL_SKIP_IDP=1)"
  # own session, so it is not signalled by a terminal's ^C before cleanup stops it
  setsid "$REPO/tests/federation/idp/start.sh" >"$RUN_DIR/idp.stdout" 2>"$RUN_DIR/idp.log" </dev/null &
  IDP_PID=$!
  deadline=$(( $(date +%s) + IDP_START_TIMEOUT ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(head -c 4096 "$RUN_DIR/idp.stdout" | tr -dc '\n' | wc -c)" -ge 1 ]; then
      KSL_IDP_ISSUER="$(head -n1 "$RUN_DIR/idp.stdout" | sed -n 's/^ISSUER \(http:[^ ]*\)$/\1/p')"
      break
    fi
    kill -0 "$IDP_PID" 2>/dev/null || { tail -n 20 "$RUN_DIR/idp.log" >&2; die "test IdP exited before printing its issuer"; }
    sleep 0.2
  done
  [ -n "$KSL_IDP_ISSUER" ] || die "test IdP printed no ISSUER line within $IDP_START_TIMEOUT s"
  wait_http_200 "$KSL_IDP_ISSUER/.well-known/openid-configuration" 30 || die "test IdP not answering"
  log "test IdP pid $IDP_PID at $KSL_IDP_ISSUER"
  export KSL_IDP_ISSUER
fi

# --- pytest: the python clients --------------------------------------------------------
RESULTS=()
FAILED_PHASES=()
TOTAL_PASS=0; TOTAL_FAIL=0; TOTAL_SKIP=0
T0=$(date +%s)
if [ "${KSL_SKIP_PYTEST:-0}" = 1 ]; then
  RESULTS+=("pytest: skipped (KSL_SKIP_PYTEST=1)")
else
log "pytest: $HERE"
set +e
# shellcheck disable=SC2086
(cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 PYTHONWARNINGS=ignore timeout -k 30 "$PYTEST_TIMEOUT" "$VENV/bin/python" -m pytest \
  -p no:cacheprovider -q -rfEs --junitxml="$RUN_DIR/pytest.xml" \
  -W ignore::DeprecationWarning ${KSL_PYTEST_ARGS:-} "$HERE") >&2
PYTEST_RC=$?
set -e
# counts from the junit xml (tests / failures / errors / skipped)
read -r P_TOTAL P_FAIL P_ERR P_SKIP < <("$VENV/bin/python" - "$RUN_DIR/pytest.xml" <<'PY' 2>/dev/null || echo "0 0 0 0"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = [sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")]
print(*t)
PY
)
P_PASS=$(( P_TOTAL - P_FAIL - P_ERR - P_SKIP ))
P_BAD=$(( P_FAIL + P_ERR ))
TOTAL_PASS=$(( TOTAL_PASS + P_PASS )); TOTAL_FAIL=$(( TOTAL_FAIL + P_BAD )); TOTAL_SKIP=$(( TOTAL_SKIP + P_SKIP ))
RESULTS+=("pytest:  $P_PASS passed, $P_BAD failed, $P_SKIP skipped (exit $PYTEST_RC, $(( $(date +%s) - T0 )) s)")
if [ "$PYTEST_RC" != 0 ] || [ "$P_PASS" -le 0 ] || [ "$P_BAD" -gt 0 ]; then
  FAILED_PHASES+=(pytest)
  [ "$PYTEST_RC" = 0 ] && [ "$P_PASS" -le 0 ] && log "pytest ran no test"
fi
fi

# --- tempest --------------------------------------------------------------------------
if [ "${KSL_SKIP_TEMPEST:-0}" = 1 ]; then
  RESULTS+=("tempest: skipped (KSL_SKIP_TEMPEST=1)")
else
  T0=$(date +%s)
  TEMPEST_DIR="$RUN_DIR/tempest"; mkdir -p "$TEMPEST_DIR"
  WS="$TEMPEST_DIR/ws"
  timeout -k 10 120 "$VENV/bin/tempest" init --workspace-path "$TEMPEST_DIR/workspaces.yaml" "$WS" >"$TEMPEST_DIR/init.log" 2>&1 \
    || { cat "$TEMPEST_DIR/init.log" >&2; die "tempest init failed"; }
  CONF="$WS/etc/tempest.conf"
  # keystone-tempest-plugin's OIDC scenario (TestOidcFederatedAuthentication) when the test IdP
  # runs: keystone gets what devstack would create (an IdP whose remote id is the realm's
  # issuer; group federated_users in domain federated_domain with member on a project).
  FED_ENABLED=false; FED_IDP_ID=keycloak; FED_REALM=""
  if [ -n "$KSL_IDP_ISSUER" ]; then
    FED_ENABLED=true; FED_REALM="$KSL_IDP_ISSUER/realms/master"
    KSL_FED_IDP_ID="$FED_IDP_ID" KSL_FED_REALM="$FED_REALM" PYTHONWARNINGS=ignore \
      timeout -k 10 120 "$VENV/bin/python" - <<'PY' >&2 || die "cannot prepare keystone for the OIDC scenario"
import os
from keystoneauth1 import session
from keystoneauth1.identity import v3
url = os.environ["KSL_URL"] + "/v3"
s = session.Session(auth=v3.Password(auth_url=url, username="admin", password="adminpwd",
    user_domain_id="default", system_scope="all"), timeout=60)
def one(path, key, name, create):
    found = s.get(url + path).json()[key]
    return found[0] if found else s.post(url + "/" + key, json={key[:-1]: create}).json()[key[:-1]]
dom = one("/domains?name=federated_domain", "domains", "federated_domain",
          {"name": "federated_domain"})
grp = one("/groups?name=federated_users&domain_id=" + dom["id"], "groups", "federated_users",
          {"name": "federated_users", "domain_id": dom["id"]})
prj = one("/projects?name=federated_project&domain_id=" + dom["id"], "projects",
          "federated_project", {"name": "federated_project", "domain_id": dom["id"]})
member = s.get(url + "/roles?name=member").json()["roles"][0]
s.put(url + "/projects/%s/groups/%s/roles/%s" % (prj["id"], grp["id"], member["id"]))
s.put(url + "/OS-FEDERATION/identity_providers/" + os.environ["KSL_FED_IDP_ID"], json={
    "identity_provider": {"remote_ids": [os.environ["KSL_FED_REALM"]], "enabled": True}},
    raise_exc=False)
PY
    case "$TEMPEST_REGEX" in
      *keystone_tempest_plugin\\.tests\\.scenario*) ;;
      *) TEMPEST_REGEX="^(${TEMPEST_REGEX#^})|^keystone_tempest_plugin\.tests\.scenario\.test_oidc_federated_authentication\." ;;
    esac
  fi
  cat > "$CONF" <<EOF
[DEFAULT]
log_dir = $WS/logs
log_file = tempest.log
debug = true
use_stderr = false

[auth]
# a fresh project + user per test class, made with these admin credentials
use_dynamic_credentials = true
create_isolated_networks = false
admin_username = admin
admin_password = adminpwd
admin_project_name = admin
admin_domain_name = Default
admin_user_domain_name = Default
admin_project_domain_name = Default
default_credentials_domain_name = Default
# admin calls use a system-scoped token (the seed grants admin on the system)
admin_system = all

[identity]
uri_v3 = $KSL_URL/v3
auth_version = v3
region = RegionOne
catalog_type = identity
v3_endpoint_type = public
admin_role = admin
default_domain_id = default
admin_domain_scope = false
use_system_token = true
# must equal the server's [security_compliance] (see above)
user_lockout_failure_attempts = 2
user_lockout_duration = 5
user_unique_last_password_count = 2
user_minimum_password_age = 0

[identity-feature-enabled]
trust = true
api_extensions = all
access_rules = true
security_compliance = true
domain_specific_drivers = false
immutable_user_source = false
# keystone-tempest-plugin: its API tests need no identity provider (these flags only gate its
# scenarios); its OIDC scenario logs in through the test IdP's Keycloak-shaped realm.
federation = $FED_ENABLED
external_idp = $FED_ENABLED

[fed_scenario]
# what devstack's lib/oidc.sh would configure; run.sh creates the IdP and the group's role
idp_id = $FED_IDP_ID
idp_remote_ids = $FED_REALM
idp_oidc_url = ${KSL_IDP_ISSUER:-http://127.0.0.1:9}
idp_client_id = keystone
idp_client_secret = keystone-secret
idp_username = admin
idp_password = admin-pass
protocol_id = openid
mapping_remote_type = OIDC-preferred_username
mapping_user_name = {0}
mapping_group_name = federated_users
mapping_group_domain_name = federated_domain

[enforce_scope]
keystone = true

[service_available]
cinder = false
neutron = false
glance = false
swift = false
nova = false
horizon = false

[validation]
run_validation = false

[service-clients]
http_timeout = 60
EOF
  log "tempest: $TEMPEST_REGEX (concurrency $TEMPEST_CONCURRENCY, workspace $WS)"
  set +e
  (cd "$WS" && OS_TEST_TIMEOUT=300 PYTHONWARNINGS=ignore timeout -k 30 "$TEMPEST_TIMEOUT" \
     "$VENV/bin/tempest" run --config-file "$CONF" --regex "$TEMPEST_REGEX" --concurrency "$TEMPEST_CONCURRENCY") \
     >"$TEMPEST_DIR/run.log" 2>&1
  TEMPEST_RC=$?
  set -e
  # per-test lines and the totals block
  grep -E '^\{[0-9]+\} |^(Totals|======)| - (Passed|Failed|Skipped|Expected Fail|Unexpected Success):|^Ran: ' \
    "$TEMPEST_DIR/run.log" >&2 || true
  num() { sed -n "s/^ - $1: \([0-9]*\).*/\1/p" "$TEMPEST_DIR/run.log" | tail -n1; }
  T_PASS=$(num Passed); T_FAIL=$(num Failed); T_SKIP=$(num Skipped); T_UXS=$(num "Unexpected Success")
  T_PASS=${T_PASS:-0}; T_FAIL=${T_FAIL:-0}; T_SKIP=${T_SKIP:-0}; T_UXS=${T_UXS:-0}
  if [ "$TEMPEST_RC" != 0 ]; then
    if [ "$TEMPEST_RC" = 124 ] || [ "$TEMPEST_RC" = 137 ]; then log "tempest timed out after $TEMPEST_TIMEOUT s"; fi
    log "tempest failed (exit $TEMPEST_RC); failing tests and tracebacks:"
    (cd "$WS" && timeout -k 10 60 "$VENV/bin/stestr" failing 2>&1 | tail -n 200) >&2 || true
    grep -E 'ERROR|Traceback' "$TEMPEST_DIR/run.log" | head -n 20 >&2 || true
    [ "$T_FAIL" -gt 0 ] || T_FAIL=1
  fi
  T_BAD=$(( T_FAIL + T_UXS ))
  TOTAL_PASS=$(( TOTAL_PASS + T_PASS )); TOTAL_FAIL=$(( TOTAL_FAIL + T_BAD )); TOTAL_SKIP=$(( TOTAL_SKIP + T_SKIP ))
  RESULTS+=("tempest: $T_PASS passed, $T_BAD failed, $T_SKIP skipped (exit $TEMPEST_RC, $(( $(date +%s) - T0 )) s)")
  if [ "$TEMPEST_RC" != 0 ] || [ "$T_PASS" -le 0 ] || [ "$T_BAD" -gt 0 ]; then
    FAILED_PHASES+=(tempest)
    [ "$T_PASS" -le 0 ] && log "tempest passed no test"
    if [ "${KSL_KEEP:-0}" != 1 ] && [ -f "$WS/logs/tempest.log" ]; then
      keep="${TMPDIR:-/tmp}/ksl-tempest-failed-$(date +%s).log"
      cp "$WS/logs/tempest.log" "$keep" && log "tempest debug log (every request/response): $keep"
    fi
  fi
fi

# --- mapping engine: upstream's keystone-manage mapping_engine vs ours, case by case ----
ME_BIN="${KSL_BIN:-$REPO/target/debug/keystone-lite}"
case "$ME_BIN" in /*) ;; *) ME_BIN="$REPO/$ME_BIN" ;; esac
if [ "${KSL_SKIP_MAPPING:-0}" = 1 ]; then
  RESULTS+=("mapping engine: skipped (KSL_SKIP_MAPPING=1)")
elif [ -x "$ME_BIN" ]; then
  T0=$(date +%s)
  set +e
  ME_OUT="$(PYTHONWARNINGS=ignore timeout -k 10 600 "$VENV/bin/python" "$REPO/tests/federation/mapping/oracle.py" "$ME_BIN" 2>"$RUN_DIR/mapping-oracle.stderr")"
  ME_RC=$?
  set -e
  printf '%s\n' "$ME_OUT" >&2
  RESULTS+=("mapping engine: $(printf '%s\n' "$ME_OUT" | tail -n1 | sed 's/^mapping engine oracle: //') (exit $ME_RC, $(( $(date +%s) - T0 )) s)")
  [ "$ME_RC" = 0 ] || FAILED_PHASES+=(mapping-engine)
else
  RESULTS+=("mapping engine: skipped (no binary at $ME_BIN)")
fi

# --- summary ---------------------------------------------------------------------------
echo
echo "==== keystone-lite real-client tests against $KSL_URL ===="
for line in "${RESULTS[@]}"; do echo "  $line"; done
echo "  total time: $(( $(date +%s) - T_START )) s"
if [ "${#FAILED_PHASES[@]}" -gt 0 ]; then
  echo "  FAILED: ${FAILED_PHASES[*]}"
else
  echo "  OK"
fi
echo "clients: $TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped"
[ "${#FAILED_PHASES[@]}" -eq 0 ]
