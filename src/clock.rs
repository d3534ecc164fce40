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
