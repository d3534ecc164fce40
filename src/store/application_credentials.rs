//! Application credentials and their access rules (upstream's application_credential
//! subsystem). Names are unique per user; an access rule belongs to one user and may be shared
//! by several of that user's credentials.

use super::error::{Kind, StoreError, StoreResult};
use super::tables::{key2, ACCESS_RULES, APP_CREDS, APP_CRED_NAMES};
use super::{Reader, Writer};
use crate::model::{AccessRule, ApplicationCredential};

pub fn get(r: &impl Reader, id: &str) -> StoreResult<Option<ApplicationCredential>> {
    r.get(APP_CREDS, id)
}

/// The credential, or upstream's 404.
pub fn require(r: &impl Reader, id: &str) -> StoreResult<ApplicationCredential> {
    get(r, id)?.ok_or_else(|| StoreError::not_found(Kind::ApplicationCredential, id))
}

pub fn find_by_name(
    r: &impl Reader,
    user_id: &str,
    name: &str,
) -> StoreResult<Option<ApplicationCredential>> {
    match r.get::<String>(APP_CRED_NAMES, &key2(user_id, name))? {
        Some(id) => get(r, &id),
        None => Ok(None),
    }
}

/// A user's credentials, by name.
pub fn list_for_user(r: &impl Reader, user_id: &str) -> StoreResult<Vec<ApplicationCredential>> {
    let mut out = Vec::new();
    let (start, end) = super::tables::prefix_range(user_id);
    for (_, v) in r.scan(APP_CRED_NAMES, Some((&start, &end)))? {
        let id: String = serde_json::from_slice(&v)?;
        if let Some(c) = get(r, &id)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Stores a new credential; 409 if the user already has one by that name.
pub fn create(w: &impl Writer, cred: &ApplicationCredential) -> StoreResult<()> {
    let name_key = key2(&cred.user_id, &cred.name);
    if w.exists(APP_CRED_NAMES, &name_key)? {
        return Err(StoreError::duplicate_name(
            Kind::ApplicationCredential,
            &cred.name,
            None,
        ));
    }
    w.put(APP_CRED_NAMES, &name_key, &cred.id)?;
    w.put(APP_CREDS, &cred.id, cred)
}

pub fn delete(w: &impl Writer, cred: &ApplicationCredential) -> StoreResult<()> {
    w.remove(APP_CRED_NAMES, &key2(&cred.user_id, &cred.name))?;
    w.remove(APP_CREDS, &cred.id)?;
    Ok(())
}

/// Deletes a user's credentials on one project (the user lost their roles there), or all of
/// them when `project_id` is None. Returns how many went.
pub fn delete_for_user(
    w: &impl Writer,
    user_id: &str,
    project_id: Option<&str>,
) -> StoreResult<usize> {
    let mut n = 0;
    for cred in list_for_user(w, user_id)? {
        if project_id.is_none_or(|p| cred.project_id.as_deref() == Some(p)) {
            delete(w, &cred)?;
            n += 1;
        }
    }
    Ok(n)
}

pub fn get_rule(r: &impl Reader, id: &str) -> StoreResult<Option<AccessRule>> {
    r.get(ACCESS_RULES, id)
}

/// A user's access rules, in id order.
pub fn list_rules_for_user(r: &impl Reader, user_id: &str) -> StoreResult<Vec<AccessRule>> {
    Ok(r.list::<AccessRule>(ACCESS_RULES)?
        .into_iter()
        .filter(|a| a.user_id == user_id)
        .collect())
}

/// The user's rule equal to (service, path, method), as upstream reuses it.
pub fn find_rule(
    r: &impl Reader,
    user_id: &str,
    service: Option<&str>,
    path: Option<&str>,
    method: Option<&str>,
) -> StoreResult<Option<AccessRule>> {
    Ok(list_rules_for_user(r, user_id)?.into_iter().find(|a| {
        a.service.as_deref() == service
            && a.path.as_deref() == path
            && a.method.as_deref() == method
    }))
}

pub fn put_rule(w: &impl Writer, rule: &AccessRule) -> StoreResult<()> {
    w.put(ACCESS_RULES, &rule.id, rule)
}

/// Whether any credential of the rule's user uses it.
pub fn rule_in_use(r: &impl Reader, rule: &AccessRule) -> StoreResult<bool> {
    Ok(list_for_user(r, &rule.user_id)?
        .iter()
        .any(|c| c.access_rule_ids.iter().flatten().any(|id| *id == rule.id)))
}

pub fn delete_rule(w: &impl Writer, id: &str) -> StoreResult<bool> {
    w.remove(ACCESS_RULES, id)
}

/// Upstream's rendering of an application credential's `expires_at`: naive ISO 8601 with
/// microseconds and no zone, e.g. "2099-01-01T00:00:00.000000".
pub fn format_micros(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let base = crate::token::format_time(secs as f64);
    // format_time gives "YYYY-MM-DDTHH:MM:SS.000000Z"
    format!("{}.{frac:06}", &base[..19])
}

/// Unix seconds (with fraction, as `token::parse_time` returns) to whole microseconds.
pub fn to_micros(secs: f64) -> i64 {
    (secs * 1e6).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_render_as_upstream() {
        assert_eq!(
            format_micros(4_070_908_800_000_000),
            "2099-01-01T00:00:00.000000"
        );
        assert_eq!(
            format_micros(1_795_467_641_123_456),
            "2026-11-23T21:00:41.123456"
        );
        let parsed = crate::token::parse_time("2026-11-23T21:00:41.123456").unwrap();
        assert_eq!(to_micros(parsed), 1_795_467_641_123_456);
    }
}
