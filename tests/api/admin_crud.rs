//! Create, get (and HEAD), list, update and delete as the system admin, across the admin
//! surface: project hierarchy (`parents_as_ids`, `subtree_as_ids`), the project tags API,
//! implied roles, policies, domain configuration (and `/v3/domains/config/default`), registered
//! and project limits and `/v3/limits/model`, endpoint groups and their projects, domains, users,
//! groups and membership, OS-INHERIT inherited grants and what they make effective, region
//! hierarchy (deleting a parent deletes its children), endpoints.
//!
//! Each row's `upstream` is the body upstream Keystone 30 sent for the same request in the same
//! sequence (ids replaced by `{name}` placeholders, `links` dropped), compared as serialized
//! JSON, so field order counts too (lists of objects are sorted first: both sides order them
//! by random ids). Two differences are deliberate: upstream's GET right after a
//! project create answers tags in the create's order from its cache (["b","a"]) while its
//! `/tags` and every uncached read sort them; and GET
//! `/v3/OS-INHERIT/projects/{id}/groups/{id}/roles/inherited_to_projects` is an unrouted 404
//! whose body is HTML upstream (left out).

use serde_json::Value;

use crate::common::*;

struct Row {
    label: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    /// The placeholder this row's response id defines.
    capture: Option<&'static str>,
    status: u16,
    upstream: Option<&'static str>,
}

