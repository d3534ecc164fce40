// A real OpenID provider (npm oidc-provider, pinned in package-lock.json) on loopback, for
// keystone-lite's OIDC tests. Test data only: static users and a static client secret.
//
// Env: PORT (default 0 = any free port; reuse a port to "rotate keys": every start makes new
// keys), IDP_TTL (access/ID token lifetime in seconds, default 300), REDIRECT_URIS (extra
// redirect URIs of the `keystone` client, space separated).
// Stdout, first line: `ISSUER http://127.0.0.1:PORT` (keep reading stdout: oidc-provider prints
// notices there, and a closed pipe would end the process).
//
// What it offers:
// - client `keystone` / `keystone-secret` (client_secret_basic or client_secret_post): grants
//   authorization_code, client_credentials, refresh_token, password (ROPC, registered here:
//   oidc-provider has none; keystoneauth1's OidcPassword and upstream's CI use it).
// - resources (RFC 8707, `resource=` on the token request): `urn:keystone` (default; JWT access
//   tokens signed RS256, aud `keystone`), `urn:keystone:es256` (JWT, ES256), `urn:keystone:opaque`
//   (opaque access tokens, for RFC 7662 introspection).
// - introspection and revocation endpoints; RS256 (ID tokens) and ES256 keys in the JWKS.
// - users alice/alice-pass, bob/bob-pass with email, preferred_username, name, groups (array)
//   and address (object) claims; access tokens carry them too (extraTokenClaims).
// - authorization code without a form: GET /auth?...&login_hint=alice logs alice in and grants
//   what was asked (test only), then redirects to redirect_uri, e.g. `${issuer}/test/callback`,
//   which echoes its query string as JSON.
// - a Keycloak-shaped second provider (what keystone-tempest-plugin's OIDC scenario and its
//   KeycloakClient expect), issuer `${root}/realms/master`: discovery at
//   `/realms/master/.well-known/openid-configuration`, token endpoint
//   `/realms/master/protocol/openid-connect/token`, public client `admin-cli` (password grant
//   only, no secret) besides `keystone`, and a minimal users admin API:
//   `POST /admin/realms/master/users` (Keycloak's user representation: username, email,
//   firstName, lastName, credentials[{type: password, value}]) and
//   `DELETE /admin/realms/master/users` (JSON `{"id": username}`), both with a Bearer token
//   the realm issued to `admin` (user `admin` / `admin-pass`). Users live in memory, shared
//   by both providers.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const USERS = {
  alice: {
    password: 'alice-pass',
    claims: {
      email: 'alice@example.com',
      email_verified: true,
      preferred_username: 'alice',
      name: 'Alice Liddell',
      groups: ['admins', 'devs'],
      address: { country: 'GB', locality: 'Oxford' },
    },
  },
  admin: {
    password: 'admin-pass',
    claims: {
      email: 'admin@example.com',
      email_verified: true,
      preferred_username: 'admin',
      name: 'IdP Admin',
      groups: ['admins'],
      address: { country: 'GB' },
    },
  },
  bob: {
    password: 'bob-pass',
    claims: {
      email: 'bob@example.com',
      email_verified: false,
      preferred_username: 'bob',
      name: 'Bob',
      groups: ['devs'],
      address: { country: 'FR' },
    },
  },
};

const RESOURCES = {
  'urn:keystone': { audience: 'keystone', alg: 'RS256', format: 'jwt' },
  'urn:keystone:es256': { audience: 'keystone', alg: 'ES256', format: 'jwt' },
  'urn:keystone:opaque': { audience: 'keystone', format: 'opaque' },
};
const RESOURCE_SCOPE = 'keystone';
const TTL = Number(process.env.IDP_TTL || 300);

function signingKey(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, alg, use: 'sig', kid: crypto.randomBytes(8).toString('hex') };
}

function userClaims(accountId) {
  const user = USERS[accountId];
  return user ? { sub: accountId, ...user.claims } : undefined;
}

function resourceServerInfo(resource) {
  const info = RESOURCES[resource];
  if (!info) throw new errors.InvalidTarget();
  return {
    scope: RESOURCE_SCOPE,
    audience: info.audience,
    accessTokenTTL: TTL,
    accessTokenFormat: info.format,
    ...(info.alg ? { jwt: { sign: { alg: info.alg } } } : {}),
  };
}

