//! Failed-login rate limits, beyond upstream's lockout: a token bucket per (source address,
//! user) and one per source address, in memory. Only failures drain a bucket; an empty one
//! answers 429 before the password is even checked. A user attacked from one address still
//! logs in from another (no bucket is per user alone), and one address cannot try many
//! users quickly either.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// `[rate_limit]` in keystone.conf.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Failed logins one address may make for one user in a burst, and per minute after.
    pub per_user_burst: u32,
    pub per_user_per_minute: f64,
    /// Failed logins one address may make for all users together.
    pub per_source_burst: u32,
    pub per_source_per_minute: f64,
    /// Buckets kept per kind; past it, buckets that have refilled are dropped first.
    pub max_tracked: usize,
    /// Whether loopback peers are limited. Off by default: behind a reverse proxy on the same
    /// host every client is the loopback address, and limiting it would let one attacker
    /// throttle every user's logins through the proxy.
    pub limit_loopback: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            enabled: true,
            per_user_burst: 10,
            per_user_per_minute: 10.0,
            per_source_burst: 100,
            per_source_per_minute: 100.0,
            max_tracked: 100_000,
            limit_loopback: false,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date (Unix seconds).
    at: f64,
}

/// Token buckets by key, bounded in number.
struct Buckets<K> {
    capacity: f64,
    per_second: f64,
    max: usize,
    map: HashMap<K, Bucket>,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(burst: u32, per_minute: f64, max: usize) -> Self {
        Buckets {
            capacity: f64::from(burst.max(1)),
            per_second: (per_minute / 60.0).max(f64::MIN_POSITIVE),
            max: max.max(1),
            map: HashMap::new(),
        }
    }

    fn refilled(&self, b: Bucket, now: f64) -> f64 {
        (b.tokens + (now - b.at).max(0.0) * self.per_second).min(self.capacity)
    }

    /// Seconds until the key's bucket holds one token again; None when it holds one now.
    fn wait(&self, key: &K, now: f64) -> Option<f64> {
        let tokens = self.refilled(*self.map.get(key)?, now);
        (tokens < 1.0).then(|| (1.0 - tokens) / self.per_second)
    }

    fn drain(&mut self, key: &K, now: f64) {
        if !self.map.contains_key(key) && self.map.len() >= self.max {
            self.make_room(now);
        }
        let bucket = self.map.get(key).copied();
        let tokens = bucket.map_or(self.capacity, |b| self.refilled(b, now));
        self.map.insert(
            key.clone(),
            Bucket {
                tokens: (tokens - 1.0).max(0.0),
                at: now,
            },
        );
    }

    /// Drops buckets that have refilled (they hold no memory of failures); if that is not
    /// enough, drops half of the rest, in the map's random order.
    fn make_room(&mut self, now: f64) {
        let (capacity, per_second) = (self.capacity, self.per_second);
        self.map.retain(|_, b| {
            (b.tokens + (now - b.at).max(0.0) * per_second).min(capacity) < capacity
        });
        if self.map.len() >= self.max {
            let keep = self.max / 2;
            let mut n = 0;
            self.map.retain(|_, _| {
                n += 1;
                n <= keep
            });
        }
    }
}

struct State {
    per_user: Buckets<(IpAddr, String)>,
    per_source: Buckets<IpAddr>,
}

pub struct LoginLimiter {
    enabled: bool,
    limit_loopback: bool,
    state: Mutex<State>,
}

impl LoginLimiter {
    pub fn new(cfg: &RateLimitConfig) -> LoginLimiter {
        LoginLimiter {
            enabled: cfg.enabled,
            limit_loopback: cfg.limit_loopback,
            state: Mutex::new(State {
                per_user: Buckets::new(
                    cfg.per_user_burst,
                    cfg.per_user_per_minute,
                    cfg.max_tracked,
                ),
                per_source: Buckets::new(
                    cfg.per_source_burst,
                    cfg.per_source_per_minute,
                    cfg.max_tracked,
                ),
            }),
        }
    }

