"""Shared helpers and fixtures for the real-client tests (run by tests/clients/run.sh).

Environment:
  KSL_URL               base URL of the server under test (no /v3), required.
  KSL_EXPECT_DEMO_SEED  "1" when the server was started with seed/demo.yaml: the demo
                        user/project and the compute/image services must already exist.
                        Otherwise (e.g. upstream Keystone as a reference) the session
                        fixture creates the same objects through the admin API first, so
                        every assertion below is identical in both modes.
"""
import os
import shutil
import subprocess
import sys

import pytest
from keystoneauth1 import session as ksa_session
from keystoneauth1.identity import v3

BASE_URL = os.environ.get("KSL_URL", "").rstrip("/")
if BASE_URL.endswith("/v3"):
    BASE_URL = BASE_URL[: -len("/v3")]
AUTH_URL = BASE_URL + "/v3"
EXPECT_DEMO_SEED = os.environ.get("KSL_EXPECT_DEMO_SEED") == "1"
REGION = "RegionOne"
HTTP_TIMEOUT = 60

ADMIN = {"username": "admin", "password": "adminpwd", "project_name": "admin"}
DEMO = {"username": "demo", "password": "demopwd", "project_name": "demo"}

# What seed/demo.yaml declares besides identity (public and internal endpoints each).
SEEDED_SERVICES = {
    "compute": ("nova", "http://127.0.0.1:8774/v2.1"),
    "image": ("glance", "http://127.0.0.1:9292"),
}


def pytest_configure(config):
    if not BASE_URL:
        raise pytest.UsageError("KSL_URL is not set (run tests/clients/run.sh)")


def password_auth(creds, **extra):
    return v3.Password(
        auth_url=AUTH_URL,
        username=creds["username"],
        password=creds["password"],
        user_domain_id="default",
        project_name=creds["project_name"],
        project_domain_id="default",
        **extra,
    )


def new_session(auth):
    return ksa_session.Session(auth=auth, timeout=HTTP_TIMEOUT)


@pytest.fixture(scope="session")
def admin_session():
    return new_session(password_auth(ADMIN))


def _one(sess, path, key, name):
    items = sess.get(AUTH_URL + path).json()[key]
    found = [i for i in items if i.get("name") == name or i.get("type") == name]
    return found[0] if found else None


def _ensure_demo_objects(sess):
    """Create on a reference server what seed/demo.yaml gives keystone-lite."""
    project = _one(sess, "/projects?name=demo&domain_id=default", "projects", "demo")
    if project is None:
        project = sess.post(AUTH_URL + "/projects", json={"project": {
            "name": "demo", "domain_id": "default", "enabled": True}}).json()["project"]
    user = _one(sess, "/users?name=demo&domain_id=default", "users", "demo")
    if user is None:
        user = sess.post(AUTH_URL + "/users", json={"user": {
            "name": "demo", "domain_id": "default", "password": DEMO["password"],
            "enabled": True}}).json()["user"]
    member = _one(sess, "/roles?name=member", "roles", "member")
    assert member is not None, "role member missing on the reference server"
    sess.put(AUTH_URL + "/projects/%s/users/%s/roles/%s" % (project["id"], user["id"], member["id"]))
    for stype, (sname, url) in SEEDED_SERVICES.items():
        svc = _one(sess, "/services?type=%s" % stype, "services", stype)
        if svc is None:
            svc = sess.post(AUTH_URL + "/services", json={"service": {
                "type": stype, "name": sname, "enabled": True}}).json()["service"]
        eps = sess.get(AUTH_URL + "/endpoints?service_id=%s" % svc["id"]).json()["endpoints"]
        have = {e["interface"] for e in eps}
        for iface in ("public", "internal"):
            if iface not in have:
                sess.post(AUTH_URL + "/endpoints", json={"endpoint": {
                    "service_id": svc["id"], "interface": iface, "url": url,
                    "region_id": REGION, "enabled": True}})


@pytest.fixture(scope="session")
def seed(admin_session):
    """Ids of the seeded objects; fails if the demo seed is expected but absent."""
    if not EXPECT_DEMO_SEED:
        _ensure_demo_objects(admin_session)
    s = admin_session
    projects = {p["name"]: p for p in s.get(AUTH_URL + "/projects").json()["projects"]}
    users = {u["name"]: u for u in s.get(AUTH_URL + "/users").json()["users"]}
    for name in ("admin", "demo"):
        assert name in projects, "project %r missing (have %s)" % (name, sorted(projects))
        assert name in users, "user %r missing (have %s)" % (name, sorted(users))
    return {
        "admin_project_id": projects["admin"]["id"],
        "demo_project_id": projects["demo"]["id"],
        "admin_user_id": users["admin"]["id"],
        "demo_user_id": users["demo"]["id"],
    }


def openstack_bin():
    exe = os.path.join(os.path.dirname(sys.executable), "openstack")
    if os.path.exists(exe):
        return exe
    found = shutil.which("openstack")
    assert found, "openstack CLI not installed"
    return found


def os_env(creds):
    """A clean environment with only the OS_* variables for this test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({
        "OS_AUTH_URL": AUTH_URL,
        "OS_IDENTITY_API_VERSION": "3",
        "OS_AUTH_TYPE": "password",
        "OS_USERNAME": creds["username"],
        "OS_PASSWORD": creds["password"],
        "OS_PROJECT_NAME": creds["project_name"],
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_REGION_NAME": REGION,
        "OS_INTERFACE": "public",
        "PYTHONWARNINGS": "ignore",
    })
    return env


def run_openstack(args, creds=ADMIN, timeout=120):
    return subprocess.run(
        [openstack_bin(), *args], env=os_env(creds), capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL)
