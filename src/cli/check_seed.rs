//! `check-seed SEED...`: validates seeds without starting a server or touching a data dir.
//! Each is parsed (unknown fields are errors), then applied to a scratch store in a temporary
//! directory, which checks uniqueness, every reference and every password hash exactly as a
//! start-up would; the scratch store is removed afterwards. Exit 0 when all are valid, 1 with
//! one line per problem (`FILE:LINE: section[index]: problem`) otherwise.

use super::common::{self, Args};

pub fn run(args: Vec<String>) -> i32 {
    let args = match Args::parse(args, &[], &[]) {
        Ok(a) => a,
        Err(e) => return common::finish("check-seed", Err(e)),
    };
    let mut seeds = args.positional.clone();
    if seeds.is_empty() {
        // `check-seed --seed FILE` (or a [DEFAULT] seed in --config) works too.
        seeds.extend(args.config.seed.iter().map(|p| p.display().to_string()));
    }
    if seeds.is_empty() {
        return common::finish(
            "check-seed",
            Err("usage: keystone-lite check-seed SEED...".into()),
        );
    }
    let mut failed = false;
    for seed in &seeds {
        match check(&args, seed) {
            Ok(()) => println!("{seed}: OK"),
            Err(message) => {
                failed = true;
                eprintln!("{message}");
            }
        }
    }
    i32::from(failed)
}

fn check(args: &Args, path: &str) -> Result<(), String> {
    let text =
        crate::seed::SeedText::read(std::path::Path::new(path)).map_err(|e| e.to_string())?;
    let parsed = text.parse().map_err(|e| e.to_string())?;
    let scratch = std::env::temp_dir().join(format!(
        "keystone-lite-check-seed-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let result = (|| {
        let store = crate::store::Store::open(&scratch.join("keystone.redb"))
            .map_err(|e| format!("scratch store: {e}"))?;
        let hasher = common::hasher(&args.config);
        crate::seed::apply(&parsed, &store, &hasher, "http://localhost:5000")
            .map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
