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
