//! The Fernet key repository, managed as upstream's
//! keystone/common/fernet_utils.py does it, so that a directory can be shared
//! with (or taken over from) a Keystone deployment.
//!
//! Files named by an integer each hold one key (urlsafe base64 of 32 random
//! bytes). The highest index is the primary key (encrypts); 0 is the staged
//! key that the next rotation promotes; the rest only decrypt.

use std::collections::BTreeMap;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;

use super::TokenError;

/// Upstream's `[fernet_tokens] max_active_keys` default.
pub const DEFAULT_MAX_ACTIVE_KEYS: usize = 3;

/// A loaded key repository.
#[derive(Debug, Clone)]
pub struct KeyRepository {
    dir: PathBuf,
    max_active_keys: usize,
    /// (index, key), highest index first: upstream's `load_keys` order.
    keys: Vec<(i64, String)>,
}

impl KeyRepository {
    /// As `keystone-manage fernet_setup`: create the directory (0700) if
    /// missing and, unless a staged key 0 already exists, write key 0 and
    /// rotate once, leaving a primary key 1 and a staged key 0. Then load.
    pub fn setup(dir: &Path, max_active_keys: usize) -> Result<KeyRepository, TokenError> {
        if !dir.exists() {
            DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        let mut repo = KeyRepository {
            dir: dir.to_owned(),
            max_active_keys,
            keys: Vec::new(),
        };
        if !dir.join("0").exists() {
            new_staged_key(dir)?;
            repo.rotate()?;
        }
        repo.reload()?;
        Ok(repo)
    }

    /// Load an existing repository (with the default `max_active_keys`).
    pub fn load(dir: &Path) -> Result<KeyRepository, TokenError> {
        let mut repo = KeyRepository {
            dir: dir.to_owned(),
            max_active_keys: DEFAULT_MAX_ACTIVE_KEYS,
            keys: Vec::new(),
        };
        repo.reload()?;
        Ok(repo)
    }

    /// The number of keys `rotate` keeps, staged key included.
    pub fn set_max_active_keys(&mut self, n: usize) {
        self.max_active_keys = n;
    }

    /// Re-read the key files from disk.
    pub fn reload(&mut self) -> Result<(), TokenError> {
        let files = key_files(&self.dir)?;
        let mut keys = Vec::with_capacity(files.len());
        for (index, path) in files.into_iter().rev() {
            let key = fs::read_to_string(&path)?.trim().to_owned();
            // Upstream skips empty files with a warning.
            if key.is_empty() {
                log::warn!("ignoring empty Fernet key file {}", path.display());
                continue;
            }
            if ::fernet::Fernet::new(&key).is_none() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not a Fernet key", path.display()),
                )
                .into());
            }
            keys.push((index, key));
        }
        self.keys = keys;
        Ok(())
    }

    /// As `keystone-manage fernet_rotate`: the staged key 0 becomes the
    /// primary (highest index + 1), a new staged key 0 is written, and the
    /// lowest non-staged keys are removed until `max_active_keys` remain.
    pub fn rotate(&mut self) -> Result<(), TokenError> {
        let mut files = key_files(&self.dir)?;
        let staged = files
            .remove(&0)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no staged key 0 to promote"))?;
        // Write the next staged key first, so a failure leaves 0 in place.
        let tmp = write_tmp_key(&self.dir)?;
        let primary = files.keys().next_back().map_or(1, |max| max + 1).max(1);
        let primary_path = self.dir.join(primary.to_string());
        fs::rename(&staged, &primary_path)?;
        files.insert(primary, primary_path);
        fs::rename(&tmp, self.dir.join("0"))?;
        // Upstream keeps max_active_keys - 1 keys besides the staged one,
        // purging from the lowest index.
        let keep = self.max_active_keys.saturating_sub(1);
        while files.len() > keep {
            if let Some((_, path)) = files.pop_first() {
                log::info!("purging excess Fernet key {}", path.display());
                fs::remove_file(path)?;
            }
        }
        self.reload()
    }

    /// The keys, primary first, then the others by descending index (the
    /// staged key 0 last, negative indexes after it).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(_, k)| k.as_str())
    }

    /// The key indexes in the same order as `keys`.
    pub fn indexes(&self) -> Vec<i64> {
        self.keys.iter().map(|(i, _)| *i).collect()
    }

    /// The encrypting key, if any.
    pub fn primary(&self) -> Option<&str> {
        self.keys().next()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn max_active_keys(&self) -> usize {
        self.max_active_keys
    }

    /// A repository held elsewhere than in files (the PostgreSQL `keys` table): `label`
    /// names it in messages; entries in any order, each checked as `reload` checks a file.
    pub fn from_entries(
        label: &str,
        entries: Vec<(i64, String)>,
    ) -> Result<KeyRepository, TokenError> {
        let mut keys = entries;
        for (index, key) in &keys {
            if ::fernet::Fernet::new(key).is_none() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{label} key {index} is not a Fernet key"),
                )
                .into());
            }
        }
        keys.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
        Ok(KeyRepository {
            dir: PathBuf::from(label),
            max_active_keys: DEFAULT_MAX_ACTIVE_KEYS,
            keys,
        })
    }

    /// (index, key), highest index first.
    pub fn entries(&self) -> &[(i64, String)] {
        &self.keys
    }
}

