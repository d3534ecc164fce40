//! Huawei virtual MFA devices (OS-MFA) and login protection (OS-USER login-protect), and the
//! two places they act on POST /v3/auth/tokens: a bound device's code counts for the `totp`
//! method next to a password, and `vmfa` login protection refuses a password alone.
//!
//! Codes are RFC 6238 (HMAC-SHA1, 30 s, 6 digits), computed by the `totp` auth method's own
//! code (src/api/v3/totp.rs), at the request's time. The seed is shown once, by create, and
//! kept encrypted with the credential keys; decryption and code checks run outside any write
//! transaction, and each write re-reads the device it changes.

use crate::api::v3::totp;
use crate::app::App;
use crate::error::{Error, Result};
use crate::store::iam::mfa::{self as store, LoginProtect, MfaDevice};
use crate::store::identity;

/// Huawei's verification methods of login protection.
pub const VERIFICATION_METHODS: &[&str] = &["sms", "email", "vmfa"];
/// What a user without a login-protect record reports (Terraform reads "none" as unset).
pub const NO_METHOD: &str = "none";

fn bad(message: impl Into<String>) -> Error {
    Error::Iam {
        status: 400,
        code: "IAM.0007",
        message: message.into(),
    }
}

fn conflict(message: impl Into<String>) -> Error {
    Error::Iam {
        status: 409,
        code: "IAM.0005",
        message: message.into(),
    }
}

/// RFC 4648 base32 without padding (what authenticator apps read).
fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            let index = (bits >> (35 - 5 * i)) & 0x1f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// A fresh 160-bit seed (RFC 4226's recommended length), base32.
fn new_seed() -> Result<String> {
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes).map_err(Error::internal)?;
    Ok(base32_encode(&bytes))
}