const ROWS: &[Row] = &[
    Row {
        label: "create top",
        method: "POST",
        path: "/v3/projects",
        body: Some(r#"{"project": {"name": "cr-top", "tags": ["b", "a"]}}"#),
        capture: Some("top"),
        status: 201,
        upstream: Some(
            r#"{"project": {"id": "{top}", "name": "cr-top", "domain_id": "default", "description": "", "enabled": true, "parent_id": "default", "is_domain": false, "tags": ["b", "a"], "options": {}}}"#,
        ),
    },
    Row {
        label: "create mid",
        method: "POST",
        path: "/v3/projects",
        body: Some(r#"{"project": {"name": "cr-mid", "parent_id": "{top}"}}"#),
        capture: Some("mid"),
        status: 201,
        upstream: Some(
            r#"{"project": {"id": "{mid}", "name": "cr-mid", "domain_id": "default", "description": "", "enabled": true, "parent_id": "{top}", "is_domain": false, "tags": [], "options": {}}}"#,
        ),
    },
    Row {
        label: "create leaf",
        method: "POST",
        path: "/v3/projects",
        body: Some(r#"{"project": {"name": "cr-leaf", "parent_id": "{mid}"}}"#),
        capture: Some("leaf"),
        status: 201,
        upstream: Some(
            r#"{"project": {"id": "{leaf}", "name": "cr-leaf", "domain_id": "default", "description": "", "enabled": true, "parent_id": "{mid}", "is_domain": false, "tags": [], "options": {}}}"#,
        ),
    },
    Row {
        label: "parents_as_ids",
        method: "GET",
        path: "/v3/projects/{leaf}?parents_as_ids",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"project": {"id": "{leaf}", "name": "cr-leaf", "domain_id": "default", "description": "", "enabled": true, "parent_id": "{mid}", "is_domain": false, "tags": [], "options": {}, "parents": {"{mid}": {"{top}": {"default": null}}}}}"#,
        ),
    },
    Row {
        label: "subtree_as_ids",
        method: "GET",
        path: "/v3/projects/{top}?subtree_as_ids",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"project": {"id": "{top}", "name": "cr-top", "domain_id": "default", "description": "", "enabled": true, "parent_id": "default", "is_domain": false, "tags": ["a", "b"], "options": {}, "subtree": {"{mid}": {"{leaf}": null}}}}"#,
        ),
    },
    Row {
        label: "tags list",
        method: "GET",
        path: "/v3/projects/{top}/tags",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(r#"{"tags": ["a", "b"]}"#),
    },
    Row {
        label: "tag add",
        method: "PUT",
        path: "/v3/projects/{top}/tags/c",
        body: None,
        capture: None,
        status: 201,
        upstream: None,
    },
    Row {
        label: "tag check",
        method: "HEAD",
        path: "/v3/projects/{top}/tags/c",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "tags replace",
        method: "PUT",
        path: "/v3/projects/{top}/tags",
        body: Some(r#"{"tags": ["z", "y"]}"#),
        capture: None,
        status: 200,
        upstream: Some(r#"{"tags": ["z", "y"]}"#),
    },
    Row {
        label: "tag del",
        method: "DELETE",
        path: "/v3/projects/{top}/tags/z",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "tag check gone",
        method: "HEAD",
        path: "/v3/projects/{top}/tags/z",
        body: None,
        capture: None,
        status: 404,
        upstream: None,
    },
    Row {
        label: "tags clear",
        method: "DELETE",
        path: "/v3/projects/{top}/tags",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "tags after",
        method: "GET",
        path: "/v3/projects/{top}/tags",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(r#"{"tags": []}"#),
    },
    Row {
        label: "role prior",
        method: "POST",
        path: "/v3/roles",
        body: Some(r#"{"role": {"name": "cr-prior"}}"#),
        capture: Some("r1"),
        status: 201,
        upstream: Some(
            r#"{"role": {"id": "{r1}", "name": "cr-prior", "domain_id": null, "description": null, "options": {}}}"#,
        ),
    },
    Row {
        label: "role implied",
        method: "POST",
        path: "/v3/roles",
        body: Some(r#"{"role": {"name": "cr-implied"}}"#),
        capture: Some("r2"),
        status: 201,
        upstream: Some(
            r#"{"role": {"id": "{r2}", "name": "cr-implied", "domain_id": null, "description": null, "options": {}}}"#,
        ),
    },
    Row {
        label: "imply",
        method: "PUT",
        path: "/v3/roles/{r1}/implies/{r2}",
        body: None,
        capture: None,
        status: 201,
        upstream: Some(
            r#"{"role_inference": {"prior_role": {"id": "{r1}", "name": "cr-prior"}, "implies": {"id": "{r2}", "name": "cr-implied"}}}"#,
        ),
    },
    Row {
        label: "imply get",
        method: "GET",
        path: "/v3/roles/{r1}/implies/{r2}",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"role_inference": {"prior_role": {"id": "{r1}", "name": "cr-prior"}, "implies": {"id": "{r2}", "name": "cr-implied"}}}"#,
        ),
    },
    Row {
        label: "imply check",
        method: "HEAD",
        path: "/v3/roles/{r1}/implies/{r2}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "imply list",
        method: "GET",
        path: "/v3/roles/{r1}/implies",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"role_inference": {"prior_role": {"id": "{r1}", "name": "cr-prior"}, "implies": [{"id": "{r2}", "name": "cr-implied"}]}}"#,
        ),
    },
    Row {
        label: "imply del",
        method: "DELETE",
        path: "/v3/roles/{r1}/implies/{r2}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "imply get gone",
        method: "GET",
        path: "/v3/roles/{r1}/implies/{r2}",
        body: None,
        capture: None,
        status: 404,
        upstream: Some(
            r#"{"error": {"code": 404, "message": "{r1} does not imply {r2}.", "title": "Not Found"}}"#,
        ),
    },
    Row {
        label: "policy create",
        method: "POST",
        path: "/v3/policies",
        body: Some(r#"{"policy": {"blob": "{}", "type": "application/json"}}"#),
        capture: Some("pol"),
        status: 201,
        upstream: Some(r#"{"policy": {"id": "{pol}", "blob": "{}", "type": "application/json"}}"#),
    },
    Row {
        label: "policy update",
        method: "PATCH",
        path: "/v3/policies/{pol}",
        body: Some(r#"{"policy": {"blob": "{\"a\": 1}"}}"#),
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"policy": {"id": "{pol}", "blob": "{\"a\": 1}", "type": "application/json"}}"#,
        ),
    },
    Row {
        label: "policy delete",
        method: "DELETE",
        path: "/v3/policies/{pol}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "domain config create",
        method: "PUT",
        path: "/v3/domains/default/config",
        body: Some(r#"{"config": {"identity": {"driver": "sql"}}}"#),
        capture: None,
        status: 201,
        upstream: Some(r#"{"config": {"identity": {"driver": "sql"}}}"#),
    },
    Row {
        label: "domain config get",
        method: "GET",
        path: "/v3/domains/default/config",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(r#"{"config": {"identity": {"driver": "sql"}}}"#),
    },
    Row {
        label: "domain config group",
        method: "GET",
        path: "/v3/domains/default/config/identity",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(r#"{"config": {"identity": {"driver": "sql"}}}"#),
    },
    Row {
        label: "domain config default",
        method: "GET",
        path: "/v3/domains/config/default",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"config": {"identity": {"driver": "sql", "list_limit": null}, "ldap": {"url": "ldap://localhost", "user": null, "suffix": "cn=example,cn=com", "query_scope": "one", "page_size": 0, "alias_dereferencing": "default", "debug_level": null, "chase_referrals": null, "user_tree_dn": null, "user_filter": null, "user_objectclass": "inetOrgPerson", "user_id_attribute": "cn", "user_name_attribute": "sn", "user_mail_attribute": "mail", "user_description_attribute": "description", "user_pass_attribute": "userPassword", "user_enabled_attribute": "enabled", "user_enabled_invert": false, "user_enabled_mask": 0, "user_enabled_default": "True", "user_attribute_ignore": ["default_project_id"], "user_default_project_id_attribute": null, "user_enabled_emulation": false, "user_enabled_emulation_dn": null, "user_enabled_emulation_use_group_config": false, "user_additional_attribute_mapping": [], "group_tree_dn": null, "group_filter": null, "group_objectclass": "groupOfNames", "group_id_attribute": "cn", "group_name_attribute": "ou", "group_members_are_ids": false, "group_member_attribute": "member", "group_desc_attribute": "description", "group_attribute_ignore": [], "group_additional_attribute_mapping": [], "tls_cacertfile": null, "tls_cacertdir": null, "use_tls": false, "tls_req_cert": "demand", "use_pool": true, "pool_size": 10, "pool_retry_max": 3, "pool_retry_delay": 0.1, "pool_connection_timeout": -1, "pool_connection_lifetime": 600, "use_auth_pool": true, "auth_pool_size": 100, "auth_pool_connection_lifetime": 60}}}"#,
        ),
    },
    Row {
        label: "domain config delete",
        method: "DELETE",
        path: "/v3/domains/default/config",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "svc",
        method: "POST",
        path: "/v3/services",
        body: Some(r#"{"service": {"type": "cr-svc"}}"#),
        capture: Some("svc"),
        status: 201,
        upstream: Some(
            r#"{"service": {"name": "", "id": "{svc}", "type": "cr-svc", "enabled": true}}"#,
        ),
    },
    Row {
        label: "registered limit",
        method: "POST",
        path: "/v3/registered_limits",
        body: Some(
            r#"{"registered_limits": [{"service_id": "{svc}", "resource_name": "cores", "default_limit": 10, "region_id": "RegionOne"}]}"#,
        ),
        capture: Some("rl"),
        status: 201,
        upstream: Some(
            r#"{"registered_limits": [{"id": "{rl}", "service_id": "{svc}", "region_id": "RegionOne", "resource_name": "cores", "default_limit": 10, "description": null}]}"#,
        ),
    },
    Row {
        label: "project limit",
        method: "POST",
        path: "/v3/limits",
        body: Some(
            r#"{"limits": [{"service_id": "{svc}", "project_id": "{top}", "resource_name": "cores", "resource_limit": 5, "region_id": "RegionOne"}]}"#,
        ),
        capture: Some("lim"),
        status: 201,
        upstream: Some(
            r#"{"limits": [{"id": "{lim}", "project_id": "{top}", "domain_id": null, "resource_limit": 5, "description": null, "service_id": "{svc}", "region_id": "RegionOne", "resource_name": "cores"}]}"#,
        ),
    },
    Row {
        label: "limit update",
        method: "PATCH",
        path: "/v3/limits/{lim}",
        body: Some(r#"{"limit": {"resource_limit": 7}}"#),
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"limit": {"id": "{lim}", "project_id": "{top}", "domain_id": null, "resource_limit": 7, "description": null, "service_id": "{svc}", "region_id": "RegionOne", "resource_name": "cores"}}"#,
        ),
    },
    Row {
        label: "limits list",
        method: "GET",
        path: "/v3/limits?project_id={top}",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"limits": [{"id": "{lim}", "project_id": "{top}", "domain_id": null, "resource_limit": 7, "description": null, "service_id": "{svc}", "region_id": "RegionOne", "resource_name": "cores"}]}"#,
        ),
    },
    Row {
        label: "limits model",
        method: "GET",
        path: "/v3/limits/model",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"model": {"name": "flat", "description": "Limit enforcement and validation does not take project hierarchy into consideration."}}"#,
        ),
    },
    Row {
        label: "limit delete",
        method: "DELETE",
        path: "/v3/limits/{lim}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "registered delete",
        method: "DELETE",
        path: "/v3/registered_limits/{rl}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "endpoint group",
        method: "POST",
        path: "/v3/OS-EP-FILTER/endpoint_groups",
        body: Some(r#"{"endpoint_group": {"name": "cr-eg", "filters": {"interface": "public"}}}"#),
        capture: Some("eg"),
        status: 201,
        upstream: Some(
            r#"{"endpoint_group": {"id": "{eg}", "name": "cr-eg", "description": null, "filters": {"interface": "public"}}}"#,
        ),
    },
    Row {
        label: "eg project add",
        method: "PUT",
        path: "/v3/OS-EP-FILTER/endpoint_groups/{eg}/projects/{top}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "eg projects",
        method: "GET",
        path: "/v3/OS-EP-FILTER/endpoint_groups/{eg}/projects",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"projects": [{"id": "{top}", "name": "cr-top", "domain_id": "default", "description": "", "enabled": true, "parent_id": "default", "is_domain": false, "tags": [], "options": {}}]}"#,
        ),
    },
    Row {
        label: "eg delete",
        method: "DELETE",
        path: "/v3/OS-EP-FILTER/endpoint_groups/{eg}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "domain create",
        method: "POST",
        path: "/v3/domains",
        body: Some(r#"{"domain": {"name": "cr-dom", "description": "d"}}"#),
        capture: Some("dom"),
        status: 201,
        upstream: Some(
            r#"{"domain": {"id": "{dom}", "name": "cr-dom", "description": "d", "enabled": true, "tags": [], "options": {}}}"#,
        ),
    },
    Row {
        label: "domain get",
        method: "GET",
        path: "/v3/domains/{dom}",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"domain": {"id": "{dom}", "name": "cr-dom", "description": "d", "enabled": true, "tags": [], "options": {}}}"#,
        ),
    },
    Row {
        label: "domain head",
        method: "HEAD",
        path: "/v3/domains/{dom}",
        body: None,
        capture: None,
        status: 200,
        upstream: None,
    },
    Row {
        label: "domain update",
        method: "PATCH",
        path: "/v3/domains/{dom}",
        body: Some(r#"{"domain": {"description": "d2", "enabled": false}}"#),
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"domain": {"id": "{dom}", "name": "cr-dom", "description": "d2", "enabled": false, "tags": [], "options": {}}}"#,
        ),
    },
    Row {
        label: "domain delete",
        method: "DELETE",
        path: "/v3/domains/{dom}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "domain gone",
        method: "HEAD",
        path: "/v3/domains/{dom}",
        body: None,
        capture: None,
        status: 404,
        upstream: None,
    },
    Row {
        label: "user create",
        method: "POST",
        path: "/v3/users",
        body: Some(
            r#"{"user": {"name": "cr-user", "password": "pw-one-1", "default_project_id": "{top}", "email": "e@x"}}"#,
        ),
        capture: Some("user"),
        status: 201,
        upstream: Some(
            r#"{"user": {"email": "e@x", "id": "{user}", "name": "cr-user", "domain_id": "default", "enabled": true, "default_project_id": "{top}", "password_expires_at": null, "options": {}}}"#,
        ),
    },
    Row {
        label: "user head",
        method: "HEAD",
        path: "/v3/users/{user}",
        body: None,
        capture: None,
        status: 200,
        upstream: None,
    },
    Row {
        label: "user update",
        method: "PATCH",
        path: "/v3/users/{user}",
        body: Some(r#"{"user": {"email": "f@x", "description": "u"}}"#),
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"user": {"email": "f@x", "description": "u", "id": "{user}", "name": "cr-user", "domain_id": "default", "enabled": true, "default_project_id": "{top}", "password_expires_at": null, "extra": {"email": "f@x", "description": "u"}, "options": {}}}"#,
        ),
    },
    Row {
        label: "user get",
        method: "GET",
        path: "/v3/users/{user}",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"user": {"email": "f@x", "description": "u", "id": "{user}", "name": "cr-user", "domain_id": "default", "enabled": true, "default_project_id": "{top}", "password_expires_at": null, "options": {}}}"#,
        ),
    },
    Row {
        label: "group create",
        method: "POST",
        path: "/v3/groups",
        body: Some(r#"{"group": {"name": "cr-group"}}"#),
        capture: Some("group"),
        status: 201,
        upstream: Some(
            r#"{"group": {"id": "{group}", "name": "cr-group", "domain_id": "default", "description": ""}}"#,
        ),
    },
    Row {
        label: "group add",
        method: "PUT",
        path: "/v3/groups/{group}/users/{user}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "group check",
        method: "HEAD",
        path: "/v3/groups/{group}/users/{user}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "user groups",
        method: "GET",
        path: "/v3/users/{user}/groups",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"groups": [{"id": "{group}", "name": "cr-group", "domain_id": "default", "description": "", "membership_expires_at": null}]}"#,
        ),
    },
    Row {
        label: "inherit grant",
        method: "PUT",
        path: "/v3/OS-INHERIT/projects/{top}/groups/{group}/roles/{r1}/inherited_to_projects",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "inherit check",
        method: "HEAD",
        path: "/v3/OS-INHERIT/projects/{top}/groups/{group}/roles/{r1}/inherited_to_projects",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "inherit effective",
        method: "GET",
        path: "/v3/role_assignments?effective&user.id={user}",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"role_assignments": [{"scope": {"project": {"id": "{mid}"}, "OS-INHERIT:inherited_to": "projects"}, "user": {"id": "{user}"}, "role": {"id": "{r1}"}}, {"scope": {"project": {"id": "{leaf}"}, "OS-INHERIT:inherited_to": "projects"}, "user": {"id": "{user}"}, "role": {"id": "{r1}"}}]}"#,
        ),
    },
    Row {
        label: "user projects",
        method: "GET",
        path: "/v3/users/{user}/projects",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"projects": [{"id": "{leaf}", "name": "cr-leaf", "domain_id": "default", "description": "", "enabled": true, "parent_id": "{mid}", "is_domain": false, "tags": [], "options": {}}, {"id": "{mid}", "name": "cr-mid", "domain_id": "default", "description": "", "enabled": true, "parent_id": "{top}", "is_domain": false, "tags": [], "options": {}}]}"#,
        ),
    },
    Row {
        label: "inherit revoke",
        method: "DELETE",
        path: "/v3/OS-INHERIT/projects/{top}/groups/{group}/roles/{r1}/inherited_to_projects",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "group remove",
        method: "DELETE",
        path: "/v3/groups/{group}/users/{user}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "group delete",
        method: "DELETE",
        path: "/v3/groups/{group}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "user delete",
        method: "DELETE",
        path: "/v3/users/{user}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "region create",
        method: "POST",
        path: "/v3/regions",
        body: Some(r#"{"region": {"id": "cr-reg", "description": "r"}}"#),
        capture: None,
        status: 201,
        upstream: Some(
            r#"{"region": {"id": "cr-reg", "description": "r", "parent_region_id": null}}"#,
        ),
    },
    Row {
        label: "region child",
        method: "PUT",
        path: "/v3/regions/cr-reg-child",
        body: Some(r#"{"region": {"parent_region_id": "cr-reg"}}"#),
        capture: None,
        status: 201,
        upstream: Some(
            r#"{"region": {"id": "cr-reg-child", "description": "", "parent_region_id": "cr-reg"}}"#,
        ),
    },
    Row {
        label: "region children",
        method: "GET",
        path: "/v3/regions?parent_region_id=cr-reg",
        body: None,
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"regions": [{"id": "cr-reg-child", "description": "", "parent_region_id": "cr-reg"}]}"#,
        ),
    },
    Row {
        label: "region delete parent",
        method: "DELETE",
        path: "/v3/regions/cr-reg",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "region delete child",
        method: "DELETE",
        path: "/v3/regions/cr-reg-child",
        body: None,
        capture: None,
        status: 404,
        upstream: Some(
            r#"{"error": {"code": 404, "message": "Could not find region: cr-reg-child.", "title": "Not Found"}}"#,
        ),
    },
    Row {
        label: "endpoint create",
        method: "POST",
        path: "/v3/endpoints",
        body: Some(
            r#"{"endpoint": {"service_id": "{svc}", "interface": "internal", "url": "http://cr.example", "region_id": "RegionOne"}}"#,
        ),
        capture: Some("ep"),
        status: 201,
        upstream: Some(
            r#"{"endpoint": {"id": "{ep}", "interface": "internal", "region_id": "RegionOne", "service_id": "{svc}", "url": "http://cr.example", "enabled": true, "region": "RegionOne"}}"#,
        ),
    },
    Row {
        label: "endpoint head",
        method: "HEAD",
        path: "/v3/endpoints/{ep}",
        body: None,
        capture: None,
        status: 200,
        upstream: None,
    },
    Row {
        label: "endpoint update",
        method: "PATCH",
        path: "/v3/endpoints/{ep}",
        body: Some(r#"{"endpoint": {"enabled": false}}"#),
        capture: None,
        status: 200,
        upstream: Some(
            r#"{"endpoint": {"id": "{ep}", "interface": "internal", "region_id": "RegionOne", "service_id": "{svc}", "url": "http://cr.example", "enabled": false, "region": "RegionOne"}}"#,
        ),
    },
    Row {
        label: "endpoint delete",
        method: "DELETE",
        path: "/v3/endpoints/{ep}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "project delete leaf",
        method: "DELETE",
        path: "/v3/projects/{leaf}",
        body: None,
        capture: None,
        status: 204,
        upstream: None,
    },
    Row {
        label: "project head gone",
        method: "HEAD",
        path: "/v3/projects/{leaf}",
        body: None,
        capture: None,
        status: 404,
        upstream: None,
    },
];

