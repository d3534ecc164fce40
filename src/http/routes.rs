//! THE route table: every (method, path pattern) keystone-lite serves, with the policy action
//! it enforces (or `Public`), the builder of the policy target and the handler. From the one
//! table come 404 (no pattern matches), 405 with `Allow` (a pattern matches, the method does
//! not) and HEAD (the GET route without a body).
//!
//! Enforcement happens here, before any handler runs: no token is 401 before any store read,
//! then the target is built, then the action is enforced (403). A policed handler receives a
//! `Granted`, which only this module can make, so a handler that skipped the check does not
//! compile. The table itself lives in `table.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::app::App;
use crate::auth::AuthContext;
use crate::error::{Error, Result};
use crate::http::request::{Method, Request};
use crate::http::response::Response;
use crate::policy::{Action, PolicyError};

/// Builds the policy target of a request (upstream's `target_attr`/`build_target`), after the
/// caller is authenticated and before the action is enforced.
pub type TargetFn = fn(&App, &Request, &Params, &AuthContext) -> Result<Value>;
/// A handler of a policed route.
pub type Handler = fn(&App, &Request, &Params, Granted) -> Result<Response>;
/// A handler of a public route (upstream enforces nothing there: discovery, issuing tokens,
/// the OAuth token endpoints, a password change proven by the original password).
pub type PublicHandler = fn(&App, &Request, &Params) -> Result<Response>;

/// What a route requires before its handler runs.
pub enum Access {
    /// No token needed: discovery, issuing tokens, and what upstream leaves unprotected.
    Public(PublicHandler),
    /// A valid token, then `Action` on the target `TargetFn` builds.
    Policy(Action, TargetFn, Handler),
    /// As `Policy`, with the action picked from the request (upstream picks e.g.
    /// `identity:list_role_assignments_for_tree` when `?include_subtree` is set).
    PolicyBy(fn(&Request) -> Action, TargetFn, Handler),
    /// As `Policy`, with the action picked from the target the builder made (upstream
    /// enforces `get_domain_role` rather than `get_role` when the role it loaded has a domain).
    PolicyOf(fn(&Value) -> Action, TargetFn, Handler),
}

pub struct Route {
    pub method: Method,
    /// `/v3/projects/{project_id}/tags/{value}`: literal segments and `{name}` parameters.
    pub pattern: &'static str,
    pub access: Access,
}

impl Route {
    /// The action this route enforces for a request without query parameters (None: public).
    pub fn default_action(&self) -> Option<Action> {
        match &self.access {
            Access::Public(_) => None,
            Access::Policy(action, ..) => Some(*action),
            Access::PolicyBy(pick, ..) => Some(pick(&Request::new(
                self.method,
                self.pattern.to_string(),
                String::new(),
                vec![],
                vec![],
                0.0,
            ))),
            Access::PolicyOf(pick, ..) => Some(pick(&Value::Object(Default::default()))),
        }
    }
}

pub fn public(method: Method, pattern: &'static str, handler: PublicHandler) -> Route {
    Route {
        method,
        pattern,
        access: Access::Public(handler),
    }
}

pub fn policy(
    method: Method,
    pattern: &'static str,
    action: Action,
    target: TargetFn,
    handler: Handler,
) -> Route {
    Route {
        method,
        pattern,
        access: Access::Policy(action, target, handler),
    }
}

pub fn policy_by(
    method: Method,
    pattern: &'static str,
    pick: fn(&Request) -> Action,
    target: TargetFn,
    handler: Handler,
) -> Route {
    Route {
        method,
        pattern,
        access: Access::PolicyBy(pick, target, handler),
    }
}

pub fn policy_of(
    method: Method,
    pattern: &'static str,
    pick: fn(&Value) -> Action,
    target: TargetFn,
    handler: Handler,
) -> Route {
    Route {
        method,
        pattern,
        access: Access::PolicyOf(pick, target, handler),
    }
}

/// The target of calls upstream enforces with no target attributes.
pub fn no_target(_: &App, _: &Request, _: &Params, _: &AuthContext) -> Result<Value> {
    Ok(Value::Object(Default::default()))
}

/// Proof that the route's action was enforced for this caller: only `Routes::dispatch`
/// makes one, and every policed handler takes one.
pub struct Granted {
    context: Arc<AuthContext>,
    target: Value,
}

impl Granted {
    /// The authenticated caller.
    pub fn context(&self) -> &Arc<AuthContext> {
        &self.context
    }

    /// The target the action was enforced on (handlers reuse what the builder read).
    pub fn target(&self) -> &Value {
        &self.target
    }

    /// A further check on another target, for the handlers upstream checks twice (each
    /// listed credential against `get_credential`, a grant's role against the domain).
    pub fn enforce(&self, app: &App, action: Action, target: &Value) -> Result<()> {
        enforce(app, &self.context, action, target)
    }
}

/// `action` for `context` on `target`: 403 with upstream's message when refused.
pub fn enforce(app: &App, context: &AuthContext, action: Action, target: &Value) -> Result<()> {
    let creds = context.policy_credentials(app);
    app.policy
        .load()
        .enforce(action.name(), creds, target)
        .map_err(|e| match e {
            PolicyError::Denied => Error::forbidden_action(action.name()),
            other => Error::Internal(format!("policy {action}: {other}")),
        })
}

