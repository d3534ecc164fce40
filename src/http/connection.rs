//! One connection, on its own thread: read a head (idle and head deadlines), read the body
//! (body deadline), route it while holding one of the `--workers` permits, write the answer
//! (write deadline), and go on with the next request (keep-alive, pipelining) until the client
//! closes, an error closes, or the server stops.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::head::{self, Head, MAX_HEAD_BYTES};
use super::request::{Method, Request};
use super::response::Response;
use super::server::Shared;
use super::socket::{Fail, Socket};
use super::write::{self, Framing};

/// A keep-alive connection may wait this long for its next request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Once a request's first byte arrived, its whole head must arrive within this long.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves requests on `sock` until it closes. `busy` is false while waiting for a request:
/// shutdown closes those connections at once and lets busy ones finish their request.
pub fn serve(mut sock: Socket, shared: &Shared, busy: &AtomicBool) {
    // The client's address, for the per-source login limits (read once per connection).
    let peer = sock.stream.peer_addr().ok().map(|a| a.ip());
    loop {
        busy.store(false, Ordering::SeqCst);
        if shared.stopping.load(Ordering::SeqCst) && sock.available().is_empty() {
            return;
        }
        let head = match read_head(&mut sock, shared, busy) {
            Ok(Some(head)) => head,
            Ok(None) | Err(Fail::Close) => return,
            Err(fail) => return answer_failure(&mut sock, shared, None, fail, Instant::now()),
        };
        if !serve_one(&mut sock, shared, head, peer) {
            return;
        }
    }
}

/// One request whose head is read; false when the connection is to close.
fn serve_one(
    sock: &mut Socket,
    shared: &Shared,
    head: Head,
    peer: Option<std::net::IpAddr>,
) -> bool {
    let started = Instant::now();
    let app = &shared.app;
    // The one clock read of this request; everything below takes it from `req.now`.
    let now = app.clock.now();
    // Upstream answers 400 to a request line with non-ASCII bytes.
    if !head.target.is_ascii() {
        answer_failure(sock, shared, Some(&head), Fail::Status(400), started);
        return false;
    }
    let body = match super::body::read(sock, &head, app.config.max_request_body_size) {
        Ok(body) => body,
        Err(Fail::Close) => return false,
        Err(fail) => {
            answer_failure(sock, shared, Some(&head), fail, started);
            return false;
        }
    };
    let (path, query) = match head.target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (head.target.clone(), String::new()),
    };
    let method = Method::parse(&head.method);
    let mut req = Request::new(method, path, query, head.headers.clone(), body, now);
    req.remote_addr = peer;
    let forwarded = crate::ops::proxy::forwarded(app, &req);
    if let Some(addr) = forwarded.as_ref().and_then(crate::ops::proxy::client_addr) {
        req.remote_addr = Some(addr);
    }
    let mut response = {
        let _permit = shared.permits.acquire();
        super::guarded_dispatch(app, &req)
    };
    if let Some(f) = &forwarded {
        response = crate::ops::proxy::rewrite(app, &req, f, response);
    }
    let request_id = write::request_id();
    let route = req.route.get();
    app.metrics
        .observe(method, route, response.status, started.elapsed());
    if method == Method::Post {
        app.metrics.observe_auth(route, &req.body, response.status);
    }
    crate::ops::audit_events::observe(
        app,
        &crate::ops::audit_events::Answered {
            req: &req,
            route,
            response: &response,
            request_id: &request_id,
        },
    );
    super::log_request(&super::Access {
        method: &head.method,
        target: &head.target,
        route,
        status: response.status,
        started,
        request_id: &request_id,
    });
    let close = !keeps_alive(&head) || shared.stopping.load(Ordering::SeqCst);
    let framing = Framing {
        version: head.version,
        head_only: method == Method::Head,
        close,
    };
    let bytes = write::serialize(&response, &framing, &request_id);
    write::send(sock, &bytes) && !close
}

/// Reads the next head; Ok(None) when the client closed (or the server stops) between
/// requests. Idle: `IDLE_TIMEOUT` for the first byte, then `HEAD_TIMEOUT` for the whole head.
fn read_head(sock: &mut Socket, shared: &Shared, busy: &AtomicBool) -> Result<Option<Head>, Fail> {
    let mut started = !sock.available().is_empty();
    let mut deadline = Instant::now() + if started { HEAD_TIMEOUT } else { IDLE_TIMEOUT };
    loop {
        if started {
            busy.store(true, Ordering::SeqCst);
            if let Some((head, len)) = head::parse(sock.available())? {
                sock.consume(len);
                return Ok(Some(head));
            }
            if sock.available().len() >= MAX_HEAD_BYTES {
                let line_ended = head::request_line_ended(sock.available());
                return Err(Fail::Status(if line_ended { 431 } else { 414 }));
            }
        }
        match sock.fill(deadline) {
            Ok(0) if sock.available().is_empty() => return Ok(None),
            Ok(0) => return Err(Fail::Close),
            Ok(_) if !started => {
                started = true;
                deadline = Instant::now() + HEAD_TIMEOUT;
            }
            Ok(_) => {}
            // An idle keep-alive connection timing out is closed without an answer.
            Err(Fail::Status(408)) if !started => return Ok(None),
            Err(fail) => return Err(fail),
        }
        if !started && shared.stopping.load(Ordering::SeqCst) {
            return Ok(None);
        }
    }
}

/// HTTP/1.1 keeps the connection unless `Connection: close`; 1.0 only with `keep-alive`.
fn keeps_alive(head: &Head) -> bool {
    let mut tokens = head
        .values("connection")
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase());
    if head.version == 0 {
        tokens.any(|t| t == "keep-alive")
    } else {
        !tokens.any(|t| t == "close")
    }
}

/// Answers a request that failed before routing, logs it, and closes the connection.
fn answer_failure(
    sock: &mut Socket,
    shared: &Shared,
    head: Option<&Head>,
    fail: Fail,
    started: Instant,
) {
    let response: Response = super::early_response(&shared.app, head, &fail);
    let (method, target) = head
        .map(|h| (h.method.as_str(), h.target.as_str()))
        .unwrap_or(("-", "-"));
    let request_id = write::request_id();
    shared.app.metrics.observe(
        Method::parse(method),
        None,
        response.status,
        started.elapsed(),
    );
    super::log_request(&super::Access {
        method,
        target,
        route: None,
        status: response.status,
        started,
        request_id: &request_id,
    });
    let framing = Framing {
        version: head.map(|h| h.version).unwrap_or(1),
        head_only: head.is_some_and(|h| h.method == "HEAD"),
        close: true,
    };
    write::send_and_close(sock, &write::serialize(&response, &framing, &request_id));
}