fn fill(text: &str, ids: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (name, id) in ids {
        out = out.replace(&format!("{{{name}}}"), id);
    }
    out
}

fn unfill(text: &str, ids: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (name, id) in ids {
        out = out.replace(id.as_str(), &format!("{{{name}}}"));
    }
    out
}

/// Ids to placeholders (in keys and values), `links` dropped; order kept.
fn normalize(v: &Value, ids: &[(String, String)]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "links")
                .map(|(k, v)| (unfill(k, ids), normalize(v, ids)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalize(x, ids)).collect()),
        Value::String(s) => Value::String(unfill(s, ids)),
        other => other.clone(),
    }
}

/// Lists of objects in a canonical order: both sides list by id, and ids are random.
fn sort_lists(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, sort_lists(v))).collect()),
        Value::Array(a) => {
            let mut a: Vec<Value> = a.into_iter().map(sort_lists).collect();
            if a.iter().all(Value::is_object) {
                a.sort_by_key(|x| x.to_string());
            }
            Value::Array(a)
        }
        other => other,
    }
}

/// The id of what a create answered: `{"x": {"id"}}` or `{"xs": [{"id"}]}`.
fn created_id(body: &Value) -> String {
    let inner = body
        .as_object()
        .and_then(|m| m.values().next())
        .expect("a wrapper");
    let inner = inner.as_array().map(|a| &a[0]).unwrap_or(inner);
    inner["id"].as_str().expect("an id").to_string()
}

