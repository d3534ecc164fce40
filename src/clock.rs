//! The wall clock, read in one place so handlers read it once per request.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_secs() -> i64 {
    now_f64() as i64
}

pub fn now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
