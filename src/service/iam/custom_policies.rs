//! Huawei custom policies (OS-ROLE): an account's own fine-grained policies. Each is a
//! domain-specific Keystone role of the account (so the Keystone grant routes grant it) with
//! its Huawei fields beside it (store::iam::role_details); the policy document is kept as the
//! client sent it. Two kinds share one body shape: cloud-service policies (Actions
//! "svc:resource:operation", Resource a list of URNs) and agency policies (Action
//! "iam:agencies:assume", Resource {"uri": ["/iam/agencies/<id>"]}).

use serde_json::{Map, Value};

use crate::clock::format_utc_micros;
use crate::error::{Error, Result};
use crate::model::{new_id, Role};
use crate::store::iam::role_details::{self, RoleDetails};
use crate::store::{assignment, Reader, Writer};

/// The catalog Huawei lists custom policies under.
pub const CUSTOM_CATALOG: &str = "CUSTOMED";

/// What a create/update body says, once checked.
#[derive(Debug, Clone)]
pub struct PolicyInput {
    pub display_name: String,
    pub kind: String,
    pub description: String,
    pub description_cn: Option<String>,
    pub policy: Value,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::Validation(message.into())
}

fn required_str<'a>(map: &'a Map<String, Value>, key: &str, max: usize) -> Result<&'a str> {
    let text = map
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("'{key}' is a required string.")))?;
    if text.is_empty() || text.chars().count() > max {
        return Err(invalid(format!("'{key}' must be 1 to {max} characters.")));
    }
    Ok(text)
}

/// One "service:resource:operation" action; `*` and `?` wildcards allowed in each part.
fn valid_action(action: &str) -> bool {
    let parts: Vec<&str> = action.split(':').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "*?_-".contains(c))
        })
}

/// An agency policy's Resource: {"uri": ["/iam/agencies/<agency id>", ...]}.
fn check_agency_resource(resource: &Map<String, Value>) -> Result<()> {
    let uris = resource
        .get("uri")
        .and_then(Value::as_array)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid("Resource 'uri' must be a non-empty list."))?;
    for uri in uris {
        let id = uri
            .as_str()
            .and_then(|u| u.strip_prefix("/iam/agencies/"))
            .unwrap_or("");
        if id.is_empty() || id.contains('/') {
            return Err(invalid("Resource uri must be '/iam/agencies/<agency_id>'."));
        }
    }
    Ok(())
}

fn check_statement(statement: &Value) -> Result<()> {
    let statement = statement
        .as_object()
        .ok_or_else(|| invalid("Each Statement must be an object."))?;
    let actions = statement
        .get("Action")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| invalid("'Action' must be a non-empty list."))?;
    for action in actions {
        if !action.as_str().is_some_and(valid_action) {
            return Err(invalid(format!(
                "Invalid Action {action}: expected 'service:resource:operation'."
            )));
        }
    }
    match statement.get("Effect").and_then(Value::as_str) {
        Some("Allow") | Some("Deny") => {}
        _ => return Err(invalid("'Effect' must be 'Allow' or 'Deny'.")),
    }
    if statement.get("Condition").is_some_and(|c| !c.is_object()) {
        return Err(invalid("'Condition' must be an object."));
    }
    match statement.get("Resource") {
        None => Ok(()),
        Some(Value::Array(urns)) if urns.iter().all(Value::is_string) => Ok(()),
        Some(Value::Object(resource)) => {
            if actions.iter().any(|a| a != "iam:agencies:assume") {
                return Err(invalid(
                    "An agency policy's only Action is 'iam:agencies:assume'.",
                ));
            }
            check_agency_resource(resource)
        }
        Some(_) => Err(invalid(
            "'Resource' must be a list of strings or {\"uri\": [...]}.",
        )),
    }
}

/// Checks a `{"role": {...}}` body of POST or PATCH /v3.0/OS-ROLE/roles.
pub fn parse_body(body: &Value) -> Result<PolicyInput> {
    let role = body
        .get("role")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("'role' is a required object."))?;
    let display_name = required_str(role, "display_name", 128)?.to_string();
    let kind = required_str(role, "type", 2)?.to_string();
    if kind != "AX" && kind != "XA" {
        return Err(invalid("'type' must be 'AX' or 'XA'."));
    }
    let description = required_str(role, "description", 1000)?.to_string();
    let description_cn = match role.get("description_cn") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid("'description_cn' must be a string.")),
    };
    let policy = role
        .get("policy")
        .filter(|p| p.is_object())
        .ok_or_else(|| invalid("'policy' is a required object."))?;
    if policy.get("Version").and_then(Value::as_str) != Some("1.1") {
        return Err(invalid("Policy 'Version' must be '1.1'."));
    }
    let statements = policy
        .get("Statement")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("Policy 'Statement' must be a non-empty list."))?;
    for statement in statements {
        check_statement(statement)?;
    }
    Ok(PolicyInput {
        display_name,
        kind,
        description,
        description_cn,
        policy: policy.clone(),
    })
}

/// Time as Huawei writes it.
pub fn huawei_time(now: f64) -> String {
    format_utc_micros(now, "T", "Z")
}

