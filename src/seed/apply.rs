//! Applying a checked seed inside one write transaction, one section at a time, in the order
//! references need: domains, projects, users, groups, roles (then what they imply),
//! assignments, regions, services, endpoints; last, the record that this text was applied.

use std::collections::HashMap;

use crate::error::Error;
use crate::model::{self, ActorKind, Assignment, Target};
use crate::store::iam::role_details;
use crate::store::{assignment, catalog, identity, resource, Reader, Writer};

use super::{
    digest, SeedAssignment, SeedEndpoint, SeedError, SeedFile, DEFAULT_DOMAIN_ID,
    DEFAULT_DOMAIN_NAME, META_SEED_DIGEST, META_SEED_URL_TEMPLATES,
};

/// Ensures everything the seed lists exists; `hashes` are the new users' password hashes by
/// seed index.
pub(super) fn apply_in(
    w: &crate::store::Tx,
    file: &SeedFile,
    hashes: &HashMap<usize, String>,
    public_url: &str,
) -> Result<(), SeedError> {
    let a = Applier { w, file };
    let loaded_templates = a.records(public_url)?;
    a.default_domain()?;
    a.domains()?;
    a.projects()?;
    a.users(hashes)?;
    a.groups()?;
    a.roles()?;
    a.implied_roles()?;
    for (i, assignment) in file.seed.assignments.iter().enumerate() {
        a.assignment(i, assignment)?;
    }
    a.regions()?;
    let services = catalog::list_services(w).map_err(a.store_err("services", 0))?;
    let service_ids = a.services(&services)?;
    let mut url_templates = a.endpoints(&services, &service_ids, public_url)?;
    url_templates.extend(loaded_templates);
    a.record(&url_templates)
}

/// The transaction and the seed it applies; errors name the seed entry they come from.
struct Applier<'a> {
    w: &'a crate::store::Tx<'a>,
    file: &'a SeedFile,
}

