//! Admin commands, `keystone-lite <command> ...`, as keystone-manage's: the binary hands its
//! arguments here when the first one names a command, before any server flag is parsed.

mod backup;
mod bootstrap;
mod check_seed;
mod common;
mod doctor;
mod export;
mod import;
mod keys;
mod mapping_engine;
pub mod snapshot;
mod trust_flush;

/// The commands, by the name the first argument gives.
const COMMANDS: &[&str] = &[
    "mapping-engine",
    "bootstrap",
    "fernet-setup",
    "fernet-rotate",
    "receipt-setup",
    "receipt-rotate",
    "credential-setup",
    "credential-rotate",
    "credential-migrate",
    "trust-flush",
    "doctor",
    "check-seed",
    "export",
    "backup",
    "import",
];

/// Whether `first` (the first argument) names an admin command.
pub fn is_command(first: &str) -> bool {
    COMMANDS.contains(&first)
}

/// Runs the command `args[0]` with the rest of `args`; the process's exit status.
pub fn run(args: Vec<String>) -> i32 {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("mapping-engine") => mapping_engine::run(args.collect()),
        Some("export") => export::run(args.collect()),
        Some("backup") => backup::run(args.collect()),
        Some("import") => import::run(args.collect()),
        Some("bootstrap") => bootstrap::run(args.collect()),
        Some(c @ ("fernet-setup" | "receipt-setup")) => keys::fernet_setup(c, args.collect()),
        Some(c @ ("fernet-rotate" | "receipt-rotate")) => keys::fernet_rotate(c, args.collect()),
        Some("credential-setup") => keys::credential_setup(args.collect()),
        Some("credential-rotate") => keys::credential_rotate(args.collect()),
        Some("credential-migrate") => keys::credential_migrate(args.collect()),
        Some("trust-flush") => trust_flush::run(args.collect()),
        Some("doctor") => doctor::run(args.collect()),
        Some("check-seed") => check_seed::run(args.collect()),
        other => {
            eprintln!(
                "keystone-lite: unknown command {:?} (commands: {})",
                other.unwrap_or_default(),
                COMMANDS.join(", ")
            );
            2
        }
    }
}
