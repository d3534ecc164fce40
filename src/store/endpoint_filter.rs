//! OS-EP-FILTER (upstream keeps it in the catalog subsystem): endpoints and endpoint groups
//! given to projects, and the endpoints a project's catalog is filtered to.

use super::catalog::{get_endpoint, list_endpoints};
use super::error::{Clash, Kind, Link, StoreError, StoreResult};
use super::tables::{
    key2, ENDPOINT_GROUPS, ENDPOINT_GROUP_PROJECTS, ENDPOINT_PROJECTS, PROJECT_ENDPOINTS,
    PROJECT_ENDPOINT_GROUPS,
};
use super::{Reader, Writer};
use crate::model::{Endpoint, EndpointGroup};
use serde_json::Value;

fn project_endpoint_missing(endpoint_id: &str, project_id: &str) -> StoreError {
    StoreError::NotLinked(Link::EndpointInProject {
        endpoint_id: endpoint_id.to_string(),
        project_id: project_id.to_string(),
    })
}

fn group_project_missing() -> StoreError {
    StoreError::NotLinked(Link::EndpointGroupInProject)
}

fn duplicate_association(kind: Kind) -> StoreError {
    StoreError::Duplicate {
        kind,
        clash: Clash::Association,
    }
}

pub fn add_endpoint_to_project(
    w: &impl Writer,
    endpoint_id: &str,
    project_id: &str,
) -> StoreResult<()> {
    let key = key2(project_id, endpoint_id);
    if w.exists(PROJECT_ENDPOINTS, &key)? {
        return Err(duplicate_association(Kind::ProjectEndpoint));
    }
    w.put_bytes(PROJECT_ENDPOINTS, &key, b"")?;
    w.put_bytes(ENDPOINT_PROJECTS, &key2(endpoint_id, project_id), b"")
}

pub fn check_endpoint_in_project(
    r: &impl Reader,
    endpoint_id: &str,
    project_id: &str,
) -> StoreResult<()> {
    if r.exists(PROJECT_ENDPOINTS, &key2(project_id, endpoint_id))? {
        Ok(())
    } else {
        Err(project_endpoint_missing(endpoint_id, project_id))
    }
}

pub fn remove_endpoint_from_project(
    w: &impl Writer,
    endpoint_id: &str,
    project_id: &str,
) -> StoreResult<()> {
    if !w.remove(PROJECT_ENDPOINTS, &key2(project_id, endpoint_id))? {
        return Err(project_endpoint_missing(endpoint_id, project_id));
    }
    w.remove(ENDPOINT_PROJECTS, &key2(endpoint_id, project_id))?;
    Ok(())
}

pub fn projects_for_endpoint(r: &impl Reader, endpoint_id: &str) -> StoreResult<Vec<String>> {
    r.suffixes(ENDPOINT_PROJECTS, endpoint_id)
}

pub fn get_endpoint_group(r: &impl Reader, id: &str) -> StoreResult<Option<EndpointGroup>> {
    r.get(ENDPOINT_GROUPS, id)
}

pub fn require_endpoint_group(r: &impl Reader, id: &str) -> StoreResult<EndpointGroup> {
    get_endpoint_group(r, id)?.ok_or_else(|| StoreError::not_found(Kind::EndpointGroup, id))
}

pub fn list_endpoint_groups(r: &impl Reader) -> StoreResult<Vec<EndpointGroup>> {
    r.list(ENDPOINT_GROUPS)
}

pub fn put_endpoint_group(w: &impl Writer, group: &EndpointGroup) -> StoreResult<()> {
    w.put(ENDPOINT_GROUPS, &group.id, group)
}

/// Deletes an endpoint group and the projects' associations with it.
pub fn delete_endpoint_group(w: &impl Writer, id: &str) -> StoreResult<()> {
    require_endpoint_group(w, id)?;
    for project_id in w.suffixes(ENDPOINT_GROUP_PROJECTS, id)? {
        w.remove(PROJECT_ENDPOINT_GROUPS, &key2(&project_id, id))?;
    }
    w.remove_prefix(ENDPOINT_GROUP_PROJECTS, id)?;
    w.remove(ENDPOINT_GROUPS, id)?;
    Ok(())
}

pub fn add_endpoint_group_to_project(
    w: &impl Writer,
    group_id: &str,
    project_id: &str,
) -> StoreResult<()> {
    let key = key2(group_id, project_id);
    if w.exists(ENDPOINT_GROUP_PROJECTS, &key)? {
        return Err(duplicate_association(Kind::ProjectEndpointGroup));
    }
    w.put_bytes(ENDPOINT_GROUP_PROJECTS, &key, b"")?;
    w.put_bytes(PROJECT_ENDPOINT_GROUPS, &key2(project_id, group_id), b"")
}