const REALM_PATH = '/realms/master';
const REALM_ADMIN_USERS = '/admin/realms/master/users';
// Keycloak's endpoint names under the realm (discovery stays at /.well-known/...).
const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  jwks: '/protocol/openid-connect/certs',
  userinfo: '/protocol/openid-connect/userinfo',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
  end_session: '/protocol/openid-connect/logout',
};

function configuration(issuer, { realm = false } = {}) {
  const clients = [{
    client_id: 'keystone',
    client_secret: 'keystone-secret',
    grant_types: ['authorization_code', 'client_credentials', 'refresh_token', 'password'],
    response_types: ['code'],
    // REDIRECT_URIS (space separated) adds redirect URIs, e.g. keystone-lite's WebSSO URLs.
    redirect_uris: [`${issuer}/test/callback`, ...String(process.env.REDIRECT_URIS || '').split(' ').filter(Boolean)],
    token_endpoint_auth_method: 'client_secret_basic',
  }];
  if (realm) {
    // Keycloak's built-in public client the plugin's KeycloakClient logs in with.
    clients.push({
      client_id: 'admin-cli',
      grant_types: ['password'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'none',
    });
  }
  return {
    ...(realm ? { routes: KEYCLOAK_ROUTES } : {}),
    clients,
    jwks: {
      keys: [
        signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
        signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
      ],
    },
    findAccount: async (_ctx, accountId) => (USERS[accountId] ? {
      accountId,
      claims: async () => userClaims(accountId),
    } : undefined),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['preferred_username', 'name'],
      groups: ['groups'],
      address: ['address'],
    },
    scopes: ['openid', 'offline_access', RESOURCE_SCOPE],
    extraTokenClaims: async (_ctx, token) => {
      const claims = token.accountId && userClaims(token.accountId);
      if (!claims) return undefined;
      const { sub: _sub, ...rest } = claims;
      return rest;
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:keystone',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => resourceServerInfo(resource),
      },
    },
    ttl: { AccessToken: TTL, IdToken: TTL, ClientCredentials: TTL, Grant: 3600, Session: 3600, Interaction: 600, AuthorizationCode: 60 },
    pkce: { required: () => false },
    // The test interaction below grants what was asked without a consent screen.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: { url: (_ctx, interaction) => `${realm ? REALM_PATH : ''}/interaction/${interaction.uid}` },
  };
}

