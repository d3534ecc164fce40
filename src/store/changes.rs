//! What a committed write changed, as the validation cache sees it. Every write goes through
//! `Tx`, which notes the (table, key) it touched; after the commit those keys bump the version
//! counters of the records a validated token depends on (its user, its project, their domains,
//! role assignments, delegations, the catalog). A cache entry stamped with older versions is
//! stale. Counters live in a fixed array indexed by a hash of the record: two records sharing a
//! slot only cost a needless re-validation, and the array never grows.

use std::cell::RefCell;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use redb::TableHandle;

use super::tables::{self, Table, SEP};

/// What a validated token was built from.
#[derive(Debug, Clone, Copy)]
pub enum Dep<'a> {
    User(&'a str),
    Domain(&'a str),
    Project(&'a str),
    /// Roles, implied roles, assignments and group memberships, anyone's.
    Assignments,
    /// Trusts, application credentials, access rules, OAuth1 consumers and access tokens.
    Delegation,
    /// Services, endpoints and endpoint filters: the catalog a cached token body carries.
    Catalog,
}

/// Slots for the global dependencies; hashed records use the rest.
const ASSIGNMENTS: usize = 0;
const DELEGATION: usize = 1;
const CATALOG: usize = 2;
/// Bumped by a write to a table nothing here classifies: every entry depends on it.
const EVERYTHING: usize = 3;
const GLOBALS: usize = 4;
const SLOTS: usize = 1 << 14;

/// The versions a cache entry was built from: (slot, version) pairs.
#[derive(Debug, Clone, Default)]
pub struct Stamp(Vec<(u32, u64)>);

impl Stamp {
    pub fn byte_size(&self) -> usize {
        self.0.len() * std::mem::size_of::<(u32, u64)>()
    }
}

pub struct Versions {
    slots: Box<[AtomicU64]>,
}

impl Default for Versions {
    fn default() -> Self {
        Versions {
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Versions {
    fn slot(dep: &Dep) -> usize {
        let (kind, id) = match dep {
            Dep::Assignments => return ASSIGNMENTS,
            Dep::Delegation => return DELEGATION,
            Dep::Catalog => return CATALOG,
            Dep::User(id) => (0u8, id),
            Dep::Domain(id) => (1u8, id),
            Dep::Project(id) => (2u8, id),
        };
        let mut h = DefaultHasher::new();
        (kind, id).hash(&mut h);
        GLOBALS + (h.finish() as usize) % (SLOTS - GLOBALS)
    }

    /// Read before the records are read: a write committed in between leaves the entry
    /// stamped older than the bump that follows the commit, so it is never served.
    pub fn stamp(&self, deps: &[Dep]) -> Stamp {
        let mut slots: Vec<usize> = deps.iter().map(Self::slot).collect();
        slots.push(EVERYTHING);
        slots.sort_unstable();
        slots.dedup();
        Stamp(
            slots
                .into_iter()
                .map(|s| (s as u32, self.slots[s].load(Ordering::SeqCst)))
                .collect(),
        )
    }

    pub fn is_current(&self, stamp: &Stamp) -> bool {
        stamp
            .0
            .iter()
            .all(|(s, v)| self.slots[*s as usize].load(Ordering::SeqCst) == *v)
    }

    fn bump_slot(&self, slot: usize) {
        self.slots[slot].fetch_add(1, Ordering::SeqCst);
    }

    /// Every cached validation is stale (another node wrote: which records is not known).
    pub fn bump_all(&self) {
        self.bump_slot(EVERYTHING);
    }

    pub fn bump(&self, dep: Dep) {
        self.bump_slot(Self::slot(&dep));
    }

    /// Bumps whatever a write to `key` of `table` can change in a validated token.
    pub fn bump_for(&self, table: &str, key: &str) {
        let is = |t: Table| t.name() == table;
        if is(tables::USERS) {
            self.bump(Dep::User(key));
        } else if is(tables::EXPIRING_MEMBERSHIPS) {
            // user SEP group: a mapped membership counts for the user's roles (every
            // validation of that user's tokens stamps Dep::User); its lapse is bounded
            // by `AuthContext::roles_valid_until`.
            if let Some((user_id, _)) = key.split_once(SEP) {
                self.bump(Dep::User(user_id));
            }
        } else if is(tables::DOMAINS) {
            self.bump(Dep::Domain(key));
        } else if is(tables::PROJECTS) {
            self.bump(Dep::Project(key));
        } else if is(tables::PROJECT_CHILDREN) {
            // A project's place in the tree decides which inherited roles reach it.
            for id in key.split(SEP) {
                self.bump(Dep::Project(id));
            }
        } else if [
            tables::ASSIGNMENTS,
            tables::ROLES,
            tables::IMPLIED_ROLES,
            tables::USER_GROUPS,
            tables::GROUP_USERS,
        ]
        .into_iter()
        .any(is)
        {
            self.bump_slot(ASSIGNMENTS);
        } else if [
            tables::TRUSTS,
            tables::APP_CREDS,
            tables::ACCESS_RULES,
            tables::OAUTH1_CONSUMERS,
            tables::OAUTH1_ACCESS_TOKENS,
        ]
        .into_iter()
        .any(is)
        {
            self.bump_slot(DELEGATION);
        } else if [
            tables::SERVICES,
            tables::ENDPOINTS,
            tables::PROJECT_ENDPOINTS,
            tables::ENDPOINT_PROJECTS,
            tables::ENDPOINT_GROUPS,
            tables::PROJECT_ENDPOINT_GROUPS,
            tables::ENDPOINT_GROUP_PROJECTS,
        ]
        .into_iter()
        .any(is)
        {
            self.bump_slot(CATALOG);
        } else if !NO_TOKEN_EFFECT.iter().any(|t| is(*t)) {
            self.bump_slot(EVERYTHING);
        }
    }
}

/// Tables no validated token reads (name indexes change with their record, which bumps;
/// revocations are checked on every validation, not cached).
const NO_TOKEN_EFFECT: &[Table] = &[
    tables::DOMAIN_NAMES,
    tables::PROJECT_NAMES,
    tables::USER_NAMES,
    tables::GROUPS,
    tables::GROUP_NAMES,
    tables::ROLE_NAMES,
    tables::REGIONS,
    tables::REVOCATIONS,
    tables::META,
    tables::POLICIES,
    tables::POLICY_ASSOCIATIONS,
    tables::DOMAIN_CONFIGS,
    tables::REGISTERED_LIMITS,
    tables::LIMITS,
    tables::CREDENTIALS,
    tables::OAUTH1_REQUEST_TOKENS,
    tables::APP_CRED_NAMES,
    // Written by every federated login; validation reads none of these (mapped memberships
    // are EXPIRING_MEMBERSHIPS, bumped per user above; this is its reverse index).
    tables::FEDERATED_IDENTITIES,
    tables::USER_FEDERATED_IDENTITIES,
    tables::GROUP_EXPIRING_MEMBERS,
    // Huawei access keys sign requests, which are resolved per request (src/api/huawei/
    // signed.rs); no validated token reads them. A key issue must not empty the cache (of
    // every node, on PostgreSQL).
    crate::store::iam::access_keys::ACCESS_KEYS,
    crate::store::iam::access_keys::USER_ACCESS_KEYS,
    crate::store::iam::access_keys::TEMP_ACCESS_KEYS,
    crate::store::iam::access_keys::TEMP_KEY_EXPIRY,
    crate::store::iam::access_keys::USER_TEMP_KEYS,
];

/// The keys one write transaction touched, and the revocation events it appended.
#[derive(Default)]
pub struct Touched {
    pub keys: Vec<(String, String)>,
    pub revocations: Vec<(String, Vec<u8>)>,
}

/// A write transaction that notes what it touches.
pub struct Tx<'a> {
    pub(super) tx: &'a super::WriteTx,
    pub(super) touched: RefCell<Touched>,
}

impl Tx<'_> {
    pub(super) fn note(&self, table: Table, key: &str, value: Option<&[u8]>) {
        let mut touched = self.touched.borrow_mut();
        if table.name() == tables::REVOCATIONS.name() {
            if let Some(v) = value {
                touched.revocations.push((key.to_string(), v.to_vec()));
            }
            return;
        }
        touched
            .keys
            .push((table.name().to_string(), key.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_bumps_only_what_depends_on_it() {
        let v = Versions::default();
        let alice = v.stamp(&[Dep::User("alice"), Dep::Assignments]);
        let bob = v.stamp(&[Dep::User("bob")]);
        v.bump_for(tables::USERS.name(), "alice");
        v.bump_for(tables::REGIONS.name(), "r1");
        assert!(!v.is_current(&alice));
        assert!(v.is_current(&bob));
        v.bump_for(tables::ASSIGNMENTS.name(), "x");
        assert!(v.is_current(&bob));
        v.bump_for(
            crate::store::iam::access_keys::TEMP_ACCESS_KEYS.name(),
            "AK",
        );
        assert!(
            v.is_current(&bob),
            "issuing an access key drops no validation"
        );
        v.bump_for("some-new-table-1", "x");
        assert!(
            !v.is_current(&bob),
            "an unclassified write is a global bump"
        );
    }
}