/// A matched request's path parameters, by the names the pattern gives them.
pub struct Params {
    values: Vec<(&'static str, String)>,
}

impl Params {
    /// The parameter `name` (the route's pattern guarantees it; "" if a handler asks for a
    /// name its pattern lacks, which the route table test rules out).
    pub fn get(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A pattern split once: literal segments and parameter names.
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

struct Compiled {
    route: Route,
    segments: Vec<Segment>,
}

impl Compiled {
    fn matches(&self, path: &[&str]) -> bool {
        self.segments.len() == path.len()
            && self.segments.iter().zip(path).all(|(s, p)| match s {
                Segment::Literal(l) => l == p,
                Segment::Param(_) => true,
            })
    }

    fn params(&self, path: &[&str]) -> Params {
        let values = self
            .segments
            .iter()
            .zip(path)
            .filter_map(|(s, p)| match s {
                Segment::Param(name) => Some((*name, (*p).to_string())),
                Segment::Literal(_) => None,
            })
            .collect();
        Params { values }
    }
}

/// The compiled table, built once at start and owned by `App`.
pub struct Routes {
    routes: Vec<Compiled>,
    /// Routes by (segment count, first two segments), so a request looks at a handful.
    buckets: HashMap<(usize, &'static str, &'static str), Vec<usize>>,
}

/// What matching a path found.
pub enum Matched<'r> {
    Route(&'r Route, Params),
    /// The path exists with other methods (405; the `Allow` header lists them).
    WrongMethod(Vec<Method>),
    NotFound,
}

impl Routes {
    pub fn new(table: Vec<Route>) -> Routes {
        let mut routes = Vec::with_capacity(table.len());
        let mut buckets: HashMap<(usize, &'static str, &'static str), Vec<usize>> = HashMap::new();
        for route in table {
            let segments: Vec<Segment> = route
                .pattern
                .split('/')
                .filter(|s| !s.is_empty())
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => Segment::Param(name),
                        None => Segment::Literal(s),
                    },
                )
                .collect();
            let key = bucket_key(&segments);
            buckets.entry(key).or_default().push(routes.len());
            routes.push(Compiled { route, segments });
        }
        Routes { routes, buckets }
    }

    pub fn all(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().map(|c| &c.route)
    }

    /// The route for `method` (HEAD looks up GET) on the decoded path `segments`.
    pub fn find(&self, method: Method, segments: &[&str]) -> Matched<'_> {
        let method = if method == Method::Head {
            Method::Get
        } else {
            method
        };
        let first = segments.first().copied().unwrap_or("");
        let second = segments.get(1).copied().unwrap_or("");
        let mut allowed = Vec::new();
        // A pattern's first two segments are literals or parameters: look in both buckets.
        for key in [
            (segments.len(), first, second),
            (segments.len(), first, PARAM),
        ] {
            let Some(indexes) = self.buckets.get(&key) else {
                continue;
            };
            for &i in indexes {
                let compiled = &self.routes[i];
                if !compiled.matches(segments) {
                    continue;
                }
                if compiled.route.method == method {
                    return Matched::Route(&compiled.route, compiled.params(segments));
                }
                allowed.push(compiled.route.method);
            }
        }
        if allowed.is_empty() {
            Matched::NotFound
        } else {
            Matched::WrongMethod(allowed)
        }
    }
}

/// Stands for a parameter in a bucket key.
const PARAM: &str = "{}";

fn bucket_key(segments: &[Segment]) -> (usize, &'static str, &'static str) {
    let part = |i: usize| match segments.get(i) {
        Some(Segment::Literal(l)) => l,
        Some(Segment::Param(_)) => PARAM,
        None => "",
    };
    (segments.len(), part(0), part(1))
}

/// Runs a matched route: authenticate, build the target, enforce, then the handler.
pub fn run(app: &App, req: &Request, route: &Route, params: &Params) -> Result<Response> {
    req.route.set(Some(route.pattern));
    let (action, target_of, handler): (Option<Action>, _, _) = match &route.access {
        Access::Public(handler) => return handler(app, req, params),
        Access::Policy(action, target, handler) => (Some(*action), target, handler),
        Access::PolicyBy(pick, target, handler) => (Some(pick(req)), target, handler),
        Access::PolicyOf(_, target, handler) => (None, target, handler),
    };
    // No token (or AK/SK signature): 401 before anything is read.
    let context = match crate::api::huawei::signed::authenticate(app, req) {
        Some(signed) => signed?,
        None => crate::auth::authenticate_request(app, req.header("x-auth-token"), req.now)?,
    };
    let _ = req.caller.set(context.clone());
    let target = target_of(app, req, params, &context)?;
    let action = match (action, &route.access) {
        (Some(action), _) => action,
        (None, Access::PolicyOf(pick, ..)) => pick(&target),
        // Every other access named its action above.
        (None, _) => return Err(Error::Internal("route without an action".into())),
    };
    enforce(app, &context, action, &target)?;
    handler(app, req, params, Granted { context, target })
}
