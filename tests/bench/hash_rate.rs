//! The password-hash ceiling for the `issue` scenario: how many pbkdf2_sha512 verifications
//! (the configured rounds, 25,000 by default) two threads do per second on this machine, with
//! keystone-lite's own verify. `make bench` compares the issue rate with it.
//!
//!   cargo run --release --example hash_rate -- [ROUNDS] [SECONDS]

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(25_000);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let hash = match keystone_lite::password::hash_pbkdf2("adminpwd", rounds) {
        Ok(hash) => hash,
        Err(e) => {
            eprintln!("cannot hash: {e}");
            std::process::exit(1);
        }
    };
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let hash = hash.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    if keystone_lite::password::verify("adminpwd", &hash) {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    let rate = total as f64 / started.elapsed().as_secs_f64();
    println!("{rate:.1}");
}
