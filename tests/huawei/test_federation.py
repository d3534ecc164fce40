"""The federation group through the real SDK against a real OpenID provider
(tests/federation/idp, node): identity providers, mappings and protocols are the cloud
operator's (Keystone's policy: its system-scoped token), the provider's OpenID Connect
configuration and SAML metadata its account administrator's (every credential kind), and
ID tokens from the provider log in with CreateTokenWithIdToken and
CreateUnscopedTokenWithIdToken. Without node the tests are skipped, saying why."""
import base64
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    CreateMetadataRequest, CreateMetadataRequestBody, CreateOpenIdConnectConfig,
    CreateOpenIdConnectConfigRequest, CreateOpenIdConnectConfigRequestBody,
    CreateTokenWithIdTokenRequest, CreateUnscopedTokenWithIdTokenRequest, GetIdTokenAuthParams,
    GetIdTokenIdScopeBody, GetIdTokenIdTokenBody, GetIdTokenRequestBody,
    GetIdTokenScopeDomainOrProjectBody, KeystoneCreateMappingRequest,
    KeystoneCreateMappingRequestBody, KeystoneCreateProtocolRequest,
    KeystoneCreateProtocolRequestBody, KeystoneDeleteIdentityProviderRequest,
    KeystoneDeleteMappingRequest, KeystoneListIdentityProvidersRequest,
    KeystoneListMappingsRequest, KeystoneListProtocolsRequest, KeystoneShowIdentityProviderRequest,
    KeystoneShowMappingRequest, KeystoneShowProtocolRequest, MappingOption, MappingRules,
    ProtocolOption, RulesRemote, ShowMetadataRequest, ShowOpenIdConnectConfigRequest,
    UpdateOpenIdConnectConfig, UpdateOpenIdConnectConfigRequest,
    UpdateOpenIdConnectConfigRequestBody)

from conftest import DOMAIN_ID, REGION, REGION_PROJECT_ID, REPO, token_client

