"""The openstack CLI's admin commands against the server under test: create, list, show, set
and delete for domains, projects, users, groups, roles, regions, services and endpoints;
`role add --user U --project P R`; `role assignment list --effective --names`. Every check reads
real values back from `-f json` output."""
import uuid

import pytest

from ksl_common import run_openstack
from test_cli import osc_json


def osc(args):
    proc = run_openstack(args)
    assert proc.returncode == 0, "openstack %s failed (%d):\n%s\n%s" % (
        " ".join(args), proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def suffix():
    return uuid.uuid4().hex[:8]


def assert_gone(kind, ident):
    proc = run_openstack([kind, "show", ident, "-f", "json"])
    assert proc.returncode != 0, proc.stdout
    assert "No " in proc.stderr or "404" in proc.stderr or "Could not find" in proc.stderr, \
        proc.stderr


def test_domain_crud():
    name = "cli-dom-" + suffix()
    d = osc_json(["domain", "create", "--description", "made by the CLI", name])
    assert d["name"] == name and d["description"] == "made by the CLI" and d["enabled"] is True
    listed = {x["Name"]: x for x in osc_json(["domain", "list"])}
    assert listed[name]["ID"] == d["id"] and listed[name]["Enabled"] is True
    assert osc_json(["domain", "show", d["id"]])["name"] == name
    osc(["domain", "set", "--description", "changed", "--disable", d["id"]])
    shown = osc_json(["domain", "show", name])
    assert shown["description"] == "changed" and shown["enabled"] is False
    osc(["domain", "delete", d["id"]])
    assert name not in {x["Name"] for x in osc_json(["domain", "list"])}


def test_project_crud_with_parent_and_tags(seed):
    name = "cli-proj-" + suffix()
    p = osc_json(["project", "create", "--domain", "default", "--description", "top",
                  "--tag", "blue", "--tag", "red", name])
    assert p["name"] == name and p["domain_id"] == "default" and p["parent_id"] == "default"
    assert sorted(p["tags"]) == ["blue", "red"] and p["enabled"] is True
    child = osc_json(["project", "create", "--domain", "default", "--parent", p["id"],
                      name + "-child"])
    assert child["parent_id"] == p["id"]
    listed = {x["Name"]: x["ID"] for x in osc_json(["project", "list", "--domain", "default"])}
    assert listed[name] == p["id"] and listed[name + "-child"] == child["id"]
    assert seed["admin_project_id"] in listed.values()
    tagged = {x["Name"] for x in osc_json(["project", "list", "--tags", "red"])}
    assert name in tagged and name + "-child" not in tagged
    # As upstream: a project whose subtree has enabled projects cannot be disabled.
    proc = run_openstack(["project", "set", "--disable", p["id"]])
    assert proc.returncode != 0 and "subtree contains enabled projects" in proc.stderr, \
        proc.stderr
    osc(["project", "delete", child["id"]])
    osc(["project", "set", "--description", "renamed", "--name", name + "-x", "--disable",
         p["id"]])
    shown = osc_json(["project", "show", p["id"]])
    assert shown["name"] == name + "-x" and shown["description"] == "renamed"
    assert shown["enabled"] is False
    osc(["project", "delete", p["id"]])
    assert_gone("project", p["id"])


def test_user_crud_and_login():
    name = "cli-user-" + suffix()
    u = osc_json(["user", "create", "--domain", "default", "--password", "s3cret-pw",
                  "--email", "cli@example.org", "--description", "from the CLI", name])
    assert u["name"] == name and u["domain_id"] == "default" and u["enabled"] is True
    assert u["email"] == "cli@example.org" and "password" not in u
    listed = {x["Name"]: x["ID"] for x in osc_json(["user", "list", "--domain", "default"])}
    assert listed[name] == u["id"]
    assert osc_json(["user", "show", u["id"]])["email"] == "cli@example.org"
    osc(["user", "set", "--email", "new@example.org", "--disable", u["id"]])
    shown = osc_json(["user", "show", name, "--domain", "default"])
    assert shown["email"] == "new@example.org" and shown["enabled"] is False
    osc(["user", "delete", u["id"]])
    assert_gone("user", u["id"])


def test_group_crud_and_membership(seed):
    name = "cli-group-" + suffix()
    g = osc_json(["group", "create", "--domain", "default", "--description", "crew", name])
    assert g["name"] == name and g["domain_id"] == "default" and g["description"] == "crew"
    listed = {x["Name"]: x["ID"] for x in osc_json(["group", "list", "--domain", "default"])}
    assert listed[name] == g["id"]
    osc(["group", "add", "user", g["id"], seed["demo_user_id"]])
    members = {x["Name"] for x in osc_json(["user", "list", "--group", g["id"]])}
    assert members == {"demo"}
    osc(["group", "set", "--description", "new crew", g["id"]])
    assert osc_json(["group", "show", g["id"]])["description"] == "new crew"
    osc(["group", "remove", "user", g["id"], seed["demo_user_id"]])
    assert osc_json(["user", "list", "--group", g["id"]]) == []
    osc(["group", "delete", g["id"]])
    assert_gone("group", g["id"])


def test_role_crud():
    name = "cli-role-" + suffix()
    r = osc_json(["role", "create", "--description", "cli role", name])
    assert r["name"] == name and r["domain_id"] is None and r["description"] == "cli role"
    listed = {x["Name"]: x["ID"] for x in osc_json(["role", "list"])}
    assert listed[name] == r["id"]
    assert {"admin", "member", "reader"} <= set(listed)
    osc(["role", "set", "--description", "changed", r["id"]])
    assert osc_json(["role", "show", r["id"]])["description"] == "changed"
    osc(["role", "delete", r["id"]])
    assert name not in {x["Name"] for x in osc_json(["role", "list"])}


def test_region_crud():
    rid = "cli-region-" + suffix()
    r = osc_json(["region", "create", "--description", "top", rid])
    assert r["region"] == rid and r["description"] == "top"
    sub = osc_json(["region", "create", "--parent-region", rid, rid + "-sub"])
    assert sub["parent_region"] == rid
    listed = {x["Region"]: x for x in osc_json(["region", "list"])}
    assert listed[rid + "-sub"]["Parent Region"] == rid and "RegionOne" in listed
    osc(["region", "set", "--description", "changed", rid])
    assert osc_json(["region", "show", rid])["description"] == "changed"
    osc(["region", "delete", rid + "-sub"])
    osc(["region", "delete", rid])
    assert rid not in {x["Region"] for x in osc_json(["region", "list"])}


def test_service_and_endpoint_crud():
    stype = "cli-svc-" + suffix()
    s = osc_json(["service", "create", "--name", stype + "-name", "--description", "svc",
                  stype])
    assert s["type"] == stype and s["name"] == stype + "-name" and s["enabled"] is True
    listed = {x["Type"]: x for x in osc_json(["service", "list"])}
    assert listed[stype]["ID"] == s["id"] and listed[stype]["Name"] == stype + "-name"
    assert "identity" in listed
    osc(["service", "set", "--description", "changed", s["id"]])
    assert osc_json(["service", "show", s["id"]])["description"] == "changed"

    e = osc_json(["endpoint", "create", "--region", "RegionOne", s["id"], "public",
                  "http://cli.example:1234/v1"])
    assert e["service_id"] == s["id"] and e["interface"] == "public"
    assert e["url"] == "http://cli.example:1234/v1" and e["region"] == "RegionOne"
    assert e["enabled"] is True
    eps = osc_json(["endpoint", "list", "--service", s["id"]])
    assert [x["ID"] for x in eps] == [e["id"]]
    assert eps[0]["Interface"] == "public" and eps[0]["Service Type"] == stype
    assert osc_json(["endpoint", "list", "--service", s["id"], "--interface", "admin"]) == []
    osc(["endpoint", "set", "--url", "http://cli.example:1234/v2", "--interface", "internal",
         e["id"]])
    shown = osc_json(["endpoint", "show", e["id"]])
    assert shown["url"] == "http://cli.example:1234/v2" and shown["interface"] == "internal"
    osc(["endpoint", "delete", e["id"]])
    assert osc_json(["endpoint", "list", "--service", s["id"]]) == []
    osc(["service", "delete", s["id"]])
    assert stype not in {x["Type"] for x in osc_json(["service", "list"])}


def test_role_add_and_effective_assignment_names(seed):
    tag = suffix()
    project = osc_json(["project", "create", "--domain", "default", "cli-ra-" + tag])
    user = osc_json(["user", "create", "--domain", "default", "--password", "pw-" + tag,
                     "cli-ra-user-" + tag])
    osc(["role", "add", "--user", user["id"], "--project", project["id"], "member"])
    rows = osc_json(["role", "assignment", "list", "--effective", "--names",
                     "--user", user["id"]])
    got = sorted((r["Role"], r["User"], r["Project"]) for r in rows)
    # member implies reader: the effective list shows both, by name with the domain.
    want = sorted((role, "cli-ra-user-%s@Default" % tag, "cli-ra-%s@Default" % tag)
                  for role in ("member", "reader"))
    assert got == want, rows
    assert all(r["Group"] == "" and r["Domain"] == "" and r["System"] == "" for r in rows)
    assert all(r["Inherited"] is False for r in rows)
    # By project, the demo seed's own assignment shows as well.
    rows = osc_json(["role", "assignment", "list", "--effective", "--names",
                     "--project", "demo", "--project-domain", "default"])
    assert ("member", "demo@Default") in {(r["Role"], r["User"]) for r in rows}
    osc(["role", "remove", "--user", user["id"], "--project", project["id"], "member"])
    assert osc_json(["role", "assignment", "list", "--effective", "--user", user["id"]]) == []
    osc(["user", "delete", user["id"]])
    osc(["project", "delete", project["id"]])