/// A fresh key as `Fernet.generate_key()` makes it (urlsafe base64 with padding).
pub fn generate_key() -> io::Result<String> {
    let mut raw = [0u8; 32];
    getrandom::getrandom(&mut raw).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE.encode(raw))
}

/// The regular files whose name is an integer, by index (as upstream's
/// `_get_key_files`, minus its empty-file check, which `reload` does).
fn key_files(dir: &Path) -> io::Result<BTreeMap<i64, PathBuf>> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let Some(index) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        // Follows symlinks, as os.path.isfile does.
        if fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            out.insert(index, entry.path());
        }
    }
    Ok(out)
}

/// `_create_tmp_new_key`: `Fernet.generate_key()` written to "0.tmp", 0600.
fn write_tmp_key(dir: &Path) -> io::Result<PathBuf> {
    let mut raw = [0u8; 32];
    getrandom::getrandom(&mut raw).map_err(|e| io::Error::other(e.to_string()))?;
    // Fernet.generate_key keeps the '=' padding.
    let key = base64::engine::general_purpose::URL_SAFE.encode(raw);
    let path = dir.join("0.tmp");
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)?;
    // An old 0.tmp keeps its mode on open; upstream's umask would not fix
    // that either, but a key must never be readable by others.
    f.set_permissions(fs::Permissions::from_mode(0o600))?;
    f.write_all(key.as_bytes())?;
    f.sync_all()?;
    Ok(path)
}

/// `_create_new_key`: a fresh staged key 0.
fn new_staged_key(dir: &Path) -> io::Result<()> {
    let tmp = write_tmp_key(dir)?;
    fs::rename(tmp, dir.join("0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ksl-keys-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn setup_creates_primary_and_staged_with_private_modes() {
        let dir = scratch("setup").join("nested");
        let repo = KeyRepository::setup(&dir, 3).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(names(&dir), ["0", "1"]);
        for n in ["0", "1"] {
            assert_eq!(mode(&dir.join(n)), 0o600);
            let key = fs::read_to_string(dir.join(n)).unwrap();
            assert_eq!(key.len(), 44, "padded base64 of 32 bytes, no newline");
            assert!(key.ends_with('='));
        }
        assert_eq!(repo.indexes(), [1, 0]);
        assert_eq!(
            repo.primary(),
            Some(fs::read_to_string(dir.join("1")).unwrap().as_str())
        );
        // A second setup loads and changes nothing.
        let again = KeyRepository::setup(&dir, 3).unwrap();
        assert_eq!(
            again.keys().collect::<Vec<_>>(),
            repo.keys().collect::<Vec<_>>()
        );
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn rotate_promotes_staged_and_prunes() {
        let dir = scratch("rotate");
        let mut repo = KeyRepository::setup(&dir, 3).unwrap();
        let staged = fs::read_to_string(dir.join("0")).unwrap();
        repo.rotate().unwrap();
        assert_eq!(repo.indexes(), [2, 1, 0]);
        assert_eq!(repo.primary(), Some(staged.as_str()));
        assert_ne!(fs::read_to_string(dir.join("0")).unwrap(), staged);
        repo.rotate().unwrap();
        assert_eq!(repo.indexes(), [3, 2, 0]);
        repo.set_max_active_keys(5);
        repo.rotate().unwrap();
        repo.rotate().unwrap();
        assert_eq!(repo.indexes(), [5, 4, 3, 2, 0]);
        repo.set_max_active_keys(2);
        repo.rotate().unwrap();
        assert_eq!(repo.indexes(), [6, 0]);
        assert_eq!(names(&dir), ["0", "6"]);
        assert_eq!(mode(&dir.join("0")), 0o600);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn load_reads_like_upstream() {
        let dir = scratch("load");
        KeyRepository::setup(&dir, 3).unwrap();
        let k1 = fs::read_to_string(dir.join("1")).unwrap();
        // Trailing newline tolerated; junk names and empty keys ignored.
        fs::write(dir.join("7"), format!("{k1}\n")).unwrap();
        fs::write(dir.join("8"), "").unwrap();
        fs::write(dir.join("README"), "not a key").unwrap();
        fs::write(dir.join("0.tmp"), "leftover").unwrap();
        let repo = KeyRepository::load(&dir).unwrap();
        assert_eq!(repo.indexes(), [7, 1, 0]);
        assert_eq!(repo.primary(), Some(k1.as_str()));
        // A corrupt key is an error, not silently skipped.
        fs::write(dir.join("9"), "garbage").unwrap();
        assert!(matches!(KeyRepository::load(&dir), Err(TokenError::Io(_))));
        assert!(matches!(
            KeyRepository::load(&dir.join("missing")),
            Err(TokenError::Io(_))
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rotate_without_staged_key_fails_cleanly() {
        let dir = scratch("nostage");
        KeyRepository::setup(&dir, 3).unwrap();
        let mut repo = KeyRepository::load(&dir).unwrap();
        fs::remove_file(dir.join("0")).unwrap();
        assert!(repo.rotate().is_err());
        assert_eq!(names(&dir), ["1"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
