//! The metrics listener (`--metrics-listen`, `[metrics] listen`): apart from the API port so
//! that scrapes are never exposed where clients reach Keystone, and never queue behind them.
//! One thread answers one scrape at a time; each connection has a short deadline, so a stuck
//! scraper delays the next by at most that.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::app::App;

const SCRAPE_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_HEAD: usize = 8 * 1024;

/// Binds `listen` and answers scrapes on a thread of its own; returns the bound address.
pub fn start(app: Arc<App>, listen: &str) -> Result<std::net::SocketAddr, String> {
    let listener = TcpListener::bind(listen)
        .map_err(|e| format!("metrics: cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("metrics".to_string())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                answer(&app, stream);
            }
        })
        .map_err(|e| format!("metrics: cannot start its thread: {e}"))?;
    Ok(addr)
}

fn answer(app: &App, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(SCRAPE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(SCRAPE_TIMEOUT));
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let path = loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                break (req.method == Some("GET")).then(|| req.path.unwrap_or("").to_string())
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            _ => break None,
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let (status, body) = match path.as_deref().map(|p| p.split('?').next().unwrap_or("")) {
        Some("/metrics") => ("200 OK", scrape(app)),
        _ => ("404 Not Found", "not found\n".to_string()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

/// The exposition: the counters, then what is read from disk now.
pub fn scrape(app: &App) -> String {
    let now = SystemTime::now();
    let dir = &app.config.data_dir;
    let mut key_ages = Vec::new();
    for (label, sub) in [
        ("fernet_tokens", "fernet-keys"),
        // Receipts use the token repository, as upstream's [fernet_receipts] default does.
        ("fernet_receipts", "fernet-keys"),
        ("credential", "credential-keys"),
    ] {
        if let Some(age) = super::metrics::key_age(&dir.join(sub), now) {
            key_ages.push((label, age));
        }
    }
    let gauges = super::metrics::Gauges {
        key_ages,
        store_bytes: std::fs::metadata(crate::store_path(dir))
            .map(|m| m.len())
            .unwrap_or(0),
        version: env!("CARGO_PKG_VERSION"),
    };
    let mut out = app.metrics.render(app.validated.lookups(), &gauges);
    out.push_str(&app.audit.render_metrics());
    if let Some(trips) = app.store.db_round_trips() {
        super::metrics::render_db_round_trips(&mut out, trips);
    }
    if let Some(peers) = app.store.db_peers() {
        super::metrics::render_db_peers(&mut out, peers);
    }
    out
}
