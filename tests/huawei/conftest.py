"""pytest glue for the Huawei SDK tests: one keystone-lite per test session on seed/huawei.yaml
(fresh data dir, free loopback port), and SDK clients signed every way the SDK signs."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkiam.v3 import IamClient
from huaweicloudsdkiam.v3.iam_credentials import IamCredentials

REPO = os.environ.get("KSL_REPO", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("KSL_BIN", os.path.join(REPO, "target", "debug", "keystone-lite"))
SEED = os.path.join(REPO, "seed", "huawei.yaml")

# seed/huawei.yaml's fixed objects.
DOMAIN_ID = "0970dd7a1300f5672ff2c003c60ae115"
DOMAIN_NAME = "hwaccount"
REGION = "cn-north-4"
REGION_PROJECT_ID = "06f6a1ff1a00d3fc2f1dc003d7f4b3d1"
ADMIN = ("hwaccount", "Admin@12345")
USER = ("hwuser", "User@12345")
# The cloud operator (Default domain, system-scoped admin): Keystone's cloud-wide objects only.
CLOUD_ADMIN = ("admin", "Cloud@12345")
# The seed's demo keys (public in seed/huawei.yaml).
ADMIN_AK, ADMIN_SK = "HWADMINDEMOACCESSKEY", "DemoSecretKeyForHwaccountAdminNotForUse1"
DEMO_AK, DEMO_SK = "HWUSERDEMOACCESSKEY1", "DemoSecretKeyForHwuserOnlyNotForUse00001"

# Every credential kind the SDK authenticates with, as the account administrator: X-Auth-Token;
# GlobalCredentials (X-Domain-Id) with the domain given or looked up by the SDK
# (GET /v3/auth/domains); BasicCredentials (X-Project-Id) with the region project given or
# looked up (GET /v3/projects?name=cn-north-4); a temporary key with its X-Security-Token.
KINDS = ["token", "global", "global-bootstrap", "basic", "basic-bootstrap", "temporary"]
# Project-scoped callers (as a project-scoped Keystone token is).
PROJECT_KINDS = {"basic", "basic-bootstrap"}

# Every SK, security token, MFA seed and password a test used: none may reach the server log
# (checked by test_zz_no_secret_leak.py at the end of the session).
SECRETS = {ADMIN[1], USER[1], CLOUD_ADMIN[1], ADMIN_SK, DEMO_SK}


def remember(*secrets):
    """Adds secrets a test used to the set the end-of-session log check looks for. Strings under
    8 characters (refused weak passwords such as "abc") would match inside any id."""
    SECRETS.update(s for s in secrets if s and len(s) >= 8)


class Server:
    """A running keystone-lite: its base URL and data dir."""

    def __init__(self, url, data_dir, proc):
        self.url = url
        self.data_dir = data_dir
        self.proc = proc

    def request(self, method, path, body=None, headers=None):
        """(status, headers, parsed JSON body or None) of one plain HTTP call."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, dict(resp.headers), (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            return e.code, dict(e.headers), parsed

    def token(self, user=ADMIN, scope=None):
        """A Keystone token of a seed user in the account (domain-scoped by default)."""
        name, password = user
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": name, "password": password, "domain": {"name": DOMAIN_NAME}}}},
            "scope": scope or {"domain": {"id": DOMAIN_ID}},
        }}
        status, headers, _ = self.request("POST", "/v3/auth/tokens", body)
        assert status == 201, status
        return headers["X-Subject-Token"]

    def system_token(self):
        """The cloud operator's system-scoped token (identity providers, mappings, protocols)."""
        name, password = CLOUD_ADMIN
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": name, "password": password, "domain": {"id": "default"}}}},
            "scope": {"system": {"all": True}}}}
        status, headers, _ = self.request("POST", "/v3/auth/tokens", body)
        assert status == 201, status
        return headers["X-Subject-Token"]

    def temporary_key(self, token):
        """A temporary key (access, secret, security token) made with `token`."""
        status, _, body = self.request(
            "POST", "/v3.0/OS-CREDENTIAL/securitytokens",
            {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}},
            headers={"X-Auth-Token": token})
        assert status == 201, body
        cred = body["credential"]
        remember(cred["secret"], cred["securitytoken"])
        return cred["access"], cred["secret"], cred["securitytoken"]

    def log_text(self):
        with open(os.path.join(self.data_dir, "server.log"), encoding="utf-8",
                  errors="replace") as f:
            return f.read()

    def user_id(self, name):
        status, _, body = self.request(
            "GET", f"/v3/users?name={name}&domain_id={DOMAIN_ID}",
            headers={"X-Auth-Token": self.token()})
        assert status == 200 and len(body["users"]) == 1, (status, body)
        return body["users"][0]["id"]


