"""keystoneauth1 plugins and sessions against the server under test."""
import pytest
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1.identity import v3

from ksl_common import (ADMIN, AUTH_URL, DEMO, REGION, SEEDED_SERVICES, new_session,
                        password_auth)


def test_password_session_token_and_endpoints(seed):
    sess = new_session(password_auth(ADMIN))
    token = sess.get_token()
    assert isinstance(token, str) and len(token) > 20
    assert sess.get_user_id() == seed["admin_user_id"]
    assert sess.get_project_id() == seed["admin_project_id"]
    for stype, (_name, url) in SEEDED_SERVICES.items():
        got = sess.get_endpoint(service_type=stype, interface="public", region_name=REGION)
        assert got == url, (stype, got)
        got = sess.get_endpoint(service_type=stype, interface="internal", region_name=REGION)
        assert got == url, (stype, got)
    # identity: keystoneauth runs version discovery on the catalog URL and
    # returns the v3 endpoint
    ident = sess.get_endpoint(service_type="identity", interface="public")
    assert ident.rstrip("/") == AUTH_URL, ident
    with pytest.raises(ksa_exc.EndpointNotFound):
        sess.get_endpoint(service_type="no-such-service", interface="public")


def test_auth_ref_roles_include_implied(seed):
    auth = password_auth(ADMIN)
    sess = new_session(auth)
    ref = auth.get_access(sess)
    assert ref.project_scoped and not ref.domain_scoped
    assert ref.project_id == seed["admin_project_id"]
    assert ref.project_name == "admin"
    assert ref.user_id == seed["admin_user_id"]
    assert ref.username == "admin"
    assert ref.user_domain_id == "default"
    assert ref.project_domain_id == "default"
    roles = set(ref.role_names)
    # admin is assigned; manager, member and reader are implied roles
    assert {"admin", "member", "reader"} <= roles, roles
    assert len(ref.role_ids) == len(ref.role_names)
    assert ref.expires is not None and ref.issued is not None
    assert ref.expires > ref.issued
    assert ref.auth_token == sess.get_token()
    assert ref._data["token"]["methods"] == ["password"]


def test_demo_roles(seed):
    auth = password_auth(DEMO)
    ref = auth.get_access(new_session(auth))
    roles = set(ref.role_names)
    assert {"member", "reader"} <= roles, roles
    assert "admin" not in roles
    assert ref.project_id == seed["demo_project_id"]


def test_token_plugin_rescope(seed):
    # unscoped password token, then v3.Token re-scoping to each project
    unscoped = v3.Password(auth_url=AUTH_URL, username="admin", password="adminpwd",
                           user_domain_id="default", unscoped=True)
    sess = new_session(unscoped)
    ref = unscoped.get_access(sess)
    assert not ref.scoped
    assert ref.user_id == seed["admin_user_id"]
    tok = ref.auth_token

    rescoped = v3.Token(auth_url=AUTH_URL, token=tok, project_name="admin",
                        project_domain_id="default")
    rsess = new_session(rescoped)
    rref = rescoped.get_access(rsess)
    assert rref.project_scoped
    assert rref.project_id == seed["admin_project_id"]
    assert rref.user_id == seed["admin_user_id"]
    assert rref.auth_token != tok
    # upstream keeps the methods of the original token and adds "token" (in either
    # order: keystone builds the list from a set)
    assert sorted(rref._data["token"]["methods"]) == ["password", "token"]
    assert {"admin", "member", "reader"} <= set(rref.role_names)
    assert rsess.get_endpoint(service_type="compute", interface="public") == \
        SEEDED_SERVICES["compute"][1]

    # re-scope a project-scoped token of demo to the same project by id
    demo_auth = password_auth(DEMO)
    demo_tok = demo_auth.get_access(new_session(demo_auth)).auth_token
    again = v3.Token(auth_url=AUTH_URL, token=demo_tok, project_id=seed["demo_project_id"])
    aref = again.get_access(new_session(again))
    assert aref.project_id == seed["demo_project_id"]
    assert aref.user_id == seed["demo_user_id"]

    # demo has no role on project admin: re-scoping there is refused
    bad = v3.Token(auth_url=AUTH_URL, token=demo_tok, project_id=seed["admin_project_id"])
    with pytest.raises(ksa_exc.Unauthorized):
        bad.get_access(new_session(bad))


def test_wrong_password_unauthorized(seed):
    auth = v3.Password(auth_url=AUTH_URL, username="demo", password="wrong",
                       user_domain_id="default", project_name="demo",
                       project_domain_id="default")
    with pytest.raises(ksa_exc.Unauthorized) as err:
        new_session(auth).get_token()
    assert err.value.http_status == 401