/// Creates a custom policy of `domain_id`: a role named `custom_<domain_id>_<n>`.
pub fn create(
    w: &impl Writer,
    domain_id: &str,
    input: PolicyInput,
    now: f64,
) -> Result<(Role, RoleDetails)> {
    let n = role_details::next_custom_number(w, domain_id)?;
    let role = Role {
        id: new_id(),
        name: format!("custom_{domain_id}_{n}"),
        domain_id: Some(domain_id.to_string()),
        description: Some(input.description),
        options: Default::default(),
        extra: Default::default(),
    };
    let at = huawei_time(now);
    let details = RoleDetails {
        display_name: Some(input.display_name),
        kind: input.kind,
        catalog: Some(CUSTOM_CATALOG.to_string()),
        flag: None,
        description_cn: input.description_cn,
        policy: input.policy,
        created_time: Some(at.clone()),
        updated_time: Some(at),
    };
    assignment::create_role(w, &role)?;
    role_details::put(w, &role.id, &details)?;
    Ok((role, details))
}

/// A custom policy by id: a domain role with Huawei details (else 404).
pub fn get(r: &impl Reader, role_id: &str) -> Result<(Role, RoleDetails)> {
    let missing = || Error::not_found("role", role_id);
    let role = assignment::get_role(r, role_id)?.ok_or_else(missing)?;
    if role.domain_id.is_none() {
        return Err(missing());
    }
    let details = role_details::get(r, role_id)?.ok_or_else(missing)?;
    Ok((role, details))
}

/// Replaces a custom policy's fields (name, id, domain and creation time stay).
pub fn update(
    w: &impl Writer,
    role_id: &str,
    input: PolicyInput,
    now: f64,
) -> Result<(Role, RoleDetails)> {
    let (old, mut details) = get(w, role_id)?;
    let mut role = old.clone();
    role.description = Some(input.description);
    details.display_name = Some(input.display_name);
    details.kind = input.kind;
    details.description_cn = input.description_cn;
    details.policy = input.policy;
    details.updated_time = Some(huawei_time(now));
    assignment::update_role(w, &old, &role)?;
    role_details::put(w, role_id, &details)?;
    Ok((role, details))
}

/// Deletes a custom policy with its grants.
pub fn delete(w: &impl Writer, role_id: &str) -> Result<()> {
    let (role, _) = get(w, role_id)?;
    assignment::delete_role(w, &role)?;
    role_details::remove(w, role_id)?;
    Ok(())
}

/// A deleted account's Huawei role fields and policy-name counter (its roles go with the
/// domain, in the same transaction).
pub fn forget_domain(w: &impl Writer, domain_id: &str) -> Result<()> {
    for role in assignment::list_roles(w)? {
        if role.domain_id.as_deref() == Some(domain_id) {
            role_details::remove(w, &role.id)?;
        }
    }
    role_details::forget_custom_numbers(w, domain_id)?;
    Ok(())
}

/// An account's custom policies, oldest first.
pub fn list(r: &impl Reader, domain_id: &str) -> Result<Vec<(Role, RoleDetails)>> {
    let mut details = role_details::all(r)?;
    let mut out: Vec<(Role, RoleDetails)> = assignment::list_roles(r)?
        .into_iter()
        .filter(|role| role.domain_id.as_deref() == Some(domain_id))
        .filter_map(|role| details.remove(&role.id).map(|d| (role, d)))
        .collect();
    out.sort_by(|a, b| {
        a.1.created_time
            .cmp(&b.1.created_time)
            .then(a.0.name.cmp(&b.0.name))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(statement: Value) -> Value {
        json!({"role": {"display_name": "p", "type": "XA", "description": "d",
                        "policy": {"Version": "1.1", "Statement": [statement]}}})
    }

    #[test]
    fn accepts_both_kinds_and_rejects_bad_documents() {
        assert!(parse_body(&body(json!({"Action": ["obs:*:get*"], "Effect": "Allow"}))).is_ok());
        let agency = json!({"Action": ["iam:agencies:assume"], "Effect": "Allow",
                            "Resource": {"uri": ["/iam/agencies/abc"]}});
        assert!(parse_body(&body(agency)).is_ok());
        for bad in [
            json!({"Action": ["obs:get"], "Effect": "Allow"}),
            json!({"Action": ["obs:a:b"], "Effect": "Permit"}),
            json!({"Action": [], "Effect": "Allow"}),
            json!({"Action": ["ecs:a:b"], "Effect": "Allow", "Resource": {"uri": ["/x"]}}),
            json!({"Action": ["iam:agencies:assume"], "Effect": "Allow",
                   "Resource": {"uri": ["/iam/agencies/"]}}),
        ] {
            assert!(parse_body(&body(bad.clone())).is_err(), "{bad}");
        }
        let mut aa = body(json!({"Action": ["a:b:c"], "Effect": "Allow"}));
        aa["role"]["type"] = json!("AA");
        assert!(parse_body(&aa).is_err());
        aa["role"]["type"] = json!("AX");
        aa["role"]["policy"]["Version"] = json!("1.0");
        assert!(parse_body(&aa).is_err());
    }
}