pub fn check_endpoint_group_in_project(
    r: &impl Reader,
    group_id: &str,
    project_id: &str,
) -> StoreResult<()> {
    if r.exists(ENDPOINT_GROUP_PROJECTS, &key2(group_id, project_id))? {
        Ok(())
    } else {
        Err(group_project_missing())
    }
}

pub fn remove_endpoint_group_from_project(
    w: &impl Writer,
    group_id: &str,
    project_id: &str,
) -> StoreResult<()> {
    if !w.remove(ENDPOINT_GROUP_PROJECTS, &key2(group_id, project_id))? {
        return Err(group_project_missing());
    }
    w.remove(PROJECT_ENDPOINT_GROUPS, &key2(project_id, group_id))?;
    Ok(())
}

pub fn projects_for_endpoint_group(r: &impl Reader, group_id: &str) -> StoreResult<Vec<String>> {
    r.suffixes(ENDPOINT_GROUP_PROJECTS, group_id)
}

pub fn endpoint_groups_for_project(
    r: &impl Reader,
    project_id: &str,
) -> StoreResult<Vec<EndpointGroup>> {
    let mut out = Vec::new();
    for id in r.suffixes(PROJECT_ENDPOINT_GROUPS, project_id)? {
        if let Some(group) = get_endpoint_group(r, &id)? {
            out.push(group);
        }
    }
    Ok(out)
}

/// Does the endpoint's attribute `key` equal `wanted` (upstream: `endpoint[key] != value`)?
fn endpoint_matches(endpoint: &Endpoint, key: &str, wanted: &Value) -> bool {
    let actual = match key {
        "id" => Value::String(endpoint.id.clone()),
        "interface" => Value::String(endpoint.interface.clone()),
        "region_id" => endpoint
            .region_id
            .clone()
            .map_or(Value::Null, Value::String),
        "service_id" => Value::String(endpoint.service_id.clone()),
        "url" => Value::String(endpoint.url.clone()),
        "enabled" => Value::Bool(endpoint.enabled),
        other => match endpoint.extra.get(other) {
            Some(v) => v.clone(),
            None => return false,
        },
    };
    actual == *wanted
}

pub fn endpoints_in_group(endpoints: &[Endpoint], group: &EndpointGroup) -> Vec<Endpoint> {
    endpoints
        .iter()
        .filter(|e| group.filters.iter().all(|(k, v)| endpoint_matches(e, k, v)))
        .cloned()
        .collect()
}

/// The endpoints a project is given, directly and through endpoint groups, as upstream's
/// list_endpoints_for_project (direct ones first, each endpoint once).
pub fn endpoints_for_project(r: &impl Reader, project_id: &str) -> StoreResult<Vec<Endpoint>> {
    let mut out: Vec<Endpoint> = Vec::new();
    for endpoint_id in r.suffixes(PROJECT_ENDPOINTS, project_id)? {
        if let Some(endpoint) = get_endpoint(r, &endpoint_id)? {
            out.push(endpoint);
        }
    }
    let groups = endpoint_groups_for_project(r, project_id)?;
    if !groups.is_empty() {
        let all = list_endpoints(r)?;
        for group in &groups {
            for endpoint in endpoints_in_group(&all, group) {
                if !out.iter().any(|e| e.id == endpoint.id) {
                    out.push(endpoint);
                }
            }
        }
    }
    Ok(out)
}

/// A deleted endpoint leaves no project associations behind.
pub fn delete_for_endpoint(w: &impl Writer, endpoint_id: &str) -> StoreResult<()> {
    for project_id in w.suffixes(ENDPOINT_PROJECTS, endpoint_id)? {
        w.remove(PROJECT_ENDPOINTS, &key2(&project_id, endpoint_id))?;
    }
    w.remove_prefix(ENDPOINT_PROJECTS, endpoint_id)?;
    Ok(())
}

