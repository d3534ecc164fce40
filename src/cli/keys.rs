//! The key repository commands, as keystone-manage's: `fernet-setup`, `fernet-rotate`,
//! `receipt-setup`, `receipt-rotate`, `credential-setup`, `credential-rotate` and
//! `credential-migrate`. Rotation is upstream's (fernet_utils.rotate_keys: key 0 promoted to
//! the highest index, a new staged key 0, the lowest keys purged down to max_active_keys).
//! A running server picks a rotation up within a second (src/ops/reload.rs).
//!
//! Receipts use the token repository here, as upstream's `[fernet_receipts] key_repository`
//! does by default, so `receipt-rotate` rotates the token keys.

use std::path::Path;

use super::common::{self, Args};
use crate::credential_keys::{self, CredentialKeys};
use crate::store::credentials;
use crate::token::keys::KeyRepository;

const OWNER_FLAGS: &[&str] = &["keystone-user", "keystone-group"];

/// `fernet-setup` / `receipt-setup`.
pub fn fernet_setup(command: &str, args: Vec<String>) -> i32 {
    common::finish(command, fernet_setup_inner(args))
}

fn fernet_setup_inner(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, OWNER_FLAGS, &[])?;
    let owner = args.owner()?;
    let dir = args.fernet_dir();
    if dir.join("0").exists() {
        // Upstream's initialize_key_repository on a set-up repository.
        println!("Key repository is already initialized; aborting.");
        return Ok(());
    }
    for created in common::init_data_dir(&args.config)? {
        println!("Created {created}");
    }
    owner.apply(&dir)?;
    let repo = KeyRepository::load(&dir).map_err(|e| e.to_string())?;
    println!(
        "Key repository {} set up: keys {:?}",
        dir.display(),
        repo.indexes()
    );
    Ok(())
}

/// `fernet-rotate` / `receipt-rotate`: `[fernet_tokens] max_active_keys` keys are kept.
pub fn fernet_rotate(command: &str, args: Vec<String>) -> i32 {
    common::finish(command, fernet_rotate_inner(args))
}

fn fernet_rotate_inner(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, OWNER_FLAGS, &[])?;
    let owner = args.owner()?;
    let dir = args.fernet_dir();
    common::validate_key_repository(&dir, "fernet_tokens", true)?;
    rotate(&dir, args.config.max_active_keys)?;
    owner.apply(&dir)
}

fn rotate(dir: &Path, max_active_keys: usize) -> Result<(), String> {
    let mut repo = KeyRepository::load(dir).map_err(|e| e.to_string())?;
    repo.set_max_active_keys(max_active_keys);
    let before = repo.indexes();
    repo.rotate()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    println!(
        "Rotated {}: keys {before:?} -> {:?} (primary {})",
        dir.display(),
        repo.indexes(),
        repo.indexes().first().copied().unwrap_or_default()
    );
    Ok(())
}

/// `credential-setup`.
pub fn credential_setup(args: Vec<String>) -> i32 {
    common::finish("credential-setup", credential_setup_inner(args))
}

fn credential_setup_inner(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, OWNER_FLAGS, &[])?;
    let owner = args.owner()?;
    let dir = args.credential_dir();
    if dir.join("0").exists() {
        println!("Key repository is already initialized; aborting.");
        return Ok(());
    }
    for created in common::init_data_dir(&args.config)? {
        println!("Created {created}");
    }
    owner.apply(&dir)
}

/// `credential-rotate`: refused, as upstream, while a credential is encrypted with another
/// key than the primary (`credential-migrate` first); the repository keeps 3 keys.
pub fn credential_rotate(args: Vec<String>) -> i32 {
    common::finish("credential-rotate", credential_rotate_inner(args))
}

fn credential_rotate_inner(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, OWNER_FLAGS, &[])?;
    let owner = args.owner()?;
    let dir = args.credential_dir();
    common::validate_key_repository(&dir, "credential", true)?;
    let keys = load_credential_keys(&dir)?;
    let store = common::open_store(&args.config)?;
    let primary = keys.primary_key_hash();
    let stale = store
        .read(credentials::list_stored)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| c.key_hash != primary)
        .count();
    drop(store);
    if stale > 0 {
        return Err(
            "Unable to rotate credential keys because not all credentials are encrypted with \
             the primary key. Please make sure all credentials have been encrypted with the \
             primary key using `keystone-manage credential_migrate`."
                .to_string(),
        );
    }
    rotate(&dir, credential_keys::MAX_ACTIVE_KEYS)?;
    owner.apply(&dir)
}

/// `credential-migrate`: every credential not encrypted with the primary key is decrypted
/// and encrypted again with it, in one write transaction.
pub fn credential_migrate(args: Vec<String>) -> i32 {
    common::finish("credential-migrate", credential_migrate_inner(args))
}

fn credential_migrate_inner(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, OWNER_FLAGS, &[])?;
    let dir = args.credential_dir();
    common::validate_key_repository(&dir, "credential", false)?;
    let keys = load_credential_keys(&dir)?;
    let store = common::open_store(&args.config)?;
    let primary = keys.primary_key_hash();
    let migrated = store
        .write(|w| -> crate::store::StoreResult<usize> {
            let mut count = 0;
            for stored in credentials::list_stored(w)? {
                if stored.key_hash == primary {
                    continue;
                }
                let plain = credentials::decrypt(&keys, stored)?;
                credentials::update_blob(w, &keys, &plain.id, &plain.blob)?;
                count += 1;
            }
            Ok(count)
        })
        .map_err(|e| e.to_string())?;
    println!("Re-encrypted {migrated} credential(s) with the primary key");
    Ok(())
}

fn load_credential_keys(dir: &Path) -> Result<CredentialKeys, String> {
    let repo = KeyRepository::load(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    CredentialKeys::from_repo(&repo).map_err(|e| e.to_string())
}
