//! The `totp` auth method (upstream's keystone/auth/plugins/totp.py): RFC 6238 with
//! HMAC-SHA1, 6 digits, 30-second steps, checked against every TOTP credential of the user
//! for the current step and `[totp] included_previous_windows` (1) steps before it.
//!
//! As upstream, a passcode may be used again while its window lasts: upstream keeps no record
//! of used passcodes, and neither do we (a client retrying within the window works the same
//! against both).

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha1::Sha1;

use crate::app::App;
use crate::error::{Error, Result};
use crate::model::User;
use crate::store::totp;

pub const PASSCODE_LENGTH: u32 = 6;
pub const PASSCODE_TIME_PERIOD: u64 = 30;
/// Upstream's `[totp] included_previous_windows` default.
pub const INCLUDED_PREVIOUS_WINDOWS: u32 = 1;

/// Python's `base64.b32decode` after upstream pads the seed to a multiple of 8: upper-case
/// RFC 4648 alphabet only; None where Python raises.
pub fn base32_decode(secret: &str) -> Option<Vec<u8>> {
    let mut s = secret.as_bytes().to_vec();
    while !s.len().is_multiple_of(8) {
        s.push(b'=');
    }
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    for chunk in s.chunks(8) {
        let pad = chunk.iter().rev().take_while(|c| **c == b'=').count();
        // Python accepts only these amounts of padding in the last quantum.
        if ![0, 1, 3, 4, 6].contains(&pad) {
            return None;
        }
        let mut bits: u64 = 0;
        for &c in &chunk[..8 - pad] {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'2'..=b'7' => c - b'2' + 26,
                _ => return None,
            };
            bits = (bits << 5) | u64::from(v);
        }
        bits <<= 5 * pad as u64;
        let bytes = bits.to_be_bytes();
        let keep = match pad {
            0 => 5,
            1 => 4,
            3 => 3,
            4 => 2,
            _ => 1,
        };
        out.extend_from_slice(&bytes[3..3 + keep]);
    }
    // Padding anywhere but the end is an error in Python.
    if s[..s.len().saturating_sub(8)].contains(&b'=') {
        return None;
    }
    Some(out)
}

/// RFC 6238's passcode for `key` at Unix time `at`.
pub fn passcode(key: &[u8], at: u64) -> Option<String> {
    let counter = at / PASSCODE_TIME_PERIOD;
    let mut mac = Hmac::<Sha1>::new_from_slice(key).ok()?;
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last()? & 0x0f);
    let slice: [u8; 4] = digest.get(offset..offset + 4)?.try_into().ok()?;
    let code = (u32::from_be_bytes(slice) & 0x7fff_ffff) % 10u32.pow(PASSCODE_LENGTH);
    Some(format!("{code:0width$}", width = PASSCODE_LENGTH as usize))
}

/// Upstream's `_generate_totp_passcodes`: now, then one period back per previous window.
pub fn passcodes(secret: &str, now: f64, previous_windows: u32) -> Option<Vec<String>> {
    let key = base32_decode(secret)?;
    let mut at = now;
    let mut out = Vec::new();
    for _ in 0..=previous_windows {
        if at >= 0.0 {
            out.push(passcode(&key, at as u64)?);
        }
        at -= PASSCODE_TIME_PERIOD as f64;
    }
    Some(out)
}

/// Checks a `totp` method's passcode for an already looked-up, enabled user.
/// A wrong passcode is upstream's plain 401; neither seed nor passcode is logged.
pub fn check_passcode(
    app: &App,
    user: &User,
    user_obj: &Map<String, Value>,
    now: f64,
) -> Result<()> {
    let given = user_obj.get("passcode").and_then(Value::as_str);
    let credentials = app
        .store
        .read(|r| totp::totp_credentials(r, &app.credential_keys, &user.id))?;
    let ok = given.is_some_and(|given| {
        credentials.iter().any(
            |c| match passcodes(&c.blob, now, INCLUDED_PREVIOUS_WINDOWS) {
                Some(codes) => codes.iter().any(|p| p == given),
                None => {
                    log::debug!("Base32 decode failed for TOTP credential {}", c.id);
                    false
                }
            },
        )
    });
    if ok {
        Ok(())
    } else {
        Err(Error::unauthenticated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA1 seed "12345678901234567890", last 6 digits.
        let key = b"12345678901234567890";
        for (t, want) in [
            (59u64, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(passcode(key, t).unwrap(), want, "t={t}");
        }
    }

    #[test]
    fn base32_as_python() {
        assert_eq!(
            base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(),
            b"12345678901234567890"
        );
        // Upstream pads short seeds itself.
        assert_eq!(base32_decode("MZXW6").unwrap(), b"foo");
        assert_eq!(base32_decode("MZXW6YQ").unwrap(), b"foob");
        // Lower case and foreign characters fail as in Python (no casefold).
        assert_eq!(base32_decode("mzxw6"), None);
        assert_eq!(base32_decode("MZ1W6"), None);
        assert_eq!(base32_decode("M"), None);
    }

    #[test]
    fn windows_reach_one_period_back() {
        let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let codes = passcodes(seed, 1111111111.0, 1).unwrap();
        assert_eq!(codes.len(), 2);
        assert_eq!(codes[0], "050471");
        assert_eq!(
            codes[1],
            passcode(b"12345678901234567890", 1111111081).unwrap()
        );
        // A code two periods old is no longer accepted.
        let old = passcode(b"12345678901234567890", 1111111111 - 60).unwrap();
        assert!(!codes.contains(&old));
    }
}
