"""openstacksdk against the server under test."""
import openstack

from ksl_common import ADMIN, AUTH_URL, DEMO, HTTP_TIMEOUT, REGION


def connect(creds):
    return openstack.connect(
        auth_type="password",
        auth={
            "auth_url": AUTH_URL,
            "username": creds["username"],
            "password": creds["password"],
            "project_name": creds["project_name"],
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        region_name=REGION,
        identity_api_version="3",
        interface="public",
        api_timeout=HTTP_TIMEOUT,
        load_yaml_config=False,
        load_envvars=False,
    )


def test_list_projects(seed):
    conn = connect(ADMIN)
    try:
        projects = {p.name: p for p in conn.identity.projects()}
        assert projects["admin"].id == seed["admin_project_id"]
        assert projects["demo"].id == seed["demo_project_id"]
        assert projects["demo"].domain_id == "default"
        assert projects["demo"].is_enabled is True
    finally:
        conn.close()


def test_current_user_admin(seed):
    conn = connect(ADMIN)
    try:
        assert conn.current_user_id == seed["admin_user_id"]
        assert conn.current_project_id == seed["admin_project_id"]
        user = conn.identity.get_user(conn.current_user_id)
        assert user.name == "admin"
        assert user.domain_id == "default"
    finally:
        conn.close()


def test_current_user_demo(seed):
    conn = connect(DEMO)
    try:
        assert conn.current_user_id == seed["demo_user_id"]
        assert conn.current_project_id == seed["demo_project_id"]
        # the token's own data: GET /v3/auth/tokens with the subject token
        token = conn.session.get_token()
        data = conn.session.get(
            AUTH_URL + "/auth/tokens",
            headers={"X-Subject-Token": token}).json()["token"]
        assert data["user"]["name"] == "demo"
        assert data["project"]["name"] == "demo"
        assert {r["name"] for r in data["roles"]} >= {"member", "reader"}
        assert "admin" not in {r["name"] for r in data["roles"]}
    finally:
        conn.close()
