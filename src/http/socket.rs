//! A connection's socket with a read buffer, where every read has a deadline: a phase (the
//! head, the body) must finish by its deadline however slowly the client trickles bytes.
//! Bytes read past one request stay buffered for the next (pipelining).

use std::io::{ErrorKind, Read};

use super::stream::Stream;
use std::time::Instant;

/// Why a request cannot go on.
#[derive(Debug)]
pub enum Fail {
    /// Answer this status (a protocol error), then close.
    Status(u16),
    /// The body is over the configured limit: answer 413 in Keystone's form, then close.
    TooLarge,
    /// Close without an answer (EOF, reset, an idle connection timing out).
    Close,
}

/// Reads are at most this large; the buffer grows only as far as a phase's cap allows.
const READ_CHUNK: usize = 16 * 1024;

pub struct Socket {
    pub stream: Stream,
    buf: Vec<u8>,
    start: usize,
}

impl Socket {
    pub fn new(stream: Stream) -> Socket {
        Socket {
            stream,
            buf: Vec::new(),
            start: 0,
        }
    }

    /// The buffered bytes not consumed yet.
    pub fn available(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.buf.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// Reads more bytes before `deadline`; Ok(0) is EOF. A deadline passed is 408.
    pub fn fill(&mut self, deadline: Instant) -> Result<usize, Fail> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Fail::Status(408));
        }
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|_| Fail::Close)?;
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        let result = loop {
            match self.stream.read(&mut self.buf[old..]) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match result {
            Ok(n) => {
                self.buf.truncate(old + n);
                Ok(n)
            }
            Err(e) => {
                self.buf.truncate(old);
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
                    Err(Fail::Status(408))
                } else {
                    Err(Fail::Close)
                }
            }
        }
    }

    /// Appends exactly `n` more bytes to `out`, reading before `deadline`.
    pub fn take(&mut self, n: usize, deadline: Instant, out: &mut Vec<u8>) -> Result<(), Fail> {
        let mut need = n;
        while need > 0 {
            if self.available().is_empty() && self.fill(deadline)? == 0 {
                return Err(Fail::Close);
            }
            let k = need.min(self.available().len());
            out.extend_from_slice(&self.available()[..k]);
            self.consume(k);
            need -= k;
        }
        Ok(())
    }

    /// The length of the next line including its CRLF; a line longer than `max` is 400.
    pub fn line_len(&mut self, deadline: Instant, max: usize) -> Result<usize, Fail> {
        loop {
            if let Some(i) = self.available().windows(2).position(|w| w == b"\r\n") {
                return Ok(i + 2);
            }
            if self.available().len() > max {
                return Err(Fail::Status(400));
            }
            if self.fill(deadline)? == 0 {
                return Err(Fail::Close);
            }
        }
    }

    /// Reads and discards what the client still sends, until EOF, `deadline` or `max` bytes.
    pub fn drain(&mut self, deadline: Instant, max: usize) {
        let mut drained = 0;
        while drained < max {
            self.buf.clear();
            self.start = 0;
            match self.fill(deadline) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }
}
