//! Fernet tokens byte-compatible with upstream Keystone (30.x): the token data
//! model, audit ids, and the time rendering used in token bodies.
//!
//! `keys` manages the on-disk key repository (`keystone-manage fernet_setup` /
//! `fernet_rotate`), `payload` is the msgpack layout of
//! keystone/token/token_formatters.py, and `fernet` wraps both in Fernet
//! encryption as upstream's `TokenFormatter` does.

pub mod fernet;
pub mod keys;
pub mod payload;

use base64::Engine as _;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

pub use self::fernet::TokenCodec;

/// Why a token could not be made or read. `Invalid` deliberately carries no
/// detail: clients must not learn why a token was refused.
#[derive(Debug)]
pub enum TokenError {
    Invalid,
    NoKeys,
    Io(std::io::Error),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Invalid => f.write_str("invalid token"),
            TokenError::NoKeys => f.write_str("no Fernet keys in the key repository"),
            TokenError::Io(e) => write!(f, "key repository: {e}"),
        }
    }
}

impl std::error::Error for TokenError {}

impl From<std::io::Error> for TokenError {
    fn from(e: std::io::Error) -> Self {
        TokenError::Io(e)
    }
}

/// What a token is scoped to. An application credential token is
/// `Project` (or, as upstream can decode it, `Unscoped`) plus
/// `TokenData::app_cred_id`.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Unscoped,
    Project(String),
    Domain(String),
    /// Upstream only ever issues "all".
    System(String),
    Trust {
        project_id: String,
        trust_id: String,
    },
    /// An OAuth1-scoped token (payload version 7): a project through an access token.
    OAuth1 {
        project_id: String,
        access_token_id: String,
    },
    /// Huawei IAM agency token (keystone-lite's own payload version 100): the user assumed
    /// agency `agency_id`, and `scope` (a `Domain` or a `Project`) is of the agency's account.
    Agency {
        agency_id: String,
        scope: Box<Scope>,
    },
}

/// Everything a Fernet token carries.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenData {
    pub user_id: String,
    pub methods: Vec<String>,
    pub scope: Scope,
    /// `[own]` or `[own, parent]`, as upstream's `TokenModel.audit_ids`.
    pub audit_ids: Vec<String>,
    /// Unix seconds, the float stored in the payload.
    pub expires_at: f64,
    /// Unix seconds from the Fernet timestamp; ignored by `encode`.
    pub issued_at: i64,
    pub app_cred_id: Option<String>,
    /// Set for a federated token (payload versions 4, 5 and 6).
    pub federated: Option<FederatedToken>,
}

/// Where a federated token's user came from, and the groups its mapping gave it (upstream
/// keeps these groups in the token, not in the store).
#[derive(Debug, Clone, PartialEq)]
pub struct FederatedToken {
    pub idp_id: String,
    pub protocol_id: String,
    pub group_ids: Vec<String>,
}

/// A new audit id as upstream's `random_urlsafe_str()`: the 16 bytes of a
/// uuid4, urlsafe base64 with the `==` padding chopped (22 characters).
pub fn new_audit_id() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

/// Render a time as upstream's `isotime(at, subsecond=True)` does for
/// `expires_at` and `issued_at`: microseconds are always dropped, so the
/// fraction is always ".000000", e.g. "2026-11-23T21:00:41.000000Z".
///
/// Like `datetime.fromtimestamp` the float is first rounded (half to even) to
/// whole microseconds, then truncated to the second. Values outside what
/// `decode` accepts (years 1..=9999) render as the Unix epoch.
pub fn format_time(unix_seconds: f64) -> String {
    let dt = whole_second(unix_seconds)
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000000Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// The whole second upstream shows for a payload float, or None when Python's
/// `datetime` could not represent it (upstream then fails to validate).
pub(crate) fn whole_second(unix_seconds: f64) -> Option<i64> {
    // datetime's own limits: 0001-01-01T00:00:00 .. 9999-12-31T23:59:59.
    const MIN: f64 = -62_135_596_800.0;
    const MAX: f64 = 253_402_300_799.0;
    if !unix_seconds.is_finite() {
        return None;
    }
    let mut secs = unix_seconds.trunc();
    let micros = (unix_seconds.fract() * 1e6).round_ties_even();
    if micros >= 1e6 {
        secs += 1.0;
    } else if micros < 0.0 {
        // Negative times keep a positive microsecond part, as in Python.
        secs -= 1.0;
    }
    (MIN..=MAX).contains(&secs).then_some(secs as i64)
}

/// Parse an `expires_at` input (trusts, application credentials) as upstream's
/// `utils.parse_expiration_date` does, without the "in the past" check: a 'Z'
/// is appended unless present, then the `iso8601` module's grammar applies:
/// `YYYY(-M[M]|MM)(-D[D]|DD)[T ]hh[[:]mm][[:]s[s][(.|,)fraction]]Z`.
/// Numeric offsets are therefore refused, as upstream refuses them. Returns
/// Unix seconds with microseconds (the fraction is truncated, as upstream).
pub fn parse_time(s: &str) -> Option<f64> {
    let mut s = s.to_owned();
    if !s.ends_with('Z') {
        s.push('Z');
    }
    let b = s.as_bytes();
    let year = digits(b, 0, 4)?;
    // The regex's first match wins, trying alternatives in order and longest
    // repetitions first; validation of the values comes only after that.
    for (month, p) in part_options(b, 4) {
        for (day, p) in part_options(b, p) {
            if let Some((h, m, sec, us)) = time_of_day(b, p) {
                if year == 0 {
                    return None;
                }
                let date = Date::from_calendar_date(
                    year as i32,
                    Month::try_from(month as u8).ok()?,
                    u8::try_from(day).ok()?,
                )
                .ok()?;
                let t = Time::from_hms(h as u8, m as u8, sec as u8).ok()?;
                let unix = PrimitiveDateTime::new(date, t)
                    .assume_utc()
                    .unix_timestamp();
                return Some(unix as f64 + us as f64 / 1e6);
            }
        }
    }
    None
}

/// `n` ASCII digits at `at`, as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let d = b.get(at..at + n)?;
    d.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Month or day: `-D{1,2}` (two digits tried first) or exactly `DD`.
fn part_options(b: &[u8], at: usize) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    if b.get(at) == Some(&b'-') {
        for n in [2, 1] {
            if let Some(v) = digits(b, at + 1, n) {
                out.push((v, at + 1 + n));
            }
        }
    } else if let Some(v) = digits(b, at, 2) {
        out.push((v, at + 2));
    }
    out
}

