//! The keystone-lite binary: parse flags, start logging, run until SIGINT/SIGTERM.

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .target(env_logger::Target::Stderr)
        .init();
    let config = match keystone_lite::config::Config::from_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if let Err(message) = keystone_lite::run(config) {
        log::error!("{message}");
        std::process::exit(1);
    }
}
