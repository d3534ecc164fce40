"""Tokens through the real SDK with every credential kind of the account administrator: the
Huawei password token (domain name and project scope), a scoped token from a token, and
KeystoneValidateToken. The password + virtual MFA token is test_mfa.py's, the agency token
test_agencies.py's, the ID-token logins test_federation.py's."""
import pytest
from huaweicloudsdkiam.v3 import (
    AuthScope, AuthScopeDomain, AuthScopeProject, KeystoneCreateScopedTokenRequest,
    KeystoneCreateScopedTokenRequestBody, KeystoneCreateUserTokenByPasswordRequest,
    KeystoneCreateUserTokenByPasswordRequestBody, KeystoneValidateTokenRequest, PwdAuth,
    PwdIdentity, PwdPassword, PwdPasswordUser, PwdPasswordUserDomain, ScopeDomainOption,
    ScopedToken, ScopedTokenAuth, ScopedTokenIdentity, ScopeProjectOption, TokenSocpeOption)

from conftest import ADMIN, DOMAIN_ID, DOMAIN_NAME, REGION, REGION_PROJECT_ID, USER, token_client


def password_token(client, user, scope=None, nocatalog=None):
    name, password = user
    return client.keystone_create_user_token_by_password(KeystoneCreateUserTokenByPasswordRequest(
        nocatalog=nocatalog,
        body=KeystoneCreateUserTokenByPasswordRequestBody(auth=PwdAuth(
            identity=PwdIdentity(methods=["password"], password=PwdPassword(user=PwdPasswordUser(
                name=name, password=password, domain=PwdPasswordUserDomain(name=DOMAIN_NAME)))),
            scope=scope))))


def test_password_tokens(admin_iam):
    project = password_token(admin_iam, USER, AuthScope(project=AuthScopeProject(
        id=REGION_PROJECT_ID)), nocatalog="true")
    assert project.x_subject_token
    assert (project.token.project.id, project.token.user.name) == (REGION_PROJECT_ID, USER[0])
    assert "readonly" in [r.name for r in project.token.roles]
    assert not project.token.catalog
    domain = password_token(admin_iam, ADMIN, AuthScope(domain=AuthScopeDomain(id=DOMAIN_ID)))
    assert domain.token.domain.id == DOMAIN_ID
    assert {"te_admin", "secu_admin"} <= {r.name for r in domain.token.roles}


@pytest.mark.xfail(strict=True, reason=(
    "known gap: Huawei's password token names a region project by name alone "
    "(AuthScopeProject has no domain; huawei-iam-api.md §1 row 'Password token'); "
    "keystone-lite keeps upstream's 400 'Expecting to find domain in project'"))
def test_password_token_scoped_to_a_project_by_name_alone(server):
    token = password_token(token_client(server, server.token()), USER,
                           AuthScope(project=AuthScopeProject(name=REGION)))
    assert token.token.project.id == REGION_PROJECT_ID


def test_scoped_token_from_a_token_and_validation(server, admin_iam):
    unscoped = password_token(admin_iam, ADMIN).x_subject_token
    scoped = admin_iam.keystone_create_scoped_token(KeystoneCreateScopedTokenRequest(
        body=KeystoneCreateScopedTokenRequestBody(auth=ScopedTokenAuth(
            identity=ScopedTokenIdentity(methods=["token"], token=ScopedToken(id=unscoped)),
            scope=TokenSocpeOption(project=ScopeProjectOption(
                name=REGION, domain=ScopeDomainOption(name=DOMAIN_NAME)))))))
    assert scoped.token.project.id == REGION_PROJECT_ID
    # The account administrator validates its own token (upstream's token_subject rule).
    shown = admin_iam.keystone_validate_token(KeystoneValidateTokenRequest(
        x_subject_token=scoped.x_subject_token, nocatalog="true"))
    assert (shown.token.user.name, shown.token.project.id) == (ADMIN[0], REGION_PROJECT_ID)