/// `[T ]hh[[:]mm][[:]s[s][(.|,)f+]]Z` to the end, first match in regex order.
fn time_of_day(b: &[u8], at: usize) -> Option<(u32, u32, u32, u32)> {
    if !matches!(b.get(at), Some(b'T' | b' ')) {
        return None;
    }
    let hour = digits(b, at + 1, 2)?;
    let colon = |p: usize| p + usize::from(b.get(p) == Some(&b':'));
    let mut minutes = Vec::new();
    if let Some(m) = digits(b, colon(at + 3), 2) {
        minutes.push((m, colon(at + 3) + 2));
    }
    minutes.push((0, at + 3));
    for (minute, p) in minutes {
        let mut seconds = Vec::new();
        for n in [2, 1] {
            if let Some(s) = digits(b, colon(p), n) {
                seconds.push((s, colon(p) + n));
            }
        }
        for (second, q) in seconds {
            // A fraction is greedy and must be followed by the final 'Z'.
            if matches!(b.get(q), Some(b'.' | b',')) {
                let frac = &b[q + 1..b.len() - 1];
                if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) {
                    let us = frac
                        .iter()
                        .chain(std::iter::repeat(&b'0'))
                        .take(6)
                        .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
                    return Some((hour, minute, second, us));
                }
            }
            if q + 1 == b.len() {
                return Some((hour, minute, second, 0));
            }
        }
        if p + 1 == b.len() {
            return Some((hour, minute, 0, 0));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_id_is_22_urlsafe_chars_of_a_uuid4() {
        let id = new_audit_id();
        assert_eq!(id.len(), 22);
        assert!(id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&id)
            .unwrap();
        assert_eq!(raw[6] >> 4, 4, "uuid4 version nibble");
        assert_ne!(new_audit_id(), id);
    }

    #[test]
    fn format_time_drops_microseconds() {
        assert_eq!(format_time(1795467641.0), "2026-11-23T21:00:41.000000Z");
        assert_eq!(format_time(1795467641.75), "2026-11-23T21:00:41.000000Z");
        // fromtimestamp rounds to the microsecond first, which can carry.
        assert_eq!(
            format_time(1795467641.9999997),
            "2026-11-23T21:00:42.000000Z"
        );
        assert_eq!(format_time(0.0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(format_time(-0.5), "1969-12-31T23:59:59.000000Z");
        assert_eq!(whole_second(f64::NAN), None);
        assert_eq!(whole_second(1e12), None);
    }

    #[test]
    fn parse_time_accepts_upstream_forms() {
        let t = 1795467641.0;
        assert_eq!(parse_time("2026-11-23T21:00:41Z"), Some(t));
        assert_eq!(parse_time("2026-11-23T21:00:41"), Some(t));
        assert_eq!(parse_time("2026-11-23T21:00:41.000000Z"), Some(t));
        assert_eq!(parse_time("2026-11-23 21:00:41.5"), Some(t + 0.5));
        assert_eq!(parse_time("2026-11-23T21:00:41,25Z"), Some(t + 0.25));
        assert_eq!(
            parse_time("2026-11-23T21:00:41.1234567Z"),
            Some(t + 0.123456)
        );
        assert_eq!(parse_time("20261123T210041Z"), Some(t));
        assert_eq!(parse_time("2026-11-23T21:00"), Some(t - 41.0));
        assert_eq!(parse_time("2026-11-23T21"), Some(t - 41.0));
        assert_eq!(parse_time("2026-1-5T00:00:00Z"), Some(1767571200.0));
    }

    #[test]
    fn parse_time_refuses_what_upstream_refuses() {
        for bad in [
            "2026-11-23T21:00:41+00:00",
            "2026-11-23",
            "2026-11-23Z",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T21:00:60Z",
            "0000-01-01T00:00:00Z",
            "2026-11-23T21:00:41.Z",
            "tomorrow",
            "",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
