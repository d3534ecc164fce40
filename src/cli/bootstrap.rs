//! `bootstrap`, as `keystone-manage bootstrap` (keystone/cmd/bootstrap.py): the default
//! domain, a project, a user, the reader/member/manager/admin/service roles with upstream's
//! implications (admin > manager > member > reader), the user's admin role on the project and
//! on the system, and, given URLs, a region, the identity service and its endpoints.
//!
//! Idempotent as upstream: what exists is kept; a second run only re-enables a disabled user,
//! resets its password when the given one does not match, and updates an endpoint whose URL
//! differs. The records are made by the seed machinery (one write transaction, the same
//! natural keys a seed uses); what a seed cannot say (those updates, immutable roles, the
//! implications of existing roles) follows in a second transaction.

use serde_json::{json, Value};

use super::common::{self, Args};
use crate::model::Role;
use crate::store::{assignment, catalog, identity, Store};

const FLAGS: &[&str] = &[
    "bootstrap-password",
    "bootstrap-username",
    "bootstrap-project-name",
    "bootstrap-role-name",
    "bootstrap-service-name",
    "bootstrap-region-id",
    "bootstrap-admin-url",
    "bootstrap-public-url",
    "bootstrap-internal-url",
];
const SWITCHES: &[&str] = &["immutable-roles", "no-immutable-roles"];

