//! /v3/domains/{domain_id}/config[/{group}[/{option}]] and
//! /v3/domains/config[/{group}[/{option}]]/default: domain-specific configuration as upstream's
//! DomainConfigManager keeps it: only the `identity` and `ldap` groups and their whitelisted
//! options (plus `ldap.password`, stored but never shown), errors as InvalidDomainConfig (403)
//! and DomainConfigNotFound (404). We store and serve it; identity backends per domain are
//! not something keystone-lite runs.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::routes::{Granted, Params};
use crate::policy::Action;
use crate::store::{domain_config, resource};

const IDENTITY_OPTIONS: &[&str] = &["driver", "list_limit"];
const LDAP_OPTIONS: &[&str] = &[
    "url",
    "user",
    "suffix",
    "query_scope",
    "page_size",
    "alias_dereferencing",
    "debug_level",
    "chase_referrals",
    "user_tree_dn",
    "user_filter",
    "user_objectclass",
    "user_id_attribute",
    "user_name_attribute",
    "user_mail_attribute",
    "user_description_attribute",
    "user_pass_attribute",
    "user_enabled_attribute",
    "user_enabled_invert",
    "user_enabled_mask",
    "user_enabled_default",
    "user_attribute_ignore",
    "user_default_project_id_attribute",
    "user_enabled_emulation",
    "user_enabled_emulation_dn",
    "user_enabled_emulation_use_group_config",
    "user_additional_attribute_mapping",
    "group_tree_dn",
    "group_filter",
    "group_objectclass",
    "group_id_attribute",
    "group_name_attribute",
    "group_members_are_ids",
    "group_member_attribute",
    "group_desc_attribute",
    "group_attribute_ignore",
    "group_additional_attribute_mapping",
    "tls_cacertfile",
    "tls_cacertdir",
    "use_tls",
    "tls_req_cert",
    "use_pool",
    "pool_size",
    "pool_retry_max",
    "pool_retry_delay",
    "pool_connection_timeout",
    "pool_connection_lifetime",
    "use_auth_pool",
    "auth_pool_size",
    "auth_pool_connection_lifetime",
];

/// The defaults upstream's CONF holds for the whitelisted options (taken from Keystone 30).
const DEFAULTS: &str = include_str!("domain_config_default.json");

fn whitelisted(group: &str) -> &'static [&'static str] {
    match group {
        "identity" => IDENTITY_OPTIONS,
        "ldap" => LDAP_OPTIONS,
        _ => &[],
    }
}

fn sensitive(group: &str) -> &'static [&'static str] {
    match group {
        "ldap" => &["password"],
        _ => &[],
    }
}

fn is_sensitive(group: &str, option: &str) -> bool {
    sensitive(group).contains(&option)
}

fn invalid(reason: &str) -> Error {
    Error::Forbidden(format!("Invalid domain specific configuration: {reason}."))
}

fn config_not_found(domain_id: &str, what: &str) -> Error {
    Error::NotFound(format!(
        "Could not find {what} in domain configuration for domain {domain_id}."
    ))
}

fn what(group: Option<&str>, option: Option<&str>) -> String {
    match (group, option) {
        (Some(g), Some(o)) => format!("option {o} in group {g}"),
        (Some(g), None) => format!("group {g}"),
        _ => "any options".to_string(),
    }
}

/// Upstream's _assert_valid_group_and_option.
fn check_group_option(group: Option<&str>, option: Option<&str>) -> Result<()> {
    if let Some(g) = group {
        if g != "identity" && g != "ldap" {
            return Err(invalid(&format!(
                "Group {g} is not supported for domain specific configurations"
            )));
        }
        if let Some(o) = option {
            if !whitelisted(g).contains(&o) && !is_sensitive(g, o) {
                return Err(invalid(&format!(
                    "Option {o} in group {g} is not supported for domain specific configurations"
                )));
            }
        }
    }
    Ok(())
}

/// Upstream's _assert_valid_config: something given, each group a non-empty object of
/// supported options.
fn check_config(config: &Map<String, Value>) -> Result<()> {
    if config.is_empty() {
        return Err(invalid("No options specified"));
    }
    for (group, options) in config {
        match options {
            Value::Object(o) if !o.is_empty() => {
                for option in o.keys() {
                    check_group_option(Some(group), Some(option))?;
                }
            }
            _ => {
                return Err(invalid(&format!(
                    "The value of group {group} specified in the config should be a dictionary of options"
                )))
            }
        }
    }
    Ok(())
}

/// The shown config: whitelisted options only, filtered to a group or option, groups and
/// options sorted as upstream's table returns them.
fn shown(
    stored: &Map<String, Value>,
    group: Option<&str>,
    option: Option<&str>,
) -> Map<String, Value> {
    let mut out = Map::new();
    let mut groups: Vec<(&String, &Value)> = stored.iter().collect();
    groups.sort_by(|a, b| a.0.cmp(b.0));
    for (g, options) in groups {
        if group.is_some_and(|want| want != g) {
            continue;
        }
        let Value::Object(options) = options else {
            continue;
        };
        let mut kept = Map::new();
        let mut sorted: Vec<(&String, &Value)> = options.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (o, v) in sorted {
            if option.is_some_and(|want| want != o) || is_sensitive(g, o) {
                continue;
            }
            kept.insert(o.clone(), v.clone());
        }
        if !kept.is_empty() {
            out.insert(g.clone(), Value::Object(kept));
        }
    }
    out
}

