//! Admin commands, `keystone-lite <command> ...`, as keystone-manage's: the binary hands its
//! arguments here when the first one names a command, before any server flag is parsed.

mod backup;
mod export;
mod import;
mod mapping_engine;
pub mod snapshot;

/// The commands, by the name the first argument gives.
const COMMANDS: &[&str] = &["mapping-engine", "export", "backup", "import"];

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