/// The options, with upstream's defaults.
struct Plan {
    password: String,
    username: String,
    project: String,
    admin_role: String,
    service: String,
    region: Option<String>,
    /// (interface, url) for each URL given.
    endpoints: Vec<(&'static str, String)>,
    immutable: bool,
}

pub fn run(args: Vec<String>) -> i32 {
    common::finish("bootstrap", bootstrap(args))
}

fn bootstrap(args: Vec<String>) -> Result<(), String> {
    let args = Args::parse(args, FLAGS, SWITCHES)?;
    let plan = plan(&args)?;
    // Both repositories and the store, as the server needs them together.
    for created in common::init_data_dir(&args.config)? {
        println!("Created {created}");
    }
    let store = common::open_store(&args.config)?;
    let hasher = common::hasher(&args.config);
    let roles = role_names(&plan);
    let missing_roles = store
        .read(|r| -> crate::store::StoreResult<Vec<String>> {
            let mut out = Vec::new();
            for name in &roles {
                if assignment::find_role_by_name(r, None, name)?.is_none() {
                    out.push(name.clone());
                }
            }
            Ok(out)
        })
        .map_err(|e| e.to_string())?;
    let seed = crate::seed::SeedFile::parse("(bootstrap)", seed_text(&plan)?)
        .map_err(|e| e.to_string())?;
    crate::seed::apply(&seed, &store, &hasher, "http://localhost").map_err(|e| e.to_string())?;
    adjust(&store, &plan, &missing_roles)?;
    reset_user(&store, &args, &plan, &hasher)?;
    println!(
        "Bootstrapped user {} with role {} on project {} and the system",
        plan.username, plan.admin_role, plan.project
    );
    Ok(())
}

fn plan(args: &Args) -> Result<Plan, String> {
    // Upstream reads OS_BOOTSTRAP_PASSWORD when the flag is absent.
    let password = args
        .value("bootstrap-password")
        .map(str::to_string)
        .or_else(|| std::env::var("OS_BOOTSTRAP_PASSWORD").ok())
        .filter(|p| !p.is_empty())
        .ok_or("Either --bootstrap-password argument or OS_BOOTSTRAP_PASSWORD must be set.")?;
    let get = |flag: &str, default: &str| args.value(flag).unwrap_or(default).to_string();
    let endpoints = [
        ("admin", "bootstrap-admin-url"),
        ("public", "bootstrap-public-url"),
        ("internal", "bootstrap-internal-url"),
    ]
    .into_iter()
    .filter_map(|(interface, flag)| args.value(flag).map(|u| (interface, u.to_string())))
    .collect();
    Ok(Plan {
        password,
        username: get("bootstrap-username", "admin"),
        project: get("bootstrap-project-name", "admin"),
        admin_role: get("bootstrap-role-name", "admin"),
        service: get("bootstrap-service-name", "keystone"),
        region: args.value("bootstrap-region-id").map(str::to_string),
        endpoints,
        immutable: !args.switch("no-immutable-roles"),
    })
}

/// reader, member, manager, the admin role, service: upstream's order.
fn role_names(plan: &Plan) -> Vec<String> {
    [
        "reader",
        "member",
        "manager",
        plan.admin_role.as_str(),
        "service",
    ]
    .map(str::to_string)
    .to_vec()
}

/// The records as a seed. The password is hashed by the seed only for a new user.
fn seed_text(plan: &Plan) -> Result<String, String> {
    let roles: Vec<Value> = role_names(plan)
        .into_iter()
        .map(|name| json!({ "name": name }))
        .collect();
    let mut seed = json!({
        "projects": [{ "name": plan.project, "domain": crate::seed::DEFAULT_DOMAIN_NAME }],
        "users": [{ "name": plan.username, "password": plan.password }],
        "roles": roles,
        "assignments": [
            { "user": plan.username, "role": plan.admin_role, "project": plan.project },
            { "user": plan.username, "role": plan.admin_role, "system": "all" },
        ],
    });
    if !plan.endpoints.is_empty() {
        seed["services"] = json!([{ "name": plan.service, "type": "identity" }]);
        if let Some(region) = &plan.region {
            seed["regions"] = json!([{ "id": region }]);
        }
        let endpoints: Vec<Value> = plan
            .endpoints
            .iter()
            .map(|(interface, url)| {
                json!({ "service": plan.service, "interface": interface,
                        "region": plan.region, "url": url })
            })
            .collect();
        seed["endpoints"] = Value::Array(endpoints);
    }
    serde_yaml::to_string(&seed).map_err(|e| e.to_string())
}

/// Implications (upstream also drops a direct admin > member one), immutable new roles, and
/// endpoint URLs that changed.
fn adjust(store: &Store, plan: &Plan, new_roles: &[String]) -> Result<(), String> {
    store
        .write(|w| -> crate::store::StoreResult<()> {
            let id = |name: &str| -> crate::store::StoreResult<Option<Role>> {
                assignment::find_role_by_name(w, None, name)
            };
            let chain = ["reader", "member", "manager", plan.admin_role.as_str()];
            for pair in chain.windows(2) {
                if let (Some(implied), Some(prior)) = (id(pair[0])?, id(pair[1])?) {
                    if !assignment::implied_by(w, &prior.id)?.contains(&implied.id) {
                        assignment::add_implied(w, &prior.id, &implied.id)?;
                    }
                }
            }
            if let (Some(admin), Some(member)) = (id(&plan.admin_role)?, id("member")?) {
                assignment::remove_implied(w, &admin.id, &member.id)?;
            }
            for name in new_roles.iter().filter(|_| plan.immutable) {
                if let Some(old) = id(name)? {
                    let mut new = old.clone();
                    new.options.insert("immutable".into(), Value::Bool(true));
                    assignment::update_role(w, &old, &new)?;
                }
            }
            update_endpoint_urls(w, plan)
        })
        .map_err(|e| e.to_string())
}

fn update_endpoint_urls(w: &crate::store::Tx, plan: &Plan) -> crate::store::StoreResult<()> {
    let Some(service) = catalog::list_services(w)?
        .into_iter()
        .find(|s| s.service_type == "identity" && s.name() == plan.service)
    else {
        return Ok(());
    };
    for mut endpoint in catalog::list_endpoints(w)? {
        if endpoint.service_id != service.id || endpoint.region_id != plan.region {
            continue;
        }
        let wanted = plan
            .endpoints
            .iter()
            .find(|(i, _)| *i == endpoint.interface);
        if let Some((interface, url)) = wanted {
            if endpoint.url != *url {
                endpoint.url = url.clone();
                catalog::put_endpoint(w, &endpoint)?;
                println!("{interface} endpoint updated");
            }
        }
    }
    Ok(())
}

/// An existing user is enabled again and given the password if it does not match (upstream
/// resets it, which revokes the user's tokens).
fn reset_user(
    store: &Store,
    args: &Args,
    plan: &Plan,
    hasher: &crate::password::Hasher,
) -> Result<(), String> {
    let domain = crate::seed::DEFAULT_DOMAIN_ID;
    let user = store
        .read(|r| identity::find_user_by_name(r, domain, &plan.username))
        .map_err(|e| e.to_string())?
        .ok_or("bootstrap user missing after apply")?;
    let matches = user
        .password_hash
        .as_deref()
        .is_some_and(|h| crate::password::verify(&plan.password, h));
    if matches && user.enabled {
        return Ok(());
    }
    let mut patch = crate::service::users::UserPatch::default();
    if !user.enabled {
        patch.enabled = Some(true);
    }
    if !matches {
        patch.password_hash = Some(Some(hasher.hash(&plan.password)?));
    }
    let now = crate::clock::Clock::system().now_secs() as f64;
    let id = user.id.clone();
    crate::service::users::update_user(store, &args.config.security, &patch, now, |w| {
        Ok(identity::require_user(w, &id)?)
    })
    .map_err(|e| e.to_string())?;
    println!("Reset password for user {}.", plan.username);
    if !user.enabled {
        println!("Enabled user {}.", plan.username);
    }
    Ok(())
}
