//! Huawei virtual MFA devices and login protection, one of each per user: the device's seed
//! is kept encrypted (the service encrypts it with `app.credential_keys` before it gets here).

use serde::{Deserialize, Serialize};

use crate::store::tables::Table;
use crate::store::{Reader, StoreResult, Writer};
use redb::TableDefinition;

/// user_id -> MfaDevice
pub const MFA_DEVICES: Table = TableDefinition::new("iam-mfa-devices-1");
/// serial_number -> user_id (serials are unique: "iam:<domain_id>:mfa/<name>")
pub const MFA_SERIALS: Table = TableDefinition::new("iam-mfa-serials-1");
/// user_id -> LoginProtect
pub const LOGIN_PROTECTS: Table = TableDefinition::new("iam-login-protects-1");

/// A user's virtual MFA device. `Debug` leaves the (encrypted) seed out.
#[derive(Clone, Serialize, Deserialize)]
pub struct MfaDevice {
    pub user_id: String,
    pub domain_id: String,
    pub serial_number: String,
    /// The base32 seed, Fernet-encrypted with the credential keys.
    pub encrypted_seed: String,
    /// Bound (two consecutive codes proven) devices count as a second factor.
    pub bound: bool,
}

impl std::fmt::Debug for MfaDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MfaDevice {{ user_id: {}, serial_number: {}, bound: {} }}",
            self.user_id, self.serial_number, self.bound
        )
    }
}

/// A user's login protection (Huawei's second factor at console/password login).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoginProtect {
    pub user_id: String,
    pub domain_id: String,
    pub enabled: bool,
    pub verification_method: String,
}

pub fn get_device(r: &impl Reader, user_id: &str) -> StoreResult<Option<MfaDevice>> {
    r.get(MFA_DEVICES, user_id)
}

pub fn user_of_serial(r: &impl Reader, serial: &str) -> StoreResult<Option<String>> {
    Ok(r.get_bytes(MFA_SERIALS, serial)?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

pub fn list_devices(r: &impl Reader) -> StoreResult<Vec<MfaDevice>> {
    r.list(MFA_DEVICES)
}

/// Creates or replaces the user's device (and its serial's index entry).
pub fn put_device(w: &impl Writer, device: &MfaDevice) -> StoreResult<()> {
    w.put(MFA_DEVICES, &device.user_id, device)?;
    w.put_bytes(
        MFA_SERIALS,
        &device.serial_number,
        device.user_id.as_bytes(),
    )
}

/// Removes the user's device, if any; whether there was one.
pub fn delete_device(w: &impl Writer, user_id: &str) -> StoreResult<bool> {
    let Some(device) = get_device(w, user_id)? else {
        return Ok(false);
    };
    w.remove(MFA_SERIALS, &device.serial_number)?;
    w.remove(MFA_DEVICES, user_id)
}

pub fn get_protect(r: &impl Reader, user_id: &str) -> StoreResult<Option<LoginProtect>> {
    r.get(LOGIN_PROTECTS, user_id)
}

pub fn list_protects(r: &impl Reader) -> StoreResult<Vec<LoginProtect>> {
    r.list(LOGIN_PROTECTS)
}

pub fn put_protect(w: &impl Writer, protect: &LoginProtect) -> StoreResult<()> {
    w.put(LOGIN_PROTECTS, &protect.user_id, protect)
}

/// The user-delete cascade: its device and its login protection go with it.
pub fn delete_for_user(w: &impl Writer, user_id: &str) -> StoreResult<()> {
    delete_device(w, user_id)?;
    w.remove(LOGIN_PROTECTS, user_id)?;
    Ok(())
}