/// The path's `{group}` / `{option}`, None where the route has none.
fn path_part<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    Some(p.get(name)).filter(|s| !s.is_empty())
}

/// The action of GET /v3/domains/{domain_id}/config/{group}[/{option}]: the
/// security_compliance group has its own (upstream lets any user read two of its options).
pub fn get_action(req: &Request) -> Action {
    if req.segments.get(4).map(String::as_str) == Some("security_compliance") {
        Action::GetSecurityComplianceDomainConfig
    } else {
        Action::GetDomainConfig
    }
}

/// Target of create/update_domain_config: upstream reads the body's config (400/403) before
/// the policy; the target itself is empty.
pub fn body_target(_: &App, req: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    body_config(req)?;
    Ok(json!({}))
}

/// The domain id and the optional group and option of a /v3/domains/{domain_id}/config path.
fn parts(p: &Params) -> (&str, Option<&str>, Option<&str>) {
    (
        p.get("domain_id"),
        path_part(p, "group"),
        path_part(p, "option"),
    )
}

fn require_domain(app: &App, id: &str) -> Result<()> {
    Ok(app
        .store
        .read(|r| resource::require_domain(r, id))
        .map(|_| ())?)
}

/// GET/HEAD /v3/domains/{domain_id}/config[/{group}[/{option}]]: policy, then the config
/// (403/404 as the manager raises them), and only then a missing domain, as upstream orders it.
pub fn get(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (id, group, option) = parts(p);
    let domain_missing = app.store.read(|r| resource::get_domain(r, id))?.is_none();
    let config = if group == Some("security_compliance") {
        security_compliance(app, id, option)?
    } else {
        check_group_option(group, option)?;
        let stored = app.store.read(|r| domain_config::get(r, id))?;
        let shown = shown(&stored, group, option);
        if shown.is_empty() {
            return Err(config_not_found(id, &what(group, option)));
        }
        match (group, option) {
            // A single option is answered without its group.
            (Some(g), Some(o)) => {
                let mut m = Map::new();
                if let Some(v) = shown.get(g).and_then(|opts| opts.get(o)) {
                    m.insert(o.to_string(), v.clone());
                }
                Value::Object(m)
            }
            _ => Value::Object(shown),
        }
    };
    if domain_missing {
        return Err(Error::not_found("domain", id));
    }
    Ok(Response::ok(&json!({"config": config})))
}

/// The two security_compliance options upstream lets anyone read, for the default domain only.
fn security_compliance(app: &App, domain_id: &str, option: Option<&str>) -> Result<Value> {
    // A Huawei account with a stored password policy answers with that policy (§1.4); any
    // other domain as upstream.
    let account = crate::service::iam::password_rules::regex_of_account(&app.store, domain_id)?;
    if account.is_none() && domain_id != crate::seed::DEFAULT_DOMAIN_ID {
        return Err(invalid(
            "Reading security compliance information for any domain other than the default \
             domain is not allowed or supported.",
        ));
    }
    let values = match account {
        Some((regex, description)) => [
            ("password_regex", json!(regex)),
            ("password_regex_description", json!(description)),
        ],
        None => [
            ("password_regex", json!(app.config.security.password_regex)),
            (
                "password_regex_description",
                json!(app.config.security.password_regex_description),
            ),
        ],
    };
    match option {
        Some(o) => match values.iter().find(|(k, _)| *k == o) {
            Some((k, v)) => Ok(json!({ *k: v })),
            None => Err(invalid(
                "Reading security compliance values other than password_regex and \
                 password_regex_description is not allowed.",
            )),
        },
        None => {
            let mut m = Map::new();
            for (k, v) in values {
                m.insert(k.to_string(), v);
            }
            Ok(json!({"security_compliance": m}))
        }
    }
}

fn body_config(req: &Request) -> Result<Map<String, Value>> {
    let body = req.json()?;
    match body.get("config") {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        // Upstream would fail on a non-object config; answer as for a malformed group.
        Some(_) => Err(invalid("No options specified")),
    }
}

/// PUT /v3/domains/{domain_id}/config: replaces the whole config; 201 if there was none.
pub fn create(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let id = p.get("domain_id");
    let config = body_config(req)?;
    require_domain(app, id)?;
    check_config(&config)?;
    let (had, stored) = app.store.write(|w| -> Result<_> {
        resource::require_domain(w, id)?;
        let had = !domain_config::get(w, id)?.is_empty();
        domain_config::put(w, id, &config)?;
        Ok((had, config.clone()))
    })?;
    let body = json!({"config": shown(&stored, None, None)});
    Ok(if had {
        Response::ok(&body)
    } else {
        Response::created(&body)
    })
}

