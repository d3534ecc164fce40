//! `keystone-lite backup` while the server serves writes: the snapshot is one read
//! transaction, so the restored store holds everything committed before it and nothing
//! after; the key repositories come along, so tokens issued before the backup validate on
//! the restored server. Restore is the README's: stop, copy the backup into the data dir, start.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::json;

use crate::common::*;

fn backup(data_dir: &Path, out: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(["backup", "--data-dir"])
        .arg(data_dir)
        .arg("--output")
        .arg(out)
        .output()
        .expect("run backup")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read backup") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).expect("copy");
        }
    }
}

fn project_names(s: &TestServer, token: &str) -> Vec<String> {
    let r = s.get("/v3/projects", Some(token));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn a_backup_under_write_load_restores_its_moment_with_its_tokens() {
    let mut server = TestServer::start_demo();
    let admin = server.system_admin_token();
    let before = server.demo_token();
    server
        .post(
            "/v3/projects",
            Some(&admin),
            &json!({"project": {"name": "before"}}),
        )
        .expect(201);

    // Writers keep committing while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let (url, token) = (server.addr.clone(), admin.clone());
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = json!({"project": {"name": format!("load-{n}")}}).to_string();
                let _ = raw_post(&url, "/v3/projects", &token, &body);
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let tmp = temp_dir("backup");
    let out = tmp.join("backup");
    let result = backup(&server.data_dir, &out);
    assert!(
        result.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().expect("writer");
    assert!(written > 0, "the writer wrote during the backup");
    server
        .post(
            "/v3/projects",
            Some(&admin),
            &json!({"project": {"name": "after"}}),
        )
        .expect(201);
    assert!(out.join("keystone.redb").is_file());
    assert!(out.join("fernet-keys").join("0").is_file());
    assert!(out.join("credential-keys").is_dir());
    // A second backup into the same place is refused, not merged.
    assert!(!backup(&server.data_dir, &out).status.success());

    // Restore: stop, replace the data dir with the backup, start.
    server.stop();
    std::fs::remove_dir_all(&server.data_dir).expect("remove data dir");
    copy_tree(&out, &server.data_dir);
    server.restart();

    let admin2 = server.system_admin_token();
    let names = project_names(&server, &admin2);
    assert!(names.contains(&"before".to_string()), "{names:?}");
    assert!(!names.contains(&"after".to_string()), "{names:?}");
    // Every restored project is whole: its name index agrees with its record.
    for name in names.iter().filter(|n| n.starts_with("load-")) {
        server.id_by_name(&admin2, "projects", name);
    }
    // Tokens issued before the backup validate: the fernet keys came along.
    server.validate(&admin2, &before, "").expect(200);
    server.validate(&admin2, &admin, "").expect(200);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// One POST on a fresh connection (the writer thread has no TestServer of its own).
fn raw_post(addr: &str, path: &str, token: &str, body: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nX-Auth-Token: {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(())
}
