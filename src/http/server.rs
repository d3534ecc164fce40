//! Accepting connections and stopping. One accept thread hands each connection to a thread of
//! its own (up to a cap; over it, a canned 503); handlers run under a semaphore of `--workers`
//! permits, so slow clients hold a thread and a socket but never a handler slot. Stopping:
//! stop accepting, close connections waiting for a request, let in-flight requests finish.

use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::app::App;

/// Connections over this many (or over what the open-files limit allows) get a 503.
const MAX_CONNECTIONS: usize = 4096;
/// File descriptors kept free for the store, logs and the like.
const RESERVED_FDS: usize = 64;
/// Stopping waits this long for in-flight requests.
const STOP_GRACE: Duration = Duration::from_secs(10);
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
const CONNECTION_STACK: usize = 2 << 20;

/// Binds the socket (port 0 picks a free one); serving starts with `Server::serve`.
pub fn bind(listen: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let addr: SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(listen)?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("cannot resolve {listen}")))?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    // Accepted sockets inherit TCP_NODELAY from the listener on Linux: without it every
    // keep-alive reply stalls ~40 ms (Nagle).
    socket.set_nodelay(true)?;
    let listener: TcpListener = socket.into();
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// A counting semaphore: `--workers` requests are routed at once.
pub struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
}

pub struct Permit<'a>(&'a Permits);

impl Permits {
    fn new(n: usize) -> Permits {
        Permits {
            free: Mutex::new(n.max(1)),
            freed: Condvar::new(),
        }
    }

    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self
            .freed
            .wait_while(lock(&self.free), |free| *free == 0)
            .unwrap_or_else(|e| e.into_inner());
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *lock(&self.0.free) += 1;
        self.0.freed.notify_one();
    }
}

/// A panicking handler must not wedge the server: a poisoned lock is still used.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An open connection, as stopping sees it.
struct Open {
    stream: TcpStream,
    busy: Arc<AtomicBool>,
}

pub struct Shared {
    pub app: Arc<App>,
    /// TLS on this listener (`--tls-cert`/`--tls-key`); None serves plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub stopping: AtomicBool,
    pub permits: Permits,
    open: Mutex<HashMap<u64, Open>>,
    closed: Condvar,
}

pub struct Server {
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
    pub addr: SocketAddr,
}

impl Server {
    pub fn serve(
        app: Arc<App>,
        listener: TcpListener,
        addr: SocketAddr,
        workers: usize,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Server {
        let shared = Arc::new(Shared {
            app,
            tls,
            stopping: AtomicBool::new(false),
            permits: Permits::new(workers),
            open: Mutex::new(HashMap::new()),
            closed: Condvar::new(),
        });
        let accept_shared = shared.clone();
        let accept = std::thread::Builder::new()
            .name("http-accept".to_string())
            .spawn(move || accept_loop(&listener, &accept_shared))
            .unwrap_or_else(|e| {
                log::error!("cannot start the accept thread: {e}");
                std::process::exit(1)
            });
        Server {
            shared,
            accept,
            addr,
        }
    }

    /// Stops accepting, closes idle connections, lets in-flight requests finish (each answered
    /// with `Connection: close`) and waits for them, at most `STOP_GRACE`.
    pub fn shutdown(self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // The accept thread is blocked in accept(): a connection of our own wakes it.
        let _ = TcpStream::connect_timeout(&wake_address(self.addr), Duration::from_secs(1));
        let _ = self.accept.join();
        let deadline = Instant::now() + STOP_GRACE;
        let mut open = lock(&self.shared.open);
        for conn in open.values() {
            if !conn.busy.load(Ordering::SeqCst) {
                let _ = conn.stream.shutdown(std::net::Shutdown::Read);
            }
        }
        while !open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                log::warn!("stopping with {} connections still open", open.len());
                for conn in open.values() {
                    let _ = conn.stream.shutdown(std::net::Shutdown::Both);
                }
                return;
            }
            open = match self.shared.closed.wait_timeout(open, left) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// Where to connect to reach our own listener (a wildcard address is reached on loopback).
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let mut wake = addr;
    if addr.ip().is_unspecified() {
        wake.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    wake
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let cap = connection_cap();
    let mut next_id: u64 = 0;
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) => {
                if shared.stopping.load(Ordering::SeqCst) {
                    return;
                }
                // EMFILE and the like: back off, never stop accepting.
                log::warn!("accept: {e}");
                std::thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        if lock(&shared.open).len() >= cap {
            refuse(&stream);
            continue;
        }
        next_id += 1;
        start_connection(shared, stream, next_id);
    }
}

/// Over the cap: a 503 written without blocking, then close.
fn refuse(stream: &TcpStream) {
    let _ = stream.set_nonblocking(true);
    let mut s = stream;
    let _ = s.write(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

fn start_connection(shared: &Arc<Shared>, stream: TcpStream, id: u64) {
    let busy = Arc::new(AtomicBool::new(false));
    let Ok(registered) = stream.try_clone() else {
        return;
    };
    lock(&shared.open).insert(
        id,
        Open {
            stream: registered,
            busy: busy.clone(),
        },
    );
    let conn_shared = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("http-conn".to_string())
        .stack_size(CONNECTION_STACK)
        .spawn(move || {
            conn_shared
                .app
                .metrics
                .open_connections
                .fetch_add(1, Ordering::Relaxed);
            let stream = match &conn_shared.tls {
                // The handshake runs here, on the connection's thread, under its own deadline.
                Some(config) => super::tls::accept(stream, config),
                None => Some(super::stream::Stream::Plain(stream)),
            };
            if let Some(stream) = stream {
                super::connection::serve(super::socket::Socket::new(stream), &conn_shared, &busy);
            }
            conn_shared
                .app
                .metrics
                .open_connections
                .fetch_sub(1, Ordering::Relaxed);
            forget(&conn_shared, id);
        });
    if let Err(e) = spawned {
        // Out of threads: this connection is dropped (closed), the server goes on.
        log::warn!("cannot start a connection thread: {e}");
        forget(shared, id);
    }
}

fn forget(shared: &Shared, id: u64) {
    lock(&shared.open).remove(&id);
    shared.closed.notify_all();
}

/// `MAX_CONNECTIONS`, lowered to fit the open-files limit (each connection is a descriptor).
fn connection_cap() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        })
        .and_then(|v| v.parse::<usize>().ok());
    match soft {
        Some(n) => MAX_CONNECTIONS.min(n.saturating_sub(RESERVED_FDS)).max(16),
        None => MAX_CONNECTIONS,
    }
}
