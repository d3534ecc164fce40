//! The wall clock, owned by `App` and read once per request (`Request::now`); `now` is passed
//! down from there, so expiry rules are tested with a fixed clock instead of sleeping.

use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    /// Unix seconds to answer instead of the system time (tests).
    fixed: Option<f64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    pub fn fixed(unix_seconds: f64) -> Clock {
        Clock {
            fixed: Some(unix_seconds),
        }
    }

    /// Unix seconds, with sub-second precision.
    pub fn now(&self) -> f64 {
        self.fixed.unwrap_or_else(now_f64)
    }

    pub fn now_secs(&self) -> i64 {
        self.now() as i64
    }
}

/// The system time. Request code never calls this: the worker reads `App.clock` once per
/// request into `Request::now` and passes that down.
pub fn now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `unix` as UTC with microseconds: `YYYY-MM-DD{sep}HH:MM:SS.ffffff{zone}` (Python's
/// `isoformat`-style renderings upstream uses: "T"/"Z" for `isotime(subsecond=True)`,
/// "T"/"+0000" for CADF event times, " "/"" for oslo.messaging's timestamp).
pub fn format_utc_micros(unix: f64, sep: &str, zone: &str) -> String {
    let micros = (unix * 1_000_000.0).round() as i128;
    let dt = time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}.{:06}{zone}",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.microsecond()
    )
}