// ROPC: checks a static user, then issues what the authorization code grant would.
async function passwordGrant(provider, ctx) {
  const { username, password, scope = 'openid' } = ctx.oidc.params;
  const user = USERS[username];
  if (!user || !crypto.timingSafeEqual(
    crypto.createHash('sha256').update(String(password)).digest(),
    crypto.createHash('sha256').update(user.password).digest(),
  )) {
    throw new errors.InvalidGrant('invalid username or password');
  }
  const { client } = ctx.oidc;
  const scopes = new Set(String(scope).split(' ').filter(Boolean));
  const resource = ctx.oidc.params.resource || 'urn:keystone';
  const grant = new provider.Grant({ accountId: username, clientId: client.clientId });
  grant.addOIDCScope([...scopes].filter((s) => s !== RESOURCE_SCOPE).join(' '));
  grant.addResourceScope(resource, RESOURCE_SCOPE);
  const grantId = await grant.save();

  const at = new provider.AccessToken({ accountId: username, client, grantId, gty: 'password', scope: RESOURCE_SCOPE });
  at.resourceServer = new provider.ResourceServer(resource, resourceServerInfo(resource));
  const accessToken = await at.save();

  let idToken;
  if (scopes.has('openid')) {
    const claims = userClaims(username);
    const token = new provider.IdToken({ ...claims }, { ctx });
    token.scope = [...scopes].join(' ');
    idToken = await token.issue({ use: 'idtoken' });
  }
  ctx.body = {
    access_token: accessToken,
    expires_in: at.expiration,
    token_type: 'Bearer',
    scope: RESOURCE_SCOPE,
    ...(idToken ? { id_token: idToken } : {}),
  };
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const accountId = details.params.login_hint;
  if (!USERS[accountId]) {
    res.statusCode = 400;
    res.end('unknown login_hint');
    return;
  }
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  grant.addResourceScope('urn:keystone', RESOURCE_SCOPE);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

// Keycloak's admin API, the two calls KeycloakClient makes. The caller must present an access
// token the realm issued to its `admin` user (checked by signature, not just presence).
async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

async function realmAdmin(realm, req, res) {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const token = bearer && await realmAccessToken(realm, bearer[1]);
  if (!token || token.accountId !== 'admin') {
    res.statusCode = 401;
    res.end('{"error":"HTTP 401 Unauthorized"}');
    return;
  }
  const body = await readJson(req);
  if (req.method === 'POST') {
    const username = String(body.username || '');
    const password = (body.credentials || []).find((c) => c.type === 'password')?.value;
    if (!username || !password) {
      res.statusCode = 400;
      res.end('{"errorMessage":"username and a password credential are required"}');
      return;
    }
    if (USERS[username]) {
      res.statusCode = 409;
      res.end('{"errorMessage":"User exists with same username"}');
      return;
    }
    USERS[username] = {
      password: String(password),
      claims: {
        email: body.email || username,
        email_verified: Boolean(body.emailVerified),
        preferred_username: username,
        name: [body.firstName, body.lastName].filter(Boolean).join(' ') || username,
        groups: [],
        address: {},
      },
    };
    res.statusCode = 201;
    res.setHeader('location', `${realm.issuer.replace(REALM_PATH, '')}${REALM_ADMIN_USERS}/${encodeURIComponent(username)}`);
    res.end();
  } else if (req.method === 'DELETE') {
    const username = String(body.id || '');
    const known = username !== 'admin' && Boolean(USERS[username]);
    if (known) delete USERS[username];
    res.statusCode = known ? 204 : 404;
    res.end();
  } else {
    res.statusCode = 405;
    res.end();
  }
}

// The realm's JWT access token (RS256, its own keys), or undefined.
async function realmAccessToken(realm, jwt) {
  try {
    const [header, payload, signature] = jwt.split('.');
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const jwk = realm.publicKeys.find((k) => k.kid === kid);
    if (!jwk || !signature) return undefined;
    const ok = crypto.verify('sha256', Buffer.from(`${header}.${payload}`),
      crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'));
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!ok || claims.iss !== realm.issuer || claims.exp * 1000 < Date.now()) return undefined;
    return { accountId: claims.sub };
  } catch {
    return undefined;
  }
}

function makeProvider(issuer, options) {
  const config = configuration(issuer, options);
  const provider = new Provider(issuer, config);
  provider.registerGrantType('password', (ctx) => passwordGrant(provider, ctx), ['username', 'password', 'scope', 'resource']);
  const publicKeys = config.jwks.keys.filter((k) => k.kty === 'RSA')
    .map(({ kty, n, e, kid }) => ({ kty, n, e, kid }));
  return { provider, callback: provider.callback(), issuer, publicKeys };
}

const server = http.createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const root = makeProvider(issuer);
  const realm = makeProvider(`${issuer}${REALM_PATH}`, { realm: true });
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    try {
      if (url.pathname === '/test/callback' || url.pathname === `${REALM_PATH}/test/callback`) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(Object.fromEntries(url.searchParams)));
      } else if (url.pathname === REALM_ADMIN_USERS) {
        await realmAdmin(realm, req, res);
      } else if (url.pathname.startsWith('/interaction/')) {
        await interaction(root.provider, req, res);
      } else if (url.pathname.startsWith(`${REALM_PATH}/interaction/`)) {
        await interaction(realm.provider, req, res);
      } else if (url.pathname === REALM_PATH || url.pathname.startsWith(`${REALM_PATH}/`)) {
        // mounted under the realm path, as express's app.use would (oidc-provider derives its
        // mount path from originalUrl minus url)
        req.originalUrl = req.url;
        req.url = req.url.slice(REALM_PATH.length) || '/';
        realm.callback(req, res);
      } else {
        root.callback(req, res);
      }
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err && err.message));
    }
  });
  process.stdout.write(`ISSUER ${issuer}\n`);
});