/// A deleted project leaves no endpoint or endpoint group associations behind.
pub fn delete_for_project(w: &impl Writer, project_id: &str) -> StoreResult<()> {
    for endpoint_id in w.suffixes(PROJECT_ENDPOINTS, project_id)? {
        w.remove(ENDPOINT_PROJECTS, &key2(&endpoint_id, project_id))?;
    }
    w.remove_prefix(PROJECT_ENDPOINTS, project_id)?;
    for group_id in w.suffixes(PROJECT_ENDPOINT_GROUPS, project_id)? {
        w.remove(ENDPOINT_GROUP_PROJECTS, &key2(&group_id, project_id))?;
    }
    w.remove_prefix(PROJECT_ENDPOINT_GROUPS, project_id)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Extra, Project, Region, Service};
    use crate::store::{catalog, resource, Store};

    fn store() -> (Store, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("ksl-epf-{}.redb", crate::model::new_id()));
        (Store::open(&path).expect("open store"), path)
    }

    fn endpoint(id: &str, service: &str, interface: &str, region: Option<&str>) -> Endpoint {
        Endpoint {
            id: id.into(),
            interface: interface.into(),
            region_id: region.map(str::to_string),
            service_id: service.into(),
            url: format!("http://{id}"),
            enabled: true,
            extra: Extra::new(),
        }
    }

    fn seed(w: &impl Writer) -> StoreResult<()> {
        for (id, parent) in [("r1", None), ("r2", Some("r1")), ("r3", Some("r2"))] {
            catalog::create_region(
                w,
                &Region {
                    id: id.into(),
                    description: String::new(),
                    parent_region_id: parent.map(str::to_string),
                    extra: Extra::new(),
                },
            )?;
        }
        catalog::put_service(
            w,
            &Service {
                id: "s".into(),
                service_type: "t".into(),
                enabled: true,
                extra: Extra::new(),
            },
        )?;
        catalog::put_endpoint(w, &endpoint("e1", "s", "public", Some("r3")))?;
        catalog::put_endpoint(w, &endpoint("e2", "s", "admin", None))?;
        resource::create_project(
            w,
            &Project {
                id: "p".into(),
                name: "p".into(),
                domain_id: "default".into(),
                description: String::new(),
                enabled: true,
                parent_id: Some("default".into()),
                tags: vec![],
                options: Extra::new(),
                extra: Extra::new(),
            },
        )
    }

    #[test]
    fn project_endpoints_direct_then_by_group_and_cascades() {
        let (store, path) = store();
        store.write(|w| seed(w)).expect("seed");
        store
            .write(|w| {
                add_endpoint_to_project(w, "e1", "p")?;
                assert!(matches!(
                    add_endpoint_to_project(w, "e1", "p"),
                    Err(StoreError::Duplicate { .. })
                ));
                let mut filters = Extra::new();
                filters.insert("interface".into(), Value::String("admin".into()));
                put_endpoint_group(
                    w,
                    &EndpointGroup {
                        id: "g".into(),
                        name: "g".into(),
                        description: None,
                        filters,
                    },
                )?;
                add_endpoint_group_to_project(w, "g", "p")
            })
            .expect("associate");
        let ids = |store: &Store| -> Vec<String> {
            store
                .read(|r| endpoints_for_project(r, "p"))
                .expect("list")
                .into_iter()
                .map(|e| e.id)
                .collect()
        };
        assert_eq!(ids(&store), ["e1", "e2"]);
        // Deleting an endpoint drops its project association in the same transaction (the
        // cascade is the service layer's: the catalog does not know this subsystem).
        store
            .write(|w| crate::service::catalog::delete_endpoint(w, "e1"))
            .expect("delete");
        assert_eq!(ids(&store), ["e2"]);
        assert!(store
            .read(|r| projects_for_endpoint(r, "e1"))
            .expect("read")
            .is_empty());
        // Deleting the project drops its group associations.
        store
            .write(|w| {
                let project = resource::require_project(w, "p")?;
                crate::service::resource::delete_project_in(w, &project, 0)
            })
            .expect("delete project");
        assert!(store
            .read(|r| projects_for_endpoint_group(r, "g"))
            .expect("read")
            .is_empty());
        drop(store);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn region_tree_rules() {
        let (store, path) = store();
        store.write(|w| seed(w)).expect("seed");
        // A cycle through a child is refused, naming the region itself.
        let mut changes = serde_json::Map::new();
        changes.insert("parent_region_id".into(), Value::String("r3".into()));
        let err = store
            .write(|w| catalog::update_region(w, "r1", &changes))
            .expect_err("cycle");
        // The client's sentence is src/error.rs's; the store only says which rule broke.
        assert_eq!(
            crate::error::Error::from(err).message(),
            "The specified parent region r1 would create a circular region hierarchy."
        );
        // An endpoint anywhere below forbids deleting the subtree.
        assert!(matches!(
            store.write(|w| catalog::delete_region(w, "r1")),
            Err(StoreError::Constraint(_))
        ));
        store
            .write(|w| catalog::delete_endpoint(w, "e1"))
            .expect("delete");
        store
            .write(|w| catalog::delete_region(w, "r1"))
            .expect("delete tree");
        assert!(store.read(catalog::list_regions).expect("list").is_empty());
        drop(store);
        let _ = std::fs::remove_file(path);
    }
}
