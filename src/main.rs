//! The keystone-lite binary: parse flags, start logging, run until SIGINT/SIGTERM.

use std::io::{BufWriter, Write};
use std::time::Duration;

/// How long a log line may sit in the buffer before it reaches stderr.
const LOG_FLUSH_INTERVAL: Duration = Duration::from_millis(100);

fn main() {
    // Admin commands (keystone-manage's) run before, and instead of, the server's flags.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .first()
        .is_some_and(|first| keystone_lite::cli::is_command(first))
    {
        std::process::exit(keystone_lite::cli::run(args));
    }
    // One access-log line per request: written to a buffer that a background thread flushes
    // every LOG_FLUSH_INTERVAL, not one stderr write per request (a third of the validation
    // rate at 30,000+ requests/s).
    let stderr = BufWriter::with_capacity(64 * 1024, std::io::stderr());
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .target(env_logger::Target::Pipe(Box::new(stderr)))
        .init();
    std::thread::spawn(|| loop {
        std::thread::sleep(LOG_FLUSH_INTERVAL);
        log::logger().flush();
    });
    let config = match keystone_lite::config::Config::from_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let result = keystone_lite::run(config);
    if let Err(message) = &result {
        log::error!("{message}");
    }
    log::logger().flush();
    let _ = std::io::stderr().flush();
    if result.is_err() {
        std::process::exit(1);
    }
}
