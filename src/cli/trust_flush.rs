//! `trust-flush`: deletes the trusts that expired before `--date` (DD-MM-YYYY, default now)
//! and those that can no longer be used (out of uses: upstream soft-deletes those), optionally
//! only those of `--project-id`, `--trustor-user-id`, `--trustee-user-id`; as upstream's
//! `flush_expired_and_soft_deleted_trusts`. Needs the store, so the server must be stopped.

use super::common::{self, Args};
use crate::store::trusts;

const FLAGS: &[&str] = &["project-id", "trustor-user-id", "trustee-user-id", "date"];

pub fn run(args: Vec<String>) -> i32 {
    common::finish("trust-flush", flush(args))
}

fn flush(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, FLAGS, &[])?;
    let date_us = match args.value("date") {
        Some(text) => parse_date(text)?,
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| e.to_string())?;
            i64::try_from(now.as_micros()).map_err(|e| e.to_string())?
        }
    };
    let store = common::open_store(&args.config)?;
    let matches = |value: &Option<String>, flag: &str| {
        args.value(flag)
            .is_none_or(|want| value.as_deref() == Some(want))
    };
    let deleted = store
        .write(|w| -> crate::store::StoreResult<usize> {
            let mut count = 0;
            for trust in trusts::list(w)? {
                let expired = trust.expires_at.is_some_and(|e| e < date_us);
                let used_up = trust.remaining_uses.is_some_and(|u| u <= 0);
                if (expired || used_up)
                    && matches(&trust.project_id, "project-id")
                    && matches(&Some(trust.trustor_user_id.clone()), "trustor-user-id")
                    && matches(&Some(trust.trustee_user_id.clone()), "trustee-user-id")
                {
                    count += trusts::delete(w, &trust.id)?.len();
                }
            }
            Ok(count)
        })
        .map_err(|e| e.to_string())?;
    println!("Deleted {deleted} expired or used-up trust(s)");
    Ok(())
}

/// Upstream's `--date` format, DD-MM-YYYY (midnight UTC), as Unix microseconds.
fn parse_date(text: &str) -> Result<i64, String> {
    let format = time::macros::format_description!("[day]-[month]-[year]");
    let date = time::Date::parse(text, &format)
        .map_err(|_| format!("'{text}' Invalid input for date, should be DD-MM-YYYY"))?;
    let at = date.midnight().assume_utc();
    Ok(at.unix_timestamp() * 1_000_000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn date_is_day_month_year() {
        assert_eq!(super::parse_date("02-01-1970").unwrap(), 86_400_000_000);
        assert!(super::parse_date("1970-01-02").is_err());
    }
}