impl Applier<'_> {
    /// The exported records, first: the named sections then find what they name existing.
    /// The exporting server's `{public_url}` endpoints get this server's URL; their templates
    /// are returned, to be kept for later starts.
    fn records(&self, public_url: &str) -> Result<Vec<(String, String)>, SeedError> {
        let records = &self.file.seed.records;
        if records.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(name) = super::records::unknown_table(records) {
            return Err(self
                .file
                .error("records", 0, format!("no store table is named {name:?}")));
        }
        if !super::records::store_is_fresh(self.w).map_err(self.store_err("records", 0))? {
            log::warn!(
                "{}: records load only into a fresh data dir; this store has data, so they \
                 are not loaded",
                self.file.path
            );
            return Ok(Vec::new());
        }
        let err = self.store_err("records", 0);
        let count = super::records::load(self.w, records).map_err(&err)?;
        log::info!("seed: {count} store records loaded");
        let templates: Vec<(String, String)> = self
            .w
            .get(crate::store::tables::META, META_SEED_URL_TEMPLATES)
            .map_err(&err)?
            .unwrap_or_default();
        for (id, template) in &templates {
            let found = catalog::get_endpoint(self.w, id).map_err(|e| {
                self.file
                    .error("records", 0, crate::error::Error::from(e).to_string())
            })?;
            if let Some(endpoint) = found {
                let url = template.replace("{public_url}", public_url);
                catalog::put_endpoint(self.w, &model::Endpoint { url, ..endpoint }).map_err(
                    |e| {
                        self.file
                            .error("records", 0, crate::error::Error::from(e).to_string())
                    },
                )?;
            }
        }
        Ok(templates)
    }

    /// A store error, reported at the seed entry being applied.
    /// A store failure as a seed error naming the entry, worded as the API would word it.
    fn store_err<'s>(
        &'s self,
        section: &'s str,
        i: usize,
    ) -> impl Fn(crate::store::StoreError) -> SeedError + 's {
        move |e| self.file.error(section, i, Error::from(e).to_string())
    }

    /// The id of the domain named `name`, which must exist by now.
    fn domain_id(&self, section: &str, i: usize, name: &str) -> Result<String, SeedError> {
        resource::find_domain_by_name(self.w, name)
            .map_err(self.store_err(section, i))?
            .map(|d| d.id)
            .ok_or_else(|| {
                self.file
                    .error(section, i, format!("unknown domain '{name}'"))
            })
    }

    /// The default domain always exists, as upstream's db_sync makes it.
    fn default_domain(&self) -> Result<(), SeedError> {
        let w = self.w;
        if resource::get_domain(w, DEFAULT_DOMAIN_ID)
            .map_err(self.store_err("domains", 0))?
            .is_some()
        {
            return Ok(());
        }
        let default = model::Domain {
            id: DEFAULT_DOMAIN_ID.into(),
            name: DEFAULT_DOMAIN_NAME.into(),
            description: "The default domain".into(),
            enabled: true,
            tags: vec![],
            options: Default::default(),
            extra: Default::default(),
        };
        resource::create_domain(w, &default).map_err(self.store_err("domains", 0))
    }

    fn domains(&self) -> Result<(), SeedError> {
        let w = self.w;
        for (i, d) in self.file.seed.domains.iter().enumerate() {
            if resource::find_domain_by_name(w, &d.name)
                .map_err(self.store_err("domains", i))?
                .is_some()
            {
                continue;
            }
            let domain = model::Domain {
                id: d.id.clone().unwrap_or_else(model::new_id),
                name: d.name.clone(),
                description: d.description.clone(),
                enabled: d.enabled,
                tags: vec![],
                options: Default::default(),
                extra: Default::default(),
            };
            resource::create_domain(w, &domain).map_err(self.store_err("domains", i))?;
        }
        Ok(())
    }

    /// Projects in seed order; a parent must come before its children.
    fn projects(&self) -> Result<(), SeedError> {
        let w = self.w;
        for (i, p) in self.file.seed.projects.iter().enumerate() {
            let did = self.domain_id("projects", i, &p.domain)?;
            if resource::find_project_by_name(w, &did, &p.name)
                .map_err(self.store_err("projects", i))?
                .is_some()
            {
                continue;
            }
            let parent_id = match &p.parent {
                Some(parent) => Some(
                    resource::find_project_by_name(w, &did, parent)
                        .map_err(self.store_err("projects", i))?
                        .ok_or_else(|| {
                            self.file.error(
                                "projects",
                                i,
                                format!("unknown parent project '{parent}' (list parents first)"),
                            )
                        })?
                        .id,
                ),
                None => Some(did.clone()),
            };
            let project = model::Project {
                id: p.id.clone().unwrap_or_else(model::new_id),
                name: p.name.clone(),
                domain_id: did,
                description: p.description.clone(),
                enabled: p.enabled,
                parent_id,
                tags: p.tags.clone(),
                options: Default::default(),
                extra: Default::default(),
            };
            resource::create_project(w, &project).map_err(self.store_err("projects", i))?;
        }
        Ok(())
    }

    fn users(&self, hashes: &HashMap<usize, String>) -> Result<(), SeedError> {
        let w = self.w;
        for (i, u) in self.file.seed.users.iter().enumerate() {
            let did = self.domain_id("users", i, &u.domain)?;
            if identity::find_user_by_name(w, &did, &u.name)
                .map_err(self.store_err("users", i))?
                .is_some()
            {
                continue;
            }
            let default_project_id = match &u.default_project {
                Some(name) => Some(
                    resource::find_project_by_name(w, &did, name)
                        .map_err(self.store_err("users", i))?
                        .ok_or_else(|| {
                            self.file
                                .error("users", i, format!("unknown default_project '{name}'"))
                        })?
                        .id,
                ),
                None => None,
            };
            let mut extra = model::Extra::new();
            if let Some(email) = &u.email {
                extra.insert("email".into(), email.clone().into());
            }
            if let Some(description) = &u.description {
                extra.insert("description".into(), description.clone().into());
            }
            let user = model::User {
                id: u.id.clone().unwrap_or_else(model::new_id),
                name: u.name.clone(),
                domain_id: did,
                enabled: u.enabled,
                password_hash: hashes.get(&i).cloned(),
                default_project_id,
                password_expires_at: None,
                options: Default::default(),
                extra,
                password_created_at: 0,
                ..Default::default()
            };
            identity::create_user(w, &user).map_err(self.store_err("users", i))?;
        }
        Ok(())
    }

    /// Groups that do not exist are created; members are added to every listed group.
    fn groups(&self) -> Result<(), SeedError> {
        let w = self.w;
        for (i, g) in self.file.seed.groups.iter().enumerate() {
            let did = self.domain_id("groups", i, &g.domain)?;
            let existing = identity::find_group_by_name(w, &did, &g.name)
                .map_err(self.store_err("groups", i))?;
            let group = match existing {
                Some(existing) => existing,
                None => {
                    let group = model::Group {
                        id: g.id.clone().unwrap_or_else(model::new_id),
                        name: g.name.clone(),
                        domain_id: did.clone(),
                        description: g.description.clone(),
                        extra: Default::default(),
                    };
                    identity::create_group(w, &group).map_err(self.store_err("groups", i))?;
                    group
                }
            };
            for member in &g.members {
                let user = identity::find_user_by_name(w, &did, member)
                    .map_err(self.store_err("groups", i))?
                    .ok_or_else(|| {
                        self.file
                            .error("groups", i, format!("unknown member '{member}'"))
                    })?;
                identity::add_member(w, &group.id, &user.id)
                    .map_err(self.store_err("groups", i))?;
            }
        }
        Ok(())
    }

    /// The domain id of a seed role (None: a global role).
    fn role_domain(&self, i: usize, domain: Option<&String>) -> Result<Option<String>, SeedError> {
        match domain {
            Some(name) => Ok(Some(self.domain_id("roles", i, name)?)),
            None => Ok(None),
        }
    }

    fn roles(&self) -> Result<(), SeedError> {
        let w = self.w;
        for (i, r) in self.file.seed.roles.iter().enumerate() {
            let did = self.role_domain(i, r.domain.as_ref())?;
            if let Some(existing) = assignment::find_role_by_name(w, did.as_deref(), &r.name)
                .map_err(self.store_err("roles", i))?
            {
                self.role_details(i, r, &existing.id)?;
                continue;
            }
            let role = model::Role {
                id: r.id.clone().unwrap_or_else(model::new_id),
                name: r.name.clone(),
                domain_id: did,
                description: r.description.clone(),
                options: Default::default(),
                extra: Default::default(),
            };
            assignment::create_role(w, &role).map_err(self.store_err("roles", i))?;
            self.role_details(i, r, &role.id)?;
        }
        Ok(())
    }

    /// A seed role's Huawei fields, when it has some and the store none yet.
    fn role_details(&self, i: usize, r: &super::SeedRole, role_id: &str) -> Result<(), SeedError> {
        let Some(details) = super::huawei_roles::details_of(r)
            .map_err(|message| self.file.error("roles", i, message))?
        else {
            return Ok(());
        };
        if role_details::get(self.w, role_id)
            .map_err(self.store_err("roles", i))?
            .is_none()
        {
            role_details::put(self.w, role_id, &details).map_err(self.store_err("roles", i))?;
        }
        Ok(())
    }

    /// After every role exists: what each implies (global roles, by name).
    fn implied_roles(&self) -> Result<(), SeedError> {
        let w = self.w;
        for (i, r) in self.file.seed.roles.iter().enumerate() {
            let did = self.role_domain(i, r.domain.as_ref())?;
            let Some(prior) = assignment::find_role_by_name(w, did.as_deref(), &r.name)
                .map_err(self.store_err("roles", i))?
            else {
                continue;
            };
            for implied in &r.implies {
                let implied_role = assignment::find_role_by_name(w, None, implied)
                    .map_err(self.store_err("roles", i))?
                    .ok_or_else(|| {
                        self.file
                            .error("roles", i, format!("unknown implied role '{implied}'"))
                    })?;
                assignment::add_implied(w, &prior.id, &implied_role.id)
                    .map_err(self.store_err("roles", i))?;
            }
        }
        Ok(())
    }

    fn assignment(&self, i: usize, a: &SeedAssignment) -> Result<(), SeedError> {
        let w = self.w;
        let e = |m: String| self.file.error("assignments", i, m);
        let (actor_kind, actor_id) = self.assignment_actor(i, a)?;
        let target = self.assignment_target(i, a)?;
        let role = assignment::find_role_by_name(w, None, &a.role)
            .map_err(self.store_err("assignments", i))?
            .ok_or_else(|| e(format!("unknown role '{}'", a.role)))?;
        assignment::grant(
            w,
            &Assignment {
                actor_kind,
                actor_id,
                target,
                role_id: role.id,
                inherited: a.inherited,
            },
        )
        .map_err(self.store_err("assignments", i))
    }

    /// The user or group an assignment names (exactly one).
    fn assignment_actor(
        &self,
        i: usize,
        a: &SeedAssignment,
    ) -> Result<(ActorKind, String), SeedError> {
        let w = self.w;
        let e = |m: String| self.file.error("assignments", i, m);
        let actor_did = self.domain_id("assignments", i, &a.actor_domain)?;
        Ok(match (&a.user, &a.group) {
            (Some(name), None) => (
                ActorKind::User,
                identity::find_user_by_name(w, &actor_did, name)
                    .map_err(self.store_err("assignments", i))?
                    .ok_or_else(|| e(format!("unknown user '{name}'")))?
                    .id,
            ),
            (None, Some(name)) => (
                ActorKind::Group,
                identity::find_group_by_name(w, &actor_did, name)
                    .map_err(self.store_err("assignments", i))?
                    .ok_or_else(|| e(format!("unknown group '{name}'")))?
                    .id,
            ),
            _ => return Err(e("give exactly one of user or group".into())),
        })
    }

    /// The project, domain or system an assignment names (exactly one).
    fn assignment_target(&self, i: usize, a: &SeedAssignment) -> Result<Target, SeedError> {
        let e = |m: String| self.file.error("assignments", i, m);
        Ok(match (&a.project, &a.domain, &a.system) {
            (Some(name), None, None) => {
                let pdid = self.domain_id("assignments", i, &a.project_domain)?;
                Target::Project(
                    resource::find_project_by_name(self.w, &pdid, name)
                        .map_err(self.store_err("assignments", i))?
                        .ok_or_else(|| e(format!("unknown project '{name}'")))?
                        .id,
                )
            }
            (None, Some(name), None) => Target::Domain(self.domain_id("assignments", i, name)?),
            (None, None, Some(all)) if all == "all" => Target::System,
            (None, None, Some(other)) => {
                return Err(e(format!("system must be 'all', not '{other}'")))
            }
            _ => return Err(e("give exactly one of project, domain or system".into())),
        })
    }

    /// Regions in seed order; a parent must come before its children.
    fn regions(&self) -> Result<(), SeedError> {
        let w = self.w;
        for (i, r) in self.file.seed.regions.iter().enumerate() {
            if catalog::get_region(w, &r.id)
                .map_err(self.store_err("regions", i))?
                .is_some()
            {
                continue;
            }
            if let Some(parent) = &r.parent {
                if catalog::get_region(w, parent)
                    .map_err(self.store_err("regions", i))?
                    .is_none()
                {
                    return Err(self.file.error(
                        "regions",
                        i,
                        format!("unknown parent region '{parent}' (list parents first)"),
                    ));
                }
            }
            let region = model::Region {
                id: r.id.clone(),
                description: r.description.clone(),
                parent_region_id: r.parent.clone(),
                extra: Default::default(),
            };
            catalog::create_region(w, &region).map_err(self.store_err("regions", i))?;
        }
        Ok(())
    }

    /// Services matched by name and type; the id of each seed service by name.
    fn services(&self, services: &[model::Service]) -> Result<HashMap<String, String>, SeedError> {
        let mut service_ids: HashMap<String, String> = HashMap::new();
        for (i, s) in self.file.seed.services.iter().enumerate() {
            if let Some(existing) = services
                .iter()
                .find(|x| x.name() == s.name && x.service_type == s.service_type)
            {
                service_ids.insert(s.name.clone(), existing.id.clone());
                continue;
            }
            let mut extra = model::Extra::new();
            extra.insert("name".into(), s.name.clone().into());
            if let Some(description) = &s.description {
                extra.insert("description".into(), description.clone().into());
            }
            let service = model::Service {
                id: s.id.clone().unwrap_or_else(model::new_id),
                service_type: s.service_type.clone(),
                enabled: s.enabled,
                extra,
            };
            catalog::put_service(self.w, &service).map_err(self.store_err("services", i))?;
            service_ids.insert(s.name.clone(), service.id);
        }
        Ok(service_ids)
    }

    /// Endpoints matched by service, interface and region; a `{public_url}` URL is rewritten
    /// to the current URL. The (endpoint id, URL template) pairs to refresh on later starts.
    fn endpoints(
        &self,
        services: &[model::Service],
        service_ids: &HashMap<String, String>,
        public_url: &str,
    ) -> Result<Vec<(String, String)>, SeedError> {
        let w = self.w;
        let endpoints = catalog::list_endpoints(w).map_err(self.store_err("endpoints", 0))?;
        let mut url_templates: Vec<(String, String)> = Vec::new();
        for (i, ep) in self.file.seed.endpoints.iter().enumerate() {
            let service_id = self.endpoint_checks(i, ep, services, service_ids)?;
            let url = ep.url.replace("{public_url}", public_url);
            let existing = endpoints.iter().find(|x| {
                x.service_id == service_id
                    && x.interface == ep.interface
                    && x.region_id == ep.region
            });
            if let (true, Some(x)) = (ep.url.contains("{public_url}"), existing) {
                url_templates.push((x.id.clone(), ep.url.clone()));
            }
            let endpoint = match existing {
                Some(x) if x.url == url || !ep.url.contains("{public_url}") => continue,
                Some(x) => model::Endpoint { url, ..x.clone() },
                None => model::Endpoint {
                    id: ep.id.clone().unwrap_or_else(model::new_id),
                    interface: ep.interface.clone(),
                    region_id: ep.region.clone(),
                    service_id,
                    url,
                    enabled: ep.enabled,
                    extra: Default::default(),
                },
            };
            if existing.is_none() && ep.url.contains("{public_url}") {
                url_templates.push((endpoint.id.clone(), ep.url.clone()));
            }
            catalog::put_endpoint(w, &endpoint).map_err(self.store_err("endpoints", i))?;
        }
        Ok(url_templates)
    }

    /// An endpoint's service (seeded or existing), interface and region checked; its
    /// service id.
    fn endpoint_checks(
        &self,
        i: usize,
        ep: &SeedEndpoint,
        services: &[model::Service],
        service_ids: &HashMap<String, String>,
    ) -> Result<String, SeedError> {
        let service_id = match service_ids.get(&ep.service) {
            Some(id) => id.clone(),
            None => services
                .iter()
                .find(|s| s.name() == ep.service)
                .map(|s| s.id.clone())
                .ok_or_else(|| {
                    self.file
                        .error("endpoints", i, format!("unknown service '{}'", ep.service))
                })?,
        };
        if !["public", "internal", "admin"].contains(&ep.interface.as_str()) {
            return Err(self.file.error(
                "endpoints",
                i,
                format!(
                    "interface must be public, internal or admin, not '{}'",
                    ep.interface
                ),
            ));
        }
        if let Some(region) = &ep.region {
            if catalog::get_region(self.w, region)
                .map_err(self.store_err("endpoints", i))?
                .is_none()
            {
                return Err(self
                    .file
                    .error("endpoints", i, format!("unknown region '{region}'")));
            }
        }
        Ok(service_id)
    }

    /// Remembers what was applied, so an unchanged seed is not parsed or applied again.
    fn record(&self, url_templates: &[(String, String)]) -> Result<(), SeedError> {
        let record = self.store_err("endpoints", 0);
        self.w
            .put(
                crate::store::tables::META,
                META_SEED_URL_TEMPLATES,
                &url_templates.to_vec(),
            )
            .map_err(&record)?;
        self.w
            .put(
                crate::store::tables::META,
                META_SEED_DIGEST,
                &digest(&self.file.text),
            )
            .map_err(record)
    }
}