fn is_six_digits(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The device's passcodes for the current step and `steps_back` steps before it.
fn codes_of(app: &App, device: &MfaDevice, now: f64, steps_back: u32) -> Result<Vec<String>> {
    let seed = app.credential_keys.decrypt(&device.encrypted_seed)?;
    totp::passcodes(&seed, now, steps_back)
        .ok_or_else(|| Error::internal("a stored MFA seed is not base32"))
}

/// POST /v3.0/OS-MFA/virtual-mfa-devices: the serial number and the seed (shown only here).
/// One device per user: a second one is 409 until the first is deleted.
pub fn create_device(app: &App, user_id: &str, name: &str) -> Result<(String, String)> {
    let seed = new_seed()?;
    let (encrypted_seed, _) = app.credential_keys.encrypt(&seed)?;
    let serial = app.store.write(|w| -> Result<String> {
        let user = identity::require_user(w, user_id)?;
        let serial_number = format!("iam:{}:mfa/{}", user.domain_id, name);
        if store::get_device(w, user_id)?.is_some() {
            return Err(conflict("The user already has a virtual MFA device."));
        }
        if store::user_of_serial(w, &serial_number)?.is_some() {
            return Err(conflict(format!(
                "A virtual MFA device named {name} already exists in the account."
            )));
        }
        store::put_device(
            w,
            &MfaDevice {
                user_id: user_id.to_string(),
                domain_id: user.domain_id,
                serial_number: serial_number.clone(),
                encrypted_seed: encrypted_seed.clone(),
                bound: false,
            },
        )?;
        Ok(serial_number)
    })?;
    Ok((serial, seed))
}

/// The user's device with this serial number, or 404.
fn device_with_serial(app: &App, user_id: &str, serial: &str) -> Result<MfaDevice> {
    app.store
        .read(|r| store::get_device(r, user_id))?
        .filter(|d| d.serial_number == serial)
        .ok_or_else(|| Error::not_found("virtual MFA device", serial))
}

/// Sets `bound` on the device the caller checked, if it is still that device.
fn set_bound(
    app: &App,
    checked: &MfaDevice,
    bound: bool,
    also: fn(&crate::store::Tx, &MfaDevice) -> Result<()>,
) -> Result<()> {
    app.store.write(|w| {
        let device = store::get_device(w, &checked.user_id)?
            .filter(|d| d.encrypted_seed == checked.encrypted_seed)
            .ok_or_else(|| Error::not_found("virtual MFA device", &checked.serial_number))?;
        if device.bound == bound {
            let state = if bound { "already bound" } else { "not bound" };
            return Err(bad(format!("The virtual MFA device is {state}.")));
        }
        also(w, &device)?;
        Ok(store::put_device(w, &MfaDevice { bound, ..device })?)
    })
}

/// PUT /v3.0/OS-MFA/mfa-devices/bind: two consecutive codes, the second the current one (or
/// the one before, for a slow submit).
pub fn bind(
    app: &App,
    user_id: &str,
    serial: &str,
    first: &str,
    second: &str,
    now: f64,
) -> Result<()> {
    let device = device_with_serial(app, user_id, serial)?;
    let codes = codes_of(app, &device, now, 2)?;
    let ok = is_six_digits(first)
        && is_six_digits(second)
        && (0..2).any(|k| codes[k] == second && codes.get(k + 1).is_some_and(|c| c == first));
    if !ok {
        return Err(bad("The authentication codes are incorrect."));
    }
    set_bound(app, &device, true, |_, _| Ok(()))
}

/// PUT /v3.0/OS-MFA/mfa-devices/unbind. `by_self`: the user's own call, which must give a
/// real code; an administrator's any six digits (Huawei's rule: it is how a lost device is
/// recovered). Refused while login protection uses the device.
pub fn unbind(
    app: &App,
    user_id: &str,
    serial: &str,
    code: &str,
    by_self: bool,
    now: f64,
) -> Result<()> {
    let device = device_with_serial(app, user_id, serial)?;
    if !is_six_digits(code) {
        return Err(bad("The authentication code must be 6 digits."));
    }
    if by_self
        && !codes_of(app, &device, now, totp::INCLUDED_PREVIOUS_WINDOWS)?
            .iter()
            .any(|c| c == code)
    {
        return Err(bad("The authentication code is incorrect."));
    }
    set_bound(app, &device, false, |w, device| {
        if uses_vmfa(store::get_protect(w, &device.user_id)?.as_ref()) {
            return Err(bad(
                "Login protection uses this virtual MFA device: change its verification method first.",
            ));
        }
        Ok(())
    })
}

/// DELETE /v3.0/OS-MFA/virtual-mfa-devices: an unbound device only (unbind it first).
pub fn delete_device(app: &App, user_id: &str, serial: &str) -> Result<()> {
    app.store.write(|w| {
        let device = store::get_device(w, user_id)?
            .filter(|d| d.serial_number == serial)
            .ok_or_else(|| Error::not_found("virtual MFA device", serial))?;
        if device.bound {
            return Err(bad("The virtual MFA device is bound: unbind it first."));
        }
        store::delete_device(w, user_id)?;
        Ok(())
    })
}

/// The (serial_number, user_id) of every device in `domain_id` (every device for None).
pub fn list_devices(app: &App, domain_id: Option<&str>) -> Result<Vec<(String, String)>> {
    let devices = app.store.read(store::list_devices)?;
    Ok(devices
        .into_iter()
        .filter(|d| domain_id.is_none_or(|id| id == d.domain_id))
        .map(|d| (d.serial_number, d.user_id))
        .collect())
}

/// The user's device's serial number, or 404.
pub fn show_device(app: &App, user_id: &str) -> Result<String> {
    app.store
        .read(|r| store::get_device(r, user_id))?
        .map(|d| d.serial_number)
        .ok_or_else(|| Error::not_found("virtual MFA device of user", user_id))
}

fn uses_vmfa(protect: Option<&LoginProtect>) -> bool {
    protect.is_some_and(|p| p.enabled && p.verification_method == "vmfa")
}

fn default_protect(user_id: &str, domain_id: &str) -> LoginProtect {
    LoginProtect {
        user_id: user_id.to_string(),
        domain_id: domain_id.to_string(),
        enabled: false,
        verification_method: NO_METHOD.to_string(),
    }
}

/// GET /v3.0/OS-USER/users/{user_id}/login-protect (a user without one: disabled, "none").
pub fn show_protect(app: &App, user_id: &str) -> Result<LoginProtect> {
    app.store.read(|r| -> Result<LoginProtect> {
        let user = identity::require_user(r, user_id)?;
        Ok(store::get_protect(r, user_id)?
            .unwrap_or_else(|| default_protect(user_id, &user.domain_id)))
    })
}

/// GET /v3.0/OS-USER/login-protects: every user of the account (of every account for None).
pub fn list_protects(app: &App, domain_id: Option<&str>) -> Result<Vec<LoginProtect>> {
    app.store.read(|r| -> Result<Vec<LoginProtect>> {
        let mut out = Vec::new();
        for user in identity::list_users(r)? {
            if domain_id.is_some_and(|id| id != user.domain_id) {
                continue;
            }
            out.push(
                store::get_protect(r, &user.id)?
                    .unwrap_or_else(|| default_protect(&user.id, &user.domain_id)),
            );
        }
        Ok(out)
    })
}

/// PUT /v3.0/OS-USER/users/{user_id}/login-protect: `vmfa` needs a bound device.
pub fn update_protect(
    app: &App,
    user_id: &str,
    enabled: bool,
    method: &str,
) -> Result<LoginProtect> {
    if !VERIFICATION_METHODS.contains(&method) {
        return Err(bad("verification_method must be one of sms, email, vmfa."));
    }
    app.store.write(|w| {
        let user = identity::require_user(w, user_id)?;
        if method == "vmfa" && !store::get_device(w, user_id)?.is_some_and(|d| d.bound) {
            return Err(bad("The user has no bound virtual MFA device."));
        }
        let protect = LoginProtect {
            user_id: user_id.to_string(),
            domain_id: user.domain_id,
            enabled,
            verification_method: method.to_string(),
        };
        store::put_protect(w, &protect)?;
        Ok(protect)
    })
}

/// Whether `passcode` is a current code of the user's bound device (the `totp` method's
/// Huawei source; no device or an unbound one: false).
pub fn device_code_matches(app: &App, user_id: &str, passcode: &str, now: f64) -> Result<bool> {
    let device = app.store.read(|r| store::get_device(r, user_id))?;
    let Some(device) = device.filter(|d| d.bound) else {
        return Ok(false);
    };
    let codes = codes_of(app, &device, now, totp::INCLUDED_PREVIOUS_WINDOWS)?;
    Ok(codes.iter().any(|c| c == passcode))
}

/// Huawei login protection on POST /v3/auth/tokens: a user protected by `vmfa` who proved a
/// password but no `totp` is refused (401). `sms`/`email` protection is recorded, not
/// enforced: this server sends no messages, so enforcing them would lock the user out.
pub fn check_login_protection(app: &App, user_id: &str, methods: &[String]) -> Result<()> {
    let has = |m: &str| methods.iter().any(|x| x == m);
    if !has("password") || has("totp") {
        return Ok(());
    }
    if uses_vmfa(app.store.read(|r| store::get_protect(r, user_id))?.as_ref()) {
        return Err(Error::Unauthorized(
            "MFA is required: this user's login protection uses a virtual MFA device; \
             authenticate with methods [\"password\", \"totp\"] and the device's passcode."
                .to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips_through_the_totp_decoder() {
        let bytes: Vec<u8> = (0u8..20).map(|i| i.wrapping_mul(37)).collect();
        let encoded = base32_encode(&bytes);
        assert_eq!(encoded.len(), 32);
        assert_eq!(totp::base32_decode(&encoded).unwrap(), bytes);
        assert_eq!(base32_encode(b"foo"), "MZXW6");
    }
}