START = os.path.join(REPO, "tests", "federation", "idp", "start.sh")
SAML_XML = ('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'entityID="https://idp.example.org/saml"/>')


def _get_json(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="session")
def issuer():
    """The test OpenID provider's issuer URL, for the session."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node/npm not installed: tests/federation/idp/start.sh cannot run the "
                    "OpenID provider the ID-token logins need")
    proc = subprocess.Popen(["bash", START], stdout=subprocess.PIPE, start_new_session=True)
    line = proc.stdout.readline().decode().strip()
    if not line.startswith("ISSUER "):
        proc.kill()
        pytest.fail(f"the test OpenID provider did not start: {line!r}")
    # It keeps printing: drained so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    yield line.split(" ", 1)[1]
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


def id_token(issuer, user="bob", password="bob-pass"):
    """An ID token by the password grant (client keystone/keystone-secret, scope openid)."""
    form = urllib.parse.urlencode({"grant_type": "password", "username": user,
                                   "password": password, "scope": "openid"}).encode()
    req = urllib.request.Request(issuer + "/token", data=form, method="POST")
    req.add_header("Authorization", "Basic " + base64.b64encode(b"keystone:keystone-secret").decode())
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["id_token"]


@pytest.fixture
def provider(server, issuer):
    """An identity provider of the account (unique id), its `oidc` protocol mapping `sub` to a
    user in a group with readonly on cn-north-4, and a `saml` protocol; removed afterwards.
    Returns (idp id, the cloud operator's client)."""
    cloud = token_client(server, server.system_token())
    system = {"X-Auth-Token": server.system_token()}
    admin = {"X-Auth-Token": server.token()}
    idp, mapping = "hw" + uuid.uuid4().hex[:10], "map" + uuid.uuid4().hex[:10]
    # The SDK's IdentityproviderOption has no remote_ids or domain_id: created over HTTP.
    status, _, body = server.request(
        "PUT", f"/v3/OS-FEDERATION/identity_providers/{idp}",
        {"identity_provider": {"remote_ids": [issuer], "enabled": True, "domain_id": DOMAIN_ID}},
        headers=system)
    assert status == 201, body
    status, _, body = server.request(
        "POST", "/v3/groups", {"group": {"name": "fed-" + idp, "domain_id": DOMAIN_ID}}, headers=admin)
    assert status == 201, body
    group = body["group"]["id"]
    _, _, roles = server.request("GET", "/v3/roles?name=readonly", headers=admin)
    status, _, _ = server.request(
        "PUT", f"/v3/projects/{REGION_PROJECT_ID}/groups/{group}/roles/{roles['roles'][0]['id']}",
        headers=admin)
    assert status == 204
    # RulesLocalGroup has a name only; upstream wants a group's id (or name and domain).
    rules = [MappingRules(local=[{"user": {"name": "{0}"}}, {"group": {"id": group}}],
                          remote=[RulesRemote(type="OIDC-sub")])]
    cloud.keystone_create_mapping(KeystoneCreateMappingRequest(
        id=mapping, body=KeystoneCreateMappingRequestBody(mapping=MappingOption(rules=rules))))
    for protocol in ("oidc", "saml"):
        cloud.keystone_create_protocol(KeystoneCreateProtocolRequest(
            idp_id=idp, protocol_id=protocol,
            body=KeystoneCreateProtocolRequestBody(protocol=ProtocolOption(mapping_id=mapping))))
    yield idp, cloud
    cloud.keystone_delete_identity_provider(KeystoneDeleteIdentityProviderRequest(id=idp))
    cloud.keystone_delete_mapping(KeystoneDeleteMappingRequest(id=mapping))
    server.request("DELETE", f"/v3/groups/{group}", headers=admin)
    # These deletions record revocation events, and revocation compares whole seconds as
    # upstream's does: a federated token issued in the same second to the same shadow user
    # (its id comes from the ID token's `sub`, the same for every provider here) would be
    # born revoked. The next test starts in the next second.
    time.sleep(1.0 - time.time() % 1.0 + 0.01)


def test_keystone_federation_objects_are_the_cloud_operators(provider, admin_iam):
    idp, cloud = provider
    shown = cloud.keystone_show_identity_provider(KeystoneShowIdentityProviderRequest(id=idp))
    assert shown.identity_provider.id == idp and shown.identity_provider.enabled
    listed = cloud.keystone_list_identity_providers(KeystoneListIdentityProvidersRequest())
    assert idp in [p.id for p in listed.identity_providers]
    protocols = cloud.keystone_list_protocols(KeystoneListProtocolsRequest(idp_id=idp)).protocols
    assert {p.id for p in protocols} == {"oidc", "saml"}
    oidc = cloud.keystone_show_protocol(KeystoneShowProtocolRequest(idp_id=idp, protocol_id="oidc"))
    mapping = cloud.keystone_show_mapping(KeystoneShowMappingRequest(id=oidc.protocol.mapping_id))
    assert mapping.mapping.rules[0].remote[0].type == "OIDC-sub"
    assert mapping.mapping.id in [m.id for m in cloud.keystone_list_mappings(
        KeystoneListMappingsRequest()).mappings]
    # Keystone's policy keeps mappings to the cloud: the account administrator is refused
    # with every credential kind.
    with pytest.raises(ClientRequestException) as e:
        admin_iam.keystone_list_mappings(KeystoneListMappingsRequest())
    assert (e.value.status_code, str(e.value.error_code)) == (403, "403")


def test_openid_connect_config_and_id_token_logins(server, issuer, provider, admin_iam):
    idp, _ = provider
    discovery = _get_json(issuer + "/.well-known/openid-configuration")
    jwks = json.dumps(_get_json(discovery["jwks_uri"]))
    config = CreateOpenIdConnectConfig(access_mode="program", idp_url=issuer,
                                       client_id="keystone", signing_key=jwks)
    with pytest.raises(ClientRequestException) as e:
        admin_iam.show_open_id_connect_config(ShowOpenIdConnectConfigRequest(idp_id=idp))
    assert (e.value.status_code, e.value.error_code) == (404, "IAM.0004")
    created = admin_iam.create_open_id_connect_config(CreateOpenIdConnectConfigRequest(
        idp_id=idp, body=CreateOpenIdConnectConfigRequestBody(openid_connect_config=config)))
    assert created.openid_connect_config.client_id == "keystone"
    shown = admin_iam.show_open_id_connect_config(ShowOpenIdConnectConfigRequest(idp_id=idp))
    assert shown.openid_connect_config.idp_url == issuer
    updated = admin_iam.update_open_id_connect_config(UpdateOpenIdConnectConfigRequest(
        idp_id=idp, body=UpdateOpenIdConnectConfigRequestBody(
            openid_connect_config=UpdateOpenIdConnectConfig(scope="openid email"))))
    assert updated.openid_connect_config.scope == "openid email"
    # Console access needs the provider's authorization endpoint.
    with pytest.raises(ClientRequestException) as e:
        admin_iam.update_open_id_connect_config(UpdateOpenIdConnectConfigRequest(
            idp_id=idp, body=UpdateOpenIdConnectConfigRequestBody(
                openid_connect_config=UpdateOpenIdConnectConfig(access_mode="program_console"))))
    assert (e.value.status_code, e.value.error_code) == (400, "IAM.0007")

    token = id_token(issuer)
    scoped = admin_iam.create_token_with_id_token(CreateTokenWithIdTokenRequest(
        x_idp_id=idp, body=GetIdTokenRequestBody(auth=GetIdTokenAuthParams(
            id_token=GetIdTokenIdTokenBody(id=token),
            scope=GetIdTokenIdScopeBody(project=GetIdTokenScopeDomainOrProjectBody(name=REGION))))))
    assert scoped.x_subject_token
    assert scoped.token.project.id == REGION_PROJECT_ID
    assert "readonly" in [r.name for r in scoped.token.roles]
    unscoped = admin_iam.create_token_with_id_token(CreateTokenWithIdTokenRequest(
        x_idp_id=idp, body=GetIdTokenRequestBody(auth=GetIdTokenAuthParams(
            id_token=GetIdTokenIdTokenBody(id=token)))))
    assert unscoped.token.user.name == "bob"
    # A tampered ID token: refused in Huawei's form.
    head, payload, signature = token.split(".")
    with pytest.raises(ClientRequestException) as e:
        admin_iam.create_token_with_id_token(CreateTokenWithIdTokenRequest(
            x_idp_id=idp, body=GetIdTokenRequestBody(auth=GetIdTokenAuthParams(
                id_token=GetIdTokenIdTokenBody(id=f"{head}.{payload}.{signature[::-1]}")))))
    assert (e.value.status_code, e.value.error_code) == (401, "IAM.0001")
    assert token not in server.log_text()


def test_unscoped_token_with_id_token_in_the_authorization_header(server, issuer, provider):
    """Keystone's protocol auth route, the ID token as the whole Authorization header: the
    SDK's signers would overwrite that header, so an X-Auth-Token client sends it."""
    idp, _ = provider
    discovery = _get_json(issuer + "/.well-known/openid-configuration")
    admin = token_client(server, server.token())
    admin.create_open_id_connect_config(CreateOpenIdConnectConfigRequest(
        idp_id=idp, body=CreateOpenIdConnectConfigRequestBody(
            openid_connect_config=CreateOpenIdConnectConfig(
                access_mode="program", idp_url=issuer, client_id="keystone",
                signing_key=json.dumps(_get_json(discovery["jwks_uri"]))))))
    resp = admin.create_unscoped_token_with_id_token(CreateUnscopedTokenWithIdTokenRequest(
        idp_id=idp, protocol_id="oidc", authorization=id_token(issuer)))
    assert resp.token.user.name == "bob"


def test_saml_metadata(provider, admin_iam):
    idp, _ = provider
    with pytest.raises(ClientRequestException) as e:
        admin_iam.show_metadata(ShowMetadataRequest(idp_id=idp, protocol_id="saml"))
    assert e.value.status_code == 404
    admin_iam.create_metadata(CreateMetadataRequest(
        idp_id=idp, protocol_id="saml",
        body=CreateMetadataRequestBody(domain_id=DOMAIN_ID, xaccount_type="", metadata=SAML_XML)))
    shown = admin_iam.show_metadata(ShowMetadataRequest(idp_id=idp, protocol_id="saml"))
    assert (shown.entity_id, shown.data, shown.domain_id) == (
        "https://idp.example.org/saml", SAML_XML, DOMAIN_ID)
