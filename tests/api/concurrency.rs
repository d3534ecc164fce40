//! Concurrent writers: threads create and delete projects, grant roles on them and race for the
//! same names at once. Every acknowledged write is there afterwards (and every acknowledged
//! delete gone), each contested name was created exactly once (the rest 409), nothing is
//! duplicated and no request got a 5xx.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::json;

use crate::common::*;

const THREADS: usize = 8;
const ROUNDS: usize = 12;

#[derive(Default)]
struct Log {
    live: Vec<(String, String)>, // (name, id)
    deleted: Vec<String>,
    granted: Vec<String>, // project ids granted member for demo
    contested_wins: Vec<(usize, String)>,
    errors: Vec<String>,
}

#[test]
fn concurrent_project_writes_and_grants_lose_nothing() {
    let s = Arc::new(TestServer::start_demo());
    let token = Arc::new(s.system_admin_token());
    let demo = s.id_by_name(&token, "users", "demo");
    let member = s.id_by_name(&token, "roles", "member");
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (s, token, demo, member) = (s.clone(), token.clone(), demo.clone(), member.clone());
            std::thread::spawn(move || {
                let mut log = Log::default();
                for i in 0..ROUNDS {
                    let name = format!("conc-{t}-{i}");
                    let r = s.post(
                        "/v3/projects",
                        Some(&token),
                        &json!({"project": {"name": name}}),
                    );
                    if r.status != 201 {
                        log.errors
                            .push(format!("create {name}: {} {}", r.status, r.text()));
                        continue;
                    }
                    let id = r.json()["project"]["id"].as_str().unwrap().to_string();
                    let r = s.put(
                        &format!("/v3/projects/{id}/users/{demo}/roles/{member}"),
                        Some(&token),
                    );
                    if r.status == 204 {
                        log.granted.push(id.clone());
                    } else {
                        log.errors
                            .push(format!("grant {name}: {} {}", r.status, r.text()));
                    }
                    if i % 3 == 2 {
                        let r = s.delete(&format!("/v3/projects/{id}"), Some(&token));
                        if r.status == 204 {
                            log.deleted.push(id);
                        } else {
                            log.errors
                                .push(format!("delete {name}: {} {}", r.status, r.text()));
                            log.live.push((name, id));
                        }
                    } else {
                        log.live.push((name, id));
                    }
                    // Every thread races for the same name each round: one wins, the rest 409.
                    let r = s.post(
                        "/v3/projects",
                        Some(&token),
                        &json!({"project": {"name": format!("contested-{i}")}}),
                    );
                    match r.status {
                        201 => log
                            .contested_wins
                            .push((i, r.json()["project"]["id"].as_str().unwrap().to_string())),
                        409 => {}
                        other => log
                            .errors
                            .push(format!("contested-{i}: {other} {}", r.text())),
                    }
                }
                log
            })
        })
        .collect();
    let logs: Vec<Log> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let errors: Vec<&String> = logs.iter().flat_map(|l| &l.errors).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let r = s.get("/v3/projects", Some(&token));
    r.expect(200);
    let listed = r.json()["projects"].as_array().unwrap().clone();
    let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
    for p in &listed {
        by_name
            .entry(p["name"].as_str().unwrap().to_string())
            .or_default()
            .push(p["id"].as_str().unwrap().to_string());
    }
    for (name, ids) in &by_name {
        assert_eq!(ids.len(), 1, "name {name} listed {} times", ids.len());
    }
    let listed_ids: HashSet<String> = by_name.values().flatten().cloned().collect();
    for log in &logs {
        for (name, id) in &log.live {
            assert_eq!(by_name.get(name), Some(&vec![id.clone()]), "{name}");
        }
        for id in &log.deleted {
            assert!(!listed_ids.contains(id), "deleted {id} still listed");
            assert_eq!(
                s.get(&format!("/v3/projects/{id}"), Some(&token)).status,
                404
            );
        }
    }
    for i in 0..ROUNDS {
        let wins: Vec<&String> = logs
            .iter()
            .flat_map(|l| &l.contested_wins)
            .filter(|(round, _)| *round == i)
            .map(|(_, id)| id)
            .collect();
        assert_eq!(wins.len(), 1, "contested-{i} created {} times", wins.len());
        assert_eq!(
            by_name.get(&format!("contested-{i}")),
            Some(&vec![wins[0].clone()])
        );
    }
    let expected_live = THREADS * (ROUNDS - ROUNDS / 3);
    let live: usize = logs.iter().map(|l| l.live.len()).sum();
    assert_eq!(live, expected_live);

    // Grants: exactly those on live projects remain (delete cascades the rest).
    let r = s.get(
        &format!("/v3/role_assignments?user.id={demo}&role.id={member}"),
        Some(&token),
    );
    let mut granted_now: Vec<String> = r.json()["role_assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["scope"]["project"]["id"].as_str().map(str::to_string))
        .filter(|id| listed_ids.contains(id))
        .collect();
    granted_now.sort();
    granted_now.dedup();
    let mut want: Vec<String> = logs
        .iter()
        .flat_map(|l| &l.granted)
        .filter(|id| listed_ids.contains(*id))
        .cloned()
        .collect();
    let demo_project = s.id_by_name(&token, "projects", "demo");
    want.push(demo_project);
    want.sort();
    assert_eq!(granted_now, want);
    let total: usize = r.json()["role_assignments"].as_array().unwrap().len();
    assert_eq!(total, want.len(), "no duplicate or stale assignment");

    // And it all survives a restart.
    drop(token);
    let mut s = Arc::try_unwrap(s).ok().expect("threads done");
    s.restart();
    let token = s.system_admin_token();
    let r = s.get("/v3/projects", Some(&token));
    assert_eq!(r.json()["projects"].as_array().unwrap().len(), listed.len());
}
