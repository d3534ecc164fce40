//! Huawei access keys (huawei-iam-api.md §1.2): permanent keys of a user (at most
//! `MAX_KEYS_PER_USER`), temporary keys issued with a security token for a token's user and
//! scope, and the look-up a signed request needs (the key, its user, its secret).
//!
//! `last_use_time` is kept cheaply: a signed request writes it only when the stored value is
//! more than `LAST_USE_RESOLUTION` seconds old (an idempotent bookkeeping write that leaves
//! the validation caches alone), so a busy key costs one write a minute, not one per request.

use base64::Engine as _;
use rand::Rng as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::app::App;
use crate::auth::{AuthContext, ResolvedScope};
use crate::credential_keys::hex;
use crate::error::{Error, Result};
use crate::store::iam::access_keys::{self as store, AccessKey, TempAccessKey, TempScope};
use crate::store::identity;

/// Huawei's limit of permanent keys per user.
pub const MAX_KEYS_PER_USER: usize = 2;
/// `last_use_time` is written at most this often per key (seconds).
pub const LAST_USE_RESOLUTION: f64 = 60.0;
/// Temporary keys: bounds and default of `duration_seconds`.
pub const MIN_DURATION: i64 = 900;
pub const MAX_DURATION: i64 = 86400;
/// Expired temporary keys removed per issue (more than one per issue, so the table shrinks).
const PRUNE_PER_ISSUE: usize = 16;
/// Live temporary keys one user may hold; a new one beyond replaces the soonest expiring
/// (upstream caps a user's credentials the same way, `[credential] user_limit`).
pub const MAX_TEMP_KEYS_PER_USER: usize = 1000;

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_text(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

/// An access key id: 20 upper-case letters and digits.
pub fn new_access() -> String {
    random_text(UPPER_ALNUM, 20)
}

/// A secret access key: 40 letters and digits.
pub fn new_secret() -> String {
    random_text(ALNUM, 40)
}

fn token_hash(security_token: &str) -> String {
    hex(&Sha256::digest(security_token.as_bytes()))
}

/// What creating a key gave.
pub enum Created {
    /// The key and its secret (shown once).
    Key(AccessKey, String),
    /// The user already has `MAX_KEYS_PER_USER` keys.
    LimitReached,
}

fn encrypt_secret(app: &App, secret: &str) -> Result<(String, String)> {
    app.credential_keys.encrypt(secret)
}

/// Creates a permanent key for `user_id` (404 if no such user). `fixed` gives the access and
/// secret (seeds); otherwise new random ones.
pub fn create(
    app: &App,
    user_id: &str,
    description: &str,
    fixed: Option<(&str, &str)>,
    now: f64,
) -> Result<Created> {
    let (access, secret) = match fixed {
        Some((a, s)) => (a.to_string(), s.to_string()),
        None => (new_access(), new_secret()),
    };
    // Encryption happens before the write transaction, never inside it.
    let (encrypted_secret, key_hash) = encrypt_secret(app, &secret)?;
    let key = AccessKey {
        access,
        user_id: user_id.to_string(),
        status: "active".into(),
        description: description.to_string(),
        create_time: now,
        last_use_time: None,
        encrypted_secret,
        key_hash,
    };
    app.store.write(|w| {
        if identity::get_user(w, user_id)?.is_none() {
            return Err(Error::not_found("user", user_id));
        }
        if store::get(w, &key.access)?.is_some() {
            return Err(Error::Conflict(format!(
                "Access key {} already exists.",
                key.access
            )));
        }
        if store::list_for_user(w, user_id)?.len() >= MAX_KEYS_PER_USER {
            return Ok(Created::LimitReached);
        }
        store::put(w, &key)?;
        Ok(Created::Key(key.clone(), secret.clone()))
    })
}

/// The key, or 404.
pub fn require(app: &App, access: &str) -> Result<AccessKey> {
    app.store
        .read(|r| store::get(r, access))?
        .ok_or_else(|| Error::not_found("credential", access))
}

/// The changes a PUT may make.
pub struct Update {
    pub status: Option<String>,
    pub description: Option<String>,
}

pub fn update(app: &App, access: &str, change: Update) -> Result<AccessKey> {
    app.store.write(|w| {
        let mut key =
            store::get(w, access)?.ok_or_else(|| Error::not_found("credential", access))?;
        if let Some(status) = &change.status {
            key.status = status.clone();
        }
        if let Some(description) = &change.description {
            key.description = description.clone();
        }
        store::put(w, &key)?;
        Ok(key)
    })
}

pub fn delete(app: &App, access: &str) -> Result<()> {
    app.store.write(|w| {
        let key = store::get(w, access)?.ok_or_else(|| Error::not_found("credential", access))?;
        store::delete(w, &key)?;
        Ok(())
    })
}

/// The keys of `user_id`, or of every user of `domain_id` when no user is given.
pub fn list(app: &App, user_id: Option<&str>, domain_id: &str) -> Result<Vec<AccessKey>> {
    app.store.read(|r| match user_id {
        Some(user_id) => Ok(store::list_for_user(r, user_id)?),
        None => {
            let mut keys = Vec::new();
            for key in store::list(r)? {
                let user = identity::get_user(r, &key.user_id)?;
                if user.is_some_and(|u| u.domain_id == domain_id) {
                    keys.push(key);
                }
            }
            Ok(keys)
        }
    })
}

/// The key a signed request names, with its plain secret.
pub enum Signer {
    Permanent(AccessKey),
    Temporary(TempAccessKey),
}

/// Looks up an access key (permanent first, then temporary) and decrypts its secret.
pub fn signer(app: &App, access: &str) -> Result<Option<(Signer, String)>> {
    let found = app.store.read(|r| -> Result<_> {
        if let Some(key) = store::get(r, access)? {
            return Ok(Some(Signer::Permanent(key)));
        }
        Ok(store::get_temp(r, access)?.map(Signer::Temporary))
    })?;
    let Some(signer) = found else {
        return Ok(None);
    };
    let encrypted = match &signer {
        Signer::Permanent(k) => &k.encrypted_secret,
        Signer::Temporary(k) => &k.encrypted_secret,
    };
    let secret = app.credential_keys.decrypt(encrypted)?;
    Ok(Some((signer, secret)))
}

/// Whether `presented` is the security token of `key` (compared as hashes, in constant time).
pub fn security_token_matches(key: &TempAccessKey, presented: &str) -> bool {
    let presented = token_hash(presented);
    crate::password::constant_time_eq(presented.as_bytes(), key.token_hash.as_bytes())
}

/// Records a signed request's use of a permanent key, at most once a `LAST_USE_RESOLUTION`.
pub fn record_use(app: &App, key: &AccessKey, now: f64) -> Result<()> {
    if key
        .last_use_time
        .is_some_and(|t| now - t < LAST_USE_RESOLUTION)
    {
        return Ok(());
    }
    app.store.write_bookkeeping(|w| -> Result<()> {
        // Re-read: the key may have changed or gone since the signature was checked.
        if let Some(mut fresh) = store::get(w, &key.access)? {
            if fresh
                .last_use_time
                .is_none_or(|t| now - t >= LAST_USE_RESOLUTION)
            {
                fresh.last_use_time = Some(now);
                store::put(w, &fresh)?;
            }
        }
        Ok(())
    })
}

/// A temporary key as its creation answer shows it (the only time secret and token appear).
pub struct TempCredential {
    pub access: String,
    pub secret: String,
    pub security_token: String,
    pub expires_at: f64,
}

/// Issues a temporary key acting as `context`'s user in its scope, for `duration` seconds;
/// expired keys are pruned in the same transaction.
pub fn issue_by_token(
    app: &App,
    context: &AuthContext,
    duration: i64,
    policy: Option<Value>,
    now: f64,
) -> Result<TempCredential> {
    let scope = match &context.scope {
        ResolvedScope::Project { project, .. } => TempScope {
            project_id: Some(project.id.clone()),
            ..TempScope::default()
        },
        ResolvedScope::Domain(d) => TempScope {
            domain_id: Some(d.id.clone()),
            ..TempScope::default()
        },
        _ => TempScope::default(),
    };
    issue(
        app,
        &context.user.id,
        scope,
        now + duration as f64,
        policy,
        now,
    )
}

/// Stores a new temporary key of `user_id` acting in `scope` until `expires_at`; expired
/// keys are pruned in the same transaction.
fn issue(
    app: &App,
    user_id: &str,
    scope: TempScope,
    expires_at: f64,
    policy: Option<Value>,
    now: f64,
) -> Result<TempCredential> {
    let mut random = [0u8; 96];
    rand::thread_rng().fill(&mut random[..]);
    let security_token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random);
    let secret = new_secret();
    let (encrypted_secret, key_hash) = encrypt_secret(app, &secret)?;
    let key = TempAccessKey {
        access: new_access(),
        user_id: user_id.to_string(),
        scope,
        encrypted_secret,
        key_hash,
        token_hash: token_hash(&security_token),
        expires_at,
        policy,
    };
    app.store.write(|w| -> Result<()> {
        store::prune_temp(w, now, PRUNE_PER_ISSUE)?;
        store::cap_temp_for_user(w, user_id, MAX_TEMP_KEYS_PER_USER - 1)?;
        store::put_temp(w, &key)?;
        Ok(())
    })?;
    Ok(TempCredential {
        access: key.access,
        secret,
        security_token,
        expires_at: key.expires_at,
    })
}

/// What a temporary key by agency asks for.
pub struct AgencyKeyRequest<'a> {
    pub agency_name: &'a str,
    pub domain_id: Option<&'a str>,
    pub domain_name: Option<&'a str>,
    pub duration: i64,
    pub policy: Option<Value>,
}

/// Issues a temporary key by agency: the caller assumes the agency (its checks: trusted
/// account, not expired, a grant on the delegating account), and the key acts as the agency
/// in that account until the requested duration, the agency's expiry or the caller's
/// token's expiry, whichever comes first.
pub fn issue_for_agency(
    app: &App,
    context: &AuthContext,
    request: &AgencyKeyRequest,
    now: f64,
) -> Result<TempCredential> {
    let assumed = app.store.read(|r| {
        crate::service::iam::agencies::assume(
            r,
            context,
            request.agency_name,
            request.domain_id,
            request.domain_name,
            Some(request.duration as u64),
            now,
        )
    })?;
    let scope = TempScope {
        project_id: None,
        domain_id: Some(assumed.user_domain.id.clone()),
        agency_id: Some(assumed.agency.id.clone()),
    };
    issue(
        app,
        &context.user.id,
        scope,
        assumed.expires_at,
        request.policy.clone(),
        now,
    )
}
