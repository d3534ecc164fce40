"""OS-SECURITYPOLICY and §1.4's security_compliance through the real SDK (admin_iam: every credential kind). Every
test sets the account's documents back to the defaults, which un-stores them, so the other
groups' tests on this session's server see the account as the seed left it."""
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    AclPolicyOption, AllowAddressNetmasksOption, AllowIpRangesOption, AllowUserBody,
    ConsoleAclPolicyOption, KeystoneShowSecurityComplianceByOptionRequest,
    KeystoneShowSecurityComplianceRequest, LoginPolicyOption, PasswordPolicyOption,
    ProtectPolicyOption, ShowDomainApiAclPolicyRequest, ShowDomainConsoleAclPolicyRequest,
    ShowDomainLoginPolicyRequest, ShowDomainPasswordPolicyRequest,
    ShowDomainProtectPolicyRequest, UpdateDomainApiAclPolicyRequest,
    UpdateDomainApiAclPolicyRequestBody, UpdateDomainConsoleAclPolicyRequest,
    UpdateDomainConsoleAclPolicyRequestBody, UpdateDomainLoginPolicyRequest,
    UpdateDomainLoginPolicyRequestBody, UpdateDomainPasswordPolicyRequest,
    UpdateDomainPasswordPolicyRequestBody, UpdateDomainProtectPolicyRequest,
    UpdateDomainProtectPolicyRequestBody)

from conftest import DOMAIN_ID

ALL_IPV4 = [AllowIpRangesOption(ip_range="0.0.0.0-255.255.255.255", description="")]


@pytest.fixture
def admin(admin_iam):
    """The account administrator with every credential kind."""
    return admin_iam


def _password(client, **fields):
    return client.update_domain_password_policy(UpdateDomainPasswordPolicyRequest(
        domain_id=DOMAIN_ID, body=UpdateDomainPasswordPolicyRequestBody(
            password_policy=PasswordPolicyOption(**fields)))).password_policy


def test_password_policy_and_security_compliance(admin):
    shown = admin.show_domain_password_policy(
        ShowDomainPasswordPolicyRequest(domain_id=DOMAIN_ID)).password_policy
    assert shown.minimum_password_length == 8 and shown.maximum_password_length == 32
    try:
        doc = _password(admin, minimum_password_length=12, password_char_combination=3)
        assert doc.minimum_password_length == 12 and doc.password_validity_period == 0
        sc = admin.keystone_show_security_compliance(
            KeystoneShowSecurityComplianceRequest(domain_id=DOMAIN_ID)).config
        assert sc.security_compliance.password_regex.startswith("^(?=.{12,32}$)")
        one = admin.keystone_show_security_compliance_by_option(
            KeystoneShowSecurityComplianceByOptionRequest(
                domain_id=DOMAIN_ID, option="password_regex_description")).config
        assert "12" in one.password_regex_description
        with pytest.raises(ClientRequestException) as e:
            _password(admin, minimum_password_length=5)
        assert e.value.status_code == 400 and "minimum_password_length" in e.value.error_msg
    finally:
        _password(admin, minimum_password_length=8, password_char_combination=2)


def test_login_and_protect_policies(admin):
    login = admin.show_domain_login_policy(ShowDomainLoginPolicyRequest(domain_id=DOMAIN_ID))
    assert login.login_policy.lockout_duration == 15
    put = lambda **f: admin.update_domain_login_policy(UpdateDomainLoginPolicyRequest(
        domain_id=DOMAIN_ID, body=UpdateDomainLoginPolicyRequestBody(
            login_policy=LoginPolicyOption(**f)))).login_policy
    try:
        assert put(session_timeout=120).session_timeout == 120
        with pytest.raises(ClientRequestException) as e:
            put(login_failed_times=2)
        assert e.value.status_code == 400 and "login_failed_times" in e.value.error_msg
    finally:
        put(session_timeout=60)
    protect = lambda **f: admin.update_domain_protect_policy(UpdateDomainProtectPolicyRequest(
        domain_id=DOMAIN_ID, body=UpdateDomainProtectPolicyRequestBody(
            protect_policy=ProtectPolicyOption(**f)))).protect_policy
    try:
        doc = protect(operation_protection=True, allow_user=AllowUserBody(manage_email=False))
        assert doc.operation_protection is True
        shown = admin.show_domain_protect_policy(
            ShowDomainProtectPolicyRequest(domain_id=DOMAIN_ID)).protect_policy
        assert shown.allow_user.manage_email is False and shown.allow_user.manage_password
    finally:
        protect(operation_protection=False, allow_user=AllowUserBody(manage_email=True))


def test_acl_policies(admin):
    console = lambda **f: admin.update_domain_console_acl_policy(
        UpdateDomainConsoleAclPolicyRequest(domain_id=DOMAIN_ID,
            body=UpdateDomainConsoleAclPolicyRequestBody(
                console_acl_policy=ConsoleAclPolicyOption(**f)))).console_acl_policy
    api = lambda **f: admin.update_domain_api_acl_policy(UpdateDomainApiAclPolicyRequest(
        domain_id=DOMAIN_ID, body=UpdateDomainApiAclPolicyRequestBody(
            api_acl_policy=AclPolicyOption(**f)))).api_acl_policy
    try:
        doc = console(allow_address_netmasks=[
            AllowAddressNetmasksOption(address_netmask="10.0.0.0/8", description="lan")])
        assert doc.allow_address_netmasks[0].address_netmask == "10.0.0.0/8"
        doc = api(allow_ip_ranges=[AllowIpRangesOption(ip_range="10.0.0.1-10.0.0.9")])
        assert doc.allow_ip_ranges[0].ip_range == "10.0.0.1-10.0.0.9"
        shown = admin.show_domain_api_acl_policy(
            ShowDomainApiAclPolicyRequest(domain_id=DOMAIN_ID)).api_acl_policy
        assert shown.allow_ip_ranges[0].ip_range == "10.0.0.1-10.0.0.9"
        with pytest.raises(ClientRequestException) as e:
            console(allow_ip_ranges=[AllowIpRangesOption(ip_range="nonsense")])
        assert e.value.status_code == 400
    finally:
        console(allow_address_netmasks=[], allow_ip_ranges=ALL_IPV4)
        api(allow_ip_ranges=ALL_IPV4)
    assert admin.show_domain_console_acl_policy(ShowDomainConsoleAclPolicyRequest(
        domain_id=DOMAIN_ID)).console_acl_policy.allow_address_netmasks == []
