//! The HTTP edge: a listening socket with TCP_NODELAY, N worker threads sharing one tiny_http
//! server, a panic guard around every request, one access-log line per request, and a clean
//! stop (stop accepting, finish in-flight requests) on shutdown.

pub mod request;
pub mod response;
pub mod router;
pub mod routes;
pub mod table;

use std::net::{SocketAddr, TcpListener};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::app::App;
use crate::error::Error;
use request::Request;
use response::Response;

pub struct Server {
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    pub addr: SocketAddr,
}

/// Binds the socket (port 0 picks a free one); serving starts with `serve`.
pub fn bind(listen: &str) -> std::io::Result<(Arc<tiny_http::Server>, SocketAddr)> {
    let listener = TcpListener::bind(listen)?;
    // Accepted sockets inherit TCP_NODELAY from the listener on Linux.
    socket2::SockRef::from(&listener).set_nodelay(true)?;
    let addr = listener.local_addr()?;
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((Arc::new(server), addr))
}

impl Server {
    pub fn serve(
        app: Arc<App>,
        server: Arc<tiny_http::Server>,
        addr: SocketAddr,
        workers: usize,
    ) -> Server {
        let handles = (0..workers)
            .map(|n| {
                let server = server.clone();
                let app = app.clone();
                std::thread::Builder::new()
                    .name(format!("http-{n}"))
                    .spawn(move || worker(&app, &server))
                    .unwrap_or_else(|e| {
                        log::error!("cannot start worker thread: {e}");
                        std::process::exit(1)
                    })
            })
            .collect();
        Server {
            server,
            workers: handles,
            addr,
        }
    }

    /// Stops accepting, lets every worker finish the request it has, and waits for them.
    pub fn shutdown(self) {
        // One unblock per worker: each call wakes exactly one blocked `recv`.
        for _ in &self.workers {
            self.server.unblock();
        }
        for handle in self.workers {
            let _ = handle.join();
        }
    }
}

fn worker(app: &App, server: &tiny_http::Server) {
    for mut raw in server.incoming_requests() {
        let started = Instant::now();
        // The one clock read of this request; everything below takes it from `req.now`.
        let now = app.clock.now();
        let response = match Request::from_tiny(&mut raw, app.config.max_request_body_size, now) {
            Ok(req) => guarded_dispatch(app, &req),
            Err(e) => crate::api::v2::early_fault(app, raw.url(), accept_of(&raw).as_deref(), &e)
                .unwrap_or_else(|| Response::error(&e, &app.identity_url())),
        };
        let status = response.status;
        log::info!(
            "{} {} {} {:.1}ms",
            raw.method(),
            loggable_path(raw.url()),
            status,
            started.elapsed().as_secs_f64() * 1000.0
        );
        let _ = raw.respond(to_tiny(response));
    }
}

/// Runs the router; a panic becomes a 500 in Keystone's form and is logged as a bug.
fn guarded_dispatch(app: &App, req: &Request) -> Response {
    let outcome = catch_unwind(AssertUnwindSafe(|| router::route(app, req)));
    let err = match outcome {
        Ok(Ok(response)) => return response,
        Ok(Err(err)) => err,
        Err(_) => Error::Internal("a request handler panicked (bug)".to_string()),
    };
    match &err {
        Error::Internal(detail) | Error::Unavailable(detail) => {
            log::error!("{} {}: {detail}", loggable_path(&req.path), err.code())
        }
        other => log::debug!("{} {}", loggable_path(&req.path), other),
    }
    Response::error(&err, &app.identity_url())
}

/// The path without its query; token ids in v2.0 paths are not logged.
pub fn loggable_path(url: &str) -> String {
    let path = url.split('?').next().unwrap_or("");
    let mut parts: Vec<&str> = path.split('/').collect();
    for i in 1..parts.len() {
        if parts[i - 1] == "tokens" && !parts[i].is_empty() {
            parts[i] = "***";
        }
    }
    parts.join("/")
}

fn to_tiny(response: Response) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let len = response.body.len();
    let mut out = tiny_http::Response::new(
        tiny_http::StatusCode(response.status),
        Vec::new(),
        std::io::Cursor::new(response.body),
        Some(len),
        None,
    );
    for (name, value) in response.headers {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            out.add_header(h);
        }
    }
    if let Ok(h) = tiny_http::Header::from_bytes(&b"Vary"[..], &b"X-Auth-Token"[..]) {
        out.add_header(h);
    }
    // A uuid4 like upstream's, from the thread-local generator: no syscall per response.
    let request_id = format!(
        "req-{}",
        uuid::Builder::from_random_bytes(rand::random())
            .into_uuid()
            .hyphenated()
    );
    if let Ok(h) =
        tiny_http::Header::from_bytes(&b"x-openstack-request-id"[..], request_id.as_bytes())
    {
        out.add_header(h);
    }
    out
}

/// The request's Accept header (for a v2.0 fault met before routing).
fn accept_of(raw: &tiny_http::Request) -> Option<String> {
    raw.headers()
        .iter()
        .find(|h| h.field.equiv("accept"))
        .map(|h| h.value.as_str().to_string())
}
