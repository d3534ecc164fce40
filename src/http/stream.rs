//! A connection's byte stream: plain TCP, or TLS (rustls) over TCP. An enum rather than a
//! boxed trait object, so plain HTTP pays one predictable branch per read or write, not a
//! virtual call; timeouts and shutdown act on the TCP socket underneath either way.

use std::io::{Read, Result, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

pub type TlsStream = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }

    pub fn set_read_timeout(&self, t: Option<Duration>) -> Result<()> {
        self.tcp().set_read_timeout(t)
    }

    pub fn set_write_timeout(&self, t: Option<Duration>) -> Result<()> {
        self.tcp().set_write_timeout(t)
    }

    pub fn peer_addr(&self) -> Result<SocketAddr> {
        self.tcp().peer_addr()
    }

    /// Ends our half of the connection; TLS says close_notify first, so the client knows the
    /// answer was not cut short.
    pub fn shutdown_write(&mut self) -> Result<()> {
        if let Stream::Tls(s) = self {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        self.tcp().shutdown(Shutdown::Write)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    /// TLS records a write left buffered (rustls ignores a failed send inside `write`).
    fn flush(&mut self) -> Result<()> {
        match self {
            Stream::Plain(_) => Ok(()),
            Stream::Tls(s) => s.flush(),
        }
    }
}
