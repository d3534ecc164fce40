"""python-openstackclient (the `openstack` CLI) against the server under test."""
import json
import re

from ksl_common import ADMIN, AUTH_URL, DEMO, REGION, SEEDED_SERVICES, run_openstack


def osc_json(args, creds=ADMIN):
    proc = run_openstack([*args, "-f", "json"], creds=creds)
    assert proc.returncode == 0, "openstack %s failed (%d):\n%s\n%s" % (
        " ".join(args), proc.returncode, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def test_token_issue_admin(seed):
    tok = osc_json(["token", "issue"])
    assert set(tok) >= {"id", "expires", "project_id", "user_id"}, tok
    assert len(tok["id"]) > 20
    assert tok["id"].startswith("gAAAAA"), "not a Fernet token: %r" % tok["id"][:12]
    assert tok["project_id"] == seed["admin_project_id"]
    assert tok["user_id"] == seed["admin_user_id"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", tok["expires"]), tok["expires"]


def test_token_issue_demo(seed):
    tok = osc_json(["token", "issue"], creds=DEMO)
    assert tok["project_id"] == seed["demo_project_id"]
    assert tok["user_id"] == seed["demo_user_id"]
    assert tok["user_id"] != seed["admin_user_id"]


def test_catalog_list(seed):
    catalog = osc_json(["catalog", "list"])
    by_type = {entry["Type"]: entry for entry in catalog}
    expected = {"identity": ("keystone", AUTH_URL)}
    expected.update(SEEDED_SERVICES)
    for stype, (name, url) in expected.items():
        assert stype in by_type, "service %s missing from catalog: %s" % (stype, sorted(by_type))
        entry = by_type[stype]
        assert entry["Name"] == name
        endpoints = entry["Endpoints"]
        assert isinstance(endpoints, list) and endpoints, entry
        ifaces = {}
        for ep in endpoints:
            assert ep["region_id"] == REGION and ep["region"] == REGION, ep
            assert isinstance(ep["id"], str) and ep["id"], ep
            ifaces[ep["interface"]] = ep["url"]
        assert ifaces.get("public") == url, (stype, ifaces)
        assert ifaces.get("internal") == url, (stype, ifaces)


def test_project_list(seed):
    projects = osc_json(["project", "list"])
    names = {p["Name"]: p["ID"] for p in projects}
    assert names.get("admin") == seed["admin_project_id"], names
    assert names.get("demo") == seed["demo_project_id"], names


def test_user_show_admin(seed):
    user = osc_json(["user", "show", "admin"])
    assert user["name"] == "admin"
    assert user["domain_id"] == "default"
    assert user["id"] == seed["admin_user_id"]
    assert user["enabled"] is True


def test_wrong_password_is_401(seed):
    creds = dict(ADMIN, password="not-the-password")
    proc = run_openstack(["token", "issue", "-f", "json"], creds=creds)
    assert proc.returncode != 0
    assert proc.stdout.strip() == ""
    assert "HTTP 401" in proc.stderr, proc.stderr
    assert "requires authentication" in proc.stderr, proc.stderr