#[test]
fn admin_surface_crud_answers_as_upstream() {
    let s = TestServer::start_demo();
    let sys = s.system_admin_token();
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut mismatches = Vec::new();
    for row in ROWS {
        let path = fill(row.path, &ids);
        let r = match row.body {
            Some(body) => {
                let body: Value = serde_json::from_str(&fill(body, &ids)).unwrap();
                s.send_json(row.method, &path, Some(&sys), &body)
            }
            None => s.request(row.method, &path, &[("X-Auth-Token", sys.as_str())], None),
        };
        if r.status != row.status {
            mismatches.push(format!(
                "{}: upstream {}, got {} {}",
                row.label,
                row.status,
                r.status,
                r.text()
            ));
            continue;
        }
        if let Some(name) = row.capture {
            ids.push((name.to_string(), created_id(&r.json())));
        }
        match row.upstream {
            Some(want) => {
                let got = sort_lists(normalize(&r.json(), &ids)).to_string();
                let want = sort_lists(serde_json::from_str::<Value>(want).unwrap()).to_string();
                if got != want {
                    mismatches.push(format!(
                        "{}:\n   upstream {want}\n   got      {got}",
                        row.label
                    ));
                }
            }
            None => assert!(
                r.body.is_empty(),
                "{}: upstream sent no body, got {}",
                row.label,
                r.text()
            ),
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
