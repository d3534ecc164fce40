#!/usr/bin/env python3
"""Mint and validate Fernet tokens with upstream Keystone's own formatter.

Interop oracle for keystone-lite's src/token: run it with a python that has
keystone 30.0.0 installed. It configures oslo.config itself, so no
keystone.conf is needed.

  fernet_interop.py decode KEY_REPO TOKEN
      -> JSON {user_id, methods, audit_ids, system, domain_id, project_id,
               trust_id, app_cred_id, issued_at, expires_at}
               group_ids, idp_id, protocol_id}
         exactly as TokenFormatter.validate_token returns them (group_ids as
         the plain ids of its [{'id': ...}] list).
  fernet_interop.py setup KEY_REPO    (keystone-manage fernet_setup)
  fernet_interop.py rotate KEY_REPO   (keystone-manage fernet_rotate)
  fernet_interop.py encode KEY_REPO USER_ID
        (--project-id P | --domain-id D | --system all | unscoped)
        [--trust-id T] [--app-cred-id A] [--methods password,token]
        [--idp-id I --protocol-id P [--group-ids g1,g2]]   (payloads 4, 5, 6)
        [--expires-in 3600 | --expires-at ISO] [--audit-ids a,b]
      -> a token minted by TokenFormatter.create_token, on stdout.
"""

import argparse
import datetime
import json
import sys
import warnings

# keystone's imports pull in eventlet, whose deprecation warning would
# clutter stderr, which then only carries real errors.
warnings.filterwarnings('ignore')


def configure(key_repository, max_active_keys):
    import keystone.conf

    keystone.conf.configure()
    conf = keystone.conf.CONF
    # No config files: every option keeps upstream's default except ours.
    conf(args=[], project='keystone', default_config_files=[],
         default_config_dirs=[])
    conf.set_override('key_repository', key_repository, group='fernet_tokens')
    conf.set_override('max_active_keys', max_active_keys,
                      group='fernet_tokens')
    # keystone-lite's fixed method list: upstream's default, then totp and the
    # federated protocols a deployment appends.
    conf.set_override('methods', conf.auth.methods + [
        'totp', 'openid', 'saml2'], group='auth')


def payload_class(tf, args):
    # Same precedence as keystone.token.providers.fernet.core
    # _determine_payload_class_from_token (oauth not offered).
    if args.trust_id:
        return tf.TrustScopedPayload
    if args.idp_id:
        if args.project_id:
            return tf.FederatedProjectScopedPayload
        if args.domain_id:
            return tf.FederatedDomainScopedPayload
        return tf.FederatedUnscopedPayload
    if args.app_cred_id:
        return tf.ApplicationCredentialScopedPayload
    if args.project_id:
        return tf.ProjectScopedPayload
    if args.domain_id:
        return tf.DomainScopedPayload
    if args.system:
        return tf.SystemScopedPayload
    return tf.UnscopedPayload


def encode(args):
    from oslo_utils import timeutils

    from keystone.common import utils as ks_utils
    from keystone.token import provider
    from keystone.token import token_formatters as tf

    if args.expires_at:
        expires_at = args.expires_at
    else:
        # As provider.default_expire_time(): whole seconds.
        at = timeutils.utcnow() + datetime.timedelta(seconds=args.expires_in)
        expires_at = ks_utils.isotime(at.replace(microsecond=0),
                                      subsecond=True)
    if args.audit_ids:
        audit_ids = args.audit_ids.split(',')
    else:
        audit_ids = [provider.random_urlsafe_str()]
    methods = [m for m in args.methods.split(',') if m]
    token = tf.TokenFormatter().create_token(
        args.user_id,
        expires_at,
        audit_ids,
        payload_class(tf, args),
        methods=methods,
        system=args.system,
        domain_id=args.domain_id,
        project_id=args.project_id,
        trust_id=args.trust_id,
        app_cred_id=args.app_cred_id,
        federated_group_ids=[{'id': g} for g in
                             (args.group_ids or '').split(',') if g],
        identity_provider_id=args.idp_id,
        protocol_id=args.protocol_id,
    )
    print(token)


def decode(args):
    from keystone.token import token_formatters as tf

    (user_id, methods, audit_ids, system, domain_id, project_id, trust_id,
     federated_group_ids, identity_provider_id, protocol_id,
     _access_token_id, app_cred_id, _thumbprint, issued_at,
     expires_at) = tf.TokenFormatter().validate_token(args.token)
    print(json.dumps({
        'user_id': user_id,
        'methods': methods,
        'audit_ids': audit_ids,
        'system': system,
        'domain_id': domain_id,
        'project_id': project_id,
        'trust_id': trust_id,
        'app_cred_id': app_cred_id,
        'issued_at': issued_at,
        'expires_at': expires_at,
        'group_ids': (None if federated_group_ids is None
                      else [g['id'] for g in federated_group_ids]),
        'idp_id': identity_provider_id,
        'protocol_id': protocol_id,
    }, sort_keys=True))


def manage(args):
    from keystone.common import fernet_utils

    futils = fernet_utils.FernetUtils(
        args.key_repository, args.max_active_keys, 'fernet_tokens')
    if args.cmd == 'setup':
        futils.create_key_directory()
        futils.initialize_key_repository()
    else:
        futils.rotate_keys()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--max-active-keys', type=int, default=3)
    sub = p.add_subparsers(dest='cmd', required=True)

    d = sub.add_parser('decode')
    d.add_argument('key_repository')
    d.add_argument('token')

    for cmd in ('setup', 'rotate'):
        sub.add_parser(cmd).add_argument('key_repository')

    e = sub.add_parser('encode')
    e.add_argument('key_repository')
    e.add_argument('user_id')
    e.add_argument('unscoped', nargs='?', choices=['unscoped'])
    e.add_argument('--project-id')
    e.add_argument('--domain-id')
    e.add_argument('--system', choices=['all'])
    e.add_argument('--trust-id')
    e.add_argument('--app-cred-id')
    e.add_argument('--methods', default='password')
    e.add_argument('--idp-id')
    e.add_argument('--protocol-id')
    e.add_argument('--group-ids', help='comma separated group ids')
    e.add_argument('--expires-in', type=int, default=3600)
    e.add_argument('--expires-at', help='ISO 8601, as upstream passes it')
    e.add_argument('--audit-ids', help='comma separated: own[,parent]')

    args = p.parse_args(argv)
    if args.cmd == 'encode':
        scopes = [args.project_id, args.domain_id, args.system,
                  args.unscoped]
        if sum(1 for s in scopes if s) != 1:
            p.error('give exactly one of --project-id, --domain-id, '
                    '--system all, unscoped')
    configure(args.key_repository, args.max_active_keys)
    {'encode': encode, 'decode': decode}.get(args.cmd, manage)(args)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