    /// 429 when this source has failed too often, for this user or for all of them. A
    /// request without a known source is not limited (nothing to tell sources apart by).
    pub fn check(&self, source: Option<IpAddr>, user: &str, now: f64) -> Result<()> {
        let Some(source) = self.limited_source(source) else {
            return Ok(());
        };
        let state = self.lock();
        let key = (source, user.to_string());
        let wait = [
            state.per_user.wait(&key, now),
            state.per_source.wait(&source, now),
        ]
        .into_iter()
        .flatten()
        .fold(None, |acc: Option<f64>, w| {
            Some(acc.map_or(w, |a| a.max(w)))
        });
        match wait {
            Some(seconds) => {
                log::warn!("failed logins from {source} over the rate limit; refused");
                Err(Error::TooManyRequests {
                    retry_after: seconds.ceil().max(1.0) as u64,
                })
            }
            None => Ok(()),
        }
    }

    /// Runs a login attempt under the limits: refused with 429 while over them, and a 401
    /// counts against them.
    pub fn guard<T>(
        &self,
        source: Option<IpAddr>,
        user: &str,
        now: f64,
        attempt: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        self.check(source, user, now)?;
        let outcome = attempt();
        if matches!(outcome, Err(Error::Unauthorized(_))) {
            self.failed(source, user, now);
        }
        outcome
    }

    /// Counts one failed login of `user` from `source`.
    pub fn failed(&self, source: Option<IpAddr>, user: &str, now: f64) {
        let Some(source) = self.limited_source(source) else {
            return;
        };
        let mut state = self.lock();
        state.per_user.drain(&(source, user.to_string()), now);
        state.per_source.drain(&source, now);
    }

    /// The source to count against, or None when this request is not limited.
    fn limited_source(&self, source: Option<IpAddr>) -> Option<IpAddr> {
        let source = source?.to_canonical();
        let exempt = !self.enabled || (source.is_loopback() && !self.limit_loopback);
        (!exempt).then_some(source)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is counters only: a panic elsewhere cannot leave them inconsistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(user: u32, source: u32) -> LoginLimiter {
        LoginLimiter::new(&RateLimitConfig {
            per_user_burst: user,
            per_user_per_minute: 6.0,
            per_source_burst: source,
            per_source_per_minute: 60.0,
            limit_loopback: true,
            ..RateLimitConfig::default()
        })
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn a_source_is_refused_for_one_user_while_another_source_is_not() {
        let l = limiter(3, 100);
        for _ in 0..3 {
            assert!(l.check(ip("10.0.0.1"), "u", 0.0).is_ok());
            l.failed(ip("10.0.0.1"), "u", 0.0);
        }
        let refused = l.check(ip("10.0.0.1"), "u", 0.0);
        assert!(matches!(
            refused,
            Err(Error::TooManyRequests { retry_after: 10 })
        ));
        assert!(l.check(ip("10.0.0.2"), "u", 0.0).is_ok());
        assert!(l.check(ip("10.0.0.1"), "v", 0.0).is_ok());
        // One token back after 10 s (6 a minute).
        assert!(l.check(ip("10.0.0.1"), "u", 10.0).is_ok());
    }

    #[test]
    fn a_source_trying_many_users_is_refused() {
        let l = limiter(100, 5);
        for n in 0..5 {
            l.failed(ip("10.0.0.1"), &format!("u{n}"), 0.0);
        }
        assert!(l.check(ip("10.0.0.1"), "fresh", 0.0).is_err());
        assert!(l.check(ip("10.0.0.2"), "fresh", 0.0).is_ok());
    }

    #[test]
    fn the_tables_stay_bounded() {
        let l = LoginLimiter::new(&RateLimitConfig {
            max_tracked: 100,
            ..RateLimitConfig::default()
        });
        for n in 0..10_000u32 {
            let source = IpAddr::from(n.to_be_bytes());
            l.failed(Some(source), "u", 0.0);
        }
        let state = l.lock();
        assert!(state.per_user.map.len() <= 100 && state.per_source.map.len() <= 100);
    }

    #[test]
    fn disabled_or_sourceless_is_never_limited() {
        let mut cfg = RateLimitConfig {
            per_user_burst: 1,
            ..RateLimitConfig::default()
        };
        let l = LoginLimiter::new(&cfg);
        l.failed(None, "u", 0.0);
        l.failed(None, "u", 0.0);
        assert!(l.check(None, "u", 0.0).is_ok());
        cfg.enabled = false;
        let off = LoginLimiter::new(&cfg);
        off.failed(ip("10.0.0.1"), "u", 0.0);
        assert!(off.check(ip("10.0.0.1"), "u", 0.0).is_ok());
    }
}
