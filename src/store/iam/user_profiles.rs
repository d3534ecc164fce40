//! The Huawei-only fields of an IAM user (OS-USER): contact data, access mode, the
//! first-login password flag, the external identity and Huawei's times. The user itself is
//! the Keystone user in users-1; this record lives and dies with it (the user-delete cascade
//! removes it in the same transaction).

use redb::TableDefinition;
use serde::{Deserialize, Serialize};

use crate::store::tables::Table;
use crate::store::{Reader, StoreResult, Writer};

/// user_id -> UserProfile
pub const USER_PROFILES: Table = TableDefinition::new("iam-user-profiles-1");

/// A user's Huawei fields. Times are Unix seconds (rendered with microseconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserProfile {
    pub email: Option<String>,
    pub areacode: Option<String>,
    pub phone: Option<String>,
    /// "default" | "programmatic" | "console"
    pub access_mode: Option<String>,
    /// true: the password must be reset at first login.
    pub pwd_status: Option<bool>,
    pub xuser_type: Option<String>,
    pub xuser_id: Option<String>,
    /// "Low" | "Medium" | "High", judged when the password was set (never the password).
    pub pwd_strength: Option<String>,
    pub create_time: Option<f64>,
    pub update_time: Option<f64>,
    pub last_login_time: Option<f64>,
    pub modify_pwd_time: Option<f64>,
}

pub fn get(r: &impl Reader, user_id: &str) -> StoreResult<Option<UserProfile>> {
    r.get(USER_PROFILES, user_id)
}

pub fn put(w: &impl Writer, user_id: &str, profile: &UserProfile) -> StoreResult<()> {
    w.put(USER_PROFILES, user_id, profile)
}

/// Part of the user-delete cascade.
pub fn delete(w: &impl Writer, user_id: &str) -> StoreResult<()> {
    w.remove(USER_PROFILES, user_id).map(|_| ())
}