/// PATCH /v3/domains/{domain_id}/config[/{group}[/{option}]]: merges into the stored config;
/// a named group or option must be the only one given and must already exist.
pub fn update(app: &App, req: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (id, group, option) = parts(p);
    let config = body_config(req)?;
    require_domain(app, id)?;
    let update = match (group, option) {
        (Some(g), Some(_)) => {
            let mut m = Map::new();
            m.insert(g.to_string(), Value::Object(config));
            m
        }
        _ => config,
    };
    check_config(&update)?;
    check_group_option(group, option)?;
    let merged = app.store.write(|w| {
        let mut stored = domain_config::get(w, id)?;
        if let Some(g) = group {
            let only_one = update.len() == 1
                && option.is_none_or(|_| update.get(g).and_then(Value::as_object).is_some_and(|o| o.len() == 1));
            if !only_one {
                return Err(invalid(&match option {
                    Some(o) => format!(
                        "Trying to update option {o} in group {g}, so that, and only that, option must be specified  in the config"
                    ),
                    None => format!(
                        "Trying to update group {g}, so that, and only that, group must be specified in the config"
                    ),
                }));
            }
            let Some(Value::Object(given)) = update.get(g) else {
                let other = update.keys().next().cloned().unwrap_or_default();
                return Err(invalid(&format!(
                    "request to update group {g}, but config provided contains group {other} instead"
                )));
            };
            if let Some(o) = option {
                if !given.contains_key(o) {
                    let other = given.keys().next().cloned().unwrap_or_default();
                    return Err(invalid(&format!(
                        "Trying to update option {o} in group {g}, but config provided contains option {other} instead"
                    )));
                }
            }
            let exists = match stored.get(g).and_then(Value::as_object) {
                Some(opts) => option.is_none_or(|o| opts.contains_key(o)),
                None => false,
            };
            if !exists {
                return Err(config_not_found(id, &what(group, option)));
            }
        }
        for (g, options) in &update {
            if let Value::Object(options) = options {
                let entry = stored
                    .entry(g.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(existing) = entry {
                    for (o, v) in options {
                        existing.insert(o.clone(), v.clone());
                    }
                }
            }
        }
        domain_config::put(w, id, &stored)?;
        Ok(stored)
    })?;
    let shown = shown(&merged, None, None);
    if shown.is_empty() {
        return Err(config_not_found(id, &what(None, None)));
    }
    Ok(Response::ok(&json!({"config": shown})))
}

/// DELETE /v3/domains/{domain_id}/config[/{group}[/{option}]]
pub fn delete(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (id, group, option) = parts(p);
    require_domain(app, id)?;
    check_group_option(group, option)?;
    app.store.write(|w| {
        let mut stored = domain_config::get(w, id)?;
        match group {
            None => stored.clear(),
            Some(g) => {
                let present = stored
                    .get(g)
                    .and_then(Value::as_object)
                    .is_some_and(|o| !o.is_empty());
                if !present {
                    return Err(config_not_found(id, &what(Some(g), None)));
                }
                match option {
                    None => {
                        stored.remove(g);
                    }
                    Some(o) => {
                        let mut now_empty = false;
                        if let Some(Value::Object(opts)) = stored.get_mut(g) {
                            // Upstream treats a falsy value as absent here.
                            let set = opts.get(o).is_some_and(truthy);
                            if !set {
                                return Err(config_not_found(id, &what(Some(g), Some(o))));
                            }
                            opts.remove(o);
                            now_empty = opts.is_empty();
                        }
                        if now_empty {
                            stored.remove(g);
                        }
                    }
                }
            }
        }
        Ok(domain_config::put(w, id, &stored)?)
    })?;
    Ok(Response::no_content())
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// GET/HEAD /v3/domains/config[/{group}[/{option}]]/default
pub fn get_default(app: &App, _: &Request, p: &Params, _: Granted) -> Result<Response> {
    let (group, option) = (path_part(p, "group"), path_part(p, "option"));
    check_group_option(group, option)?;
    let mut defaults: Map<String, Value> = serde_json::from_str::<Value>(DEFAULTS)
        .ok()
        .and_then(|v| v.get("config").and_then(Value::as_object).cloned())
        .unwrap_or_default();
    // Our own [identity] list_limit, where one is configured.
    if let Some((_, limit)) = app.config.list_limits.iter().find(|(s, _)| s == "identity") {
        if let Some(Value::Object(identity)) = defaults.get_mut("identity") {
            identity.insert("list_limit".into(), json!(limit));
        }
    }
    let config = match (group, option) {
        (Some(g), Some(o)) => {
            if !whitelisted(g).contains(&o) {
                return Err(invalid(&format!(
                    "Reading the default for option {o} in group {g} is not supported"
                )));
            }
            let v = defaults
                .get(g)
                .and_then(|opts| opts.get(o))
                .cloned()
                .unwrap_or(Value::Null);
            json!({ o: v })
        }
        (Some(g), None) => {
            let mut m = Map::new();
            if let Some(opts) = defaults.get(g) {
                m.insert(g.to_string(), opts.clone());
            }
            Value::Object(m)
        }
        _ => Value::Object(defaults),
    };
    Ok(Response::ok(&json!({"config": config})))
}
