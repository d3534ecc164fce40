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
use crate::store::shared_keys::{CREDENTIAL_KEYS, FERNET_KEYS};
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
    if args.config.database.is_some() {
        return rotate_shared(&args, FERNET_KEYS, &dir, args.config.max_active_keys);
    }
    common::validate_key_repository(&dir, "fernet_tokens", true)?;
    rotate(&dir, args.config.max_active_keys)?;
    owner.apply(&dir)
}

/// With `[database] connection` the keys live in the database (src/store/shared_keys.rs):
/// rotated there in one transaction, and every node reloads them within the poll bound.
/// This host's repository is only read, to seed a database that has none of these keys.
fn rotate_shared(
    args: &Args,
    name: &str,
    dir: &Path,
    max_active_keys: usize,
) -> Result<(), String> {
    let store = common::open_store(&args.config)?;
    let local = KeyRepository::load(dir)
        .ok()
        .filter(|r| r.primary().is_some());
    let before = store
        .load_shared_keys(name)
        .map_err(|e| e.to_string())?
        .map(|r| r.indexes());
    if before.is_none() && local.is_none() {
        return Err(format!(
            "the database has no {name} keys and {} holds none to import",
            dir.display()
        ));
    }
    let after = store
        .rotate_shared_keys(name, local.as_ref(), max_active_keys)
        .map_err(|e| e.to_string())?;
    println!(
        "Rotated the {name} keys in the database: keys {:?} -> {:?} (primary {})",
        before.unwrap_or_default(),
        after.indexes(),
        after.indexes().first().copied().unwrap_or_default()
    );
    Ok(())
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
    let shared = args.config.database.is_some();
    if !shared {
        common::validate_key_repository(&dir, "credential", true)?;
    }
    let store = common::open_store(&args.config)?;
    let keys = credential_keys_for(&store, &dir)?;
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
    if shared {
        return rotate_shared(
            &args,
            CREDENTIAL_KEYS,
            &dir,
            credential_keys::MAX_ACTIVE_KEYS,
        );
    }
    rotate(&dir, credential_keys::MAX_ACTIVE_KEYS)?;
    owner.apply(&dir)
}

/// The credential keys in force: the database's when shared (this host's when it has none).
fn credential_keys_for(store: &crate::store::Store, dir: &Path) -> Result<CredentialKeys, String> {
    match store
        .load_shared_keys(CREDENTIAL_KEYS)
        .map_err(|e| e.to_string())?
    {
        Some(repo) => CredentialKeys::from_repo(&repo).map_err(|e| e.to_string()),
        None => load_credential_keys(dir),
    }
}

/// `credential-migrate`: every credential not encrypted with the primary key is decrypted
/// and encrypted again with it, in one write transaction.
pub fn credential_migrate(args: Vec<String>) -> i32 {
    common::finish("credential-migrate", credential_migrate_inner(args))
}

fn credential_migrate_inner(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, OWNER_FLAGS, &[])?;
    let dir = args.credential_dir();
    if args.config.database.is_none() {
        common::validate_key_repository(&dir, "credential", false)?;
    }
    let store = common::open_store(&args.config)?;
    let keys = credential_keys_for(&store, &dir)?;
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