def _start_server():
    data_dir = tempfile.mkdtemp(prefix="ksl-huawei.")
    log = open(os.path.join(data_dir, "server.log"), "wb")
    proc = subprocess.Popen(
        [BIN, "--seed", SEED, "--data-dir", os.path.join(data_dir, "data"),
         "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=log, start_new_session=True)
    url = proc.stdout.readline().decode().strip()
    assert url.startswith("http"), f"server printed {url!r}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/v3", timeout=2).read()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    return Server(url, data_dir, proc)


@pytest.fixture(scope="session")
def server():
    srv = _start_server()
    yield srv
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
    if os.environ.get("KSL_HW_KEEP"):
        print(f"\nkept the server's data dir and log: {srv.data_dir}")
    else:
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def _config():
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    config.retry_times = 0
    return config


def global_client(server, ak, sk, domain_id=DOMAIN_ID, security_token=None):
    """An IamClient signing with GlobalCredentials (X-Domain-Id); domain_id=None makes the SDK
    look the domain up itself (GET /v3/auth/domains, signed)."""
    creds = GlobalCredentials(ak, sk, domain_id) if domain_id else GlobalCredentials(ak, sk)
    if security_token:
        creds = creds.with_security_token(security_token)
    if domain_id is None:
        creds = creds.with_iam_endpoint(server.url)
    return (IamClient.new_builder().with_http_config(_config()).with_credentials(creds)
            .with_endpoints([server.url]).build())


def basic_client(server, ak, sk, project_id=REGION_PROJECT_ID, security_token=None):
    """An IamClient signing with BasicCredentials (X-Project-Id); project_id=None makes the SDK
    look the region project up itself (GET /v3/projects?name=cn-north-4, signed)."""
    from huaweicloudsdkcore.region.region import Region
    creds = BasicCredentials(ak, sk, project_id) if project_id else BasicCredentials(ak, sk)
    if security_token:
        creds = creds.with_security_token(security_token)
    builder = IamClient.new_builder().with_http_config(_config()).with_credentials(creds)
    if project_id is None:
        creds.with_iam_endpoint(server.url)
        return builder.with_region(Region(REGION, server.url)).build()
    return builder.with_endpoints([server.url]).build()


def token_client(server, token):
    """An IamClient sending X-Auth-Token, unsigned."""
    creds = IamCredentials().with_x_auth_token(token)
    return (IamClient.new_builder().with_http_config(_config()).with_credentials(creds)
            .with_endpoints([server.url]).build())


def forget_bootstrap(ak):
    """Drops the SDK's process-wide cache of looked-up domain and project ids for `ak`, so
    each bootstrap client really makes its look-up."""
    cache = GlobalCredentials._CACHE
    for key in [k for k in cache if isinstance(k, str) and k.startswith(ak)]:
        cache.pop(key, None)


def client_of_kind(server, kind, ak, sk, token):
    """An IamClient for one of KINDS, authenticating as the owner of (ak, sk) and `token`."""
    if kind == "token":
        return token_client(server, token)
    if kind in ("global-bootstrap", "basic-bootstrap"):
        forget_bootstrap(ak)
    if kind == "global":
        return global_client(server, ak, sk)
    if kind == "global-bootstrap":
        return global_client(server, ak, sk, domain_id=None)
    if kind == "basic":
        return basic_client(server, ak, sk)
    if kind == "basic-bootstrap":
        return basic_client(server, ak, sk, project_id=None)
    assert kind == "temporary", kind
    access, secret, security_token = server.temporary_key(token)
    return global_client(server, access, secret, security_token=security_token)


@pytest.fixture(params=KINDS)
def admin_iam(request, server):
    """The account administrator hwaccount's IamClient, once per credential kind; `.kind`
    names the kind (tests assert upstream's refusals where a kind is refused on purpose)."""
    client = client_of_kind(server, request.param, ADMIN_AK, ADMIN_SK, server.token())
    client.kind = request.param
    return client


def pytest_collection_modifyitems(items):
    """The log check runs last, whatever -k selected, so it sees every test's secrets."""
    items.sort(key=lambda item: item.fspath.basename == "test_zz_no_secret_leak.py")
