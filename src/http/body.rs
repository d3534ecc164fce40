//! The request body: framing from Content-Length or chunked Transfer-Encoding, checked before
//! a byte is read (an oversized Content-Length is 413 without reading it), `Expect:
//! 100-continue`, and one deadline for the whole body.

use std::io::Write;
use std::time::{Duration, Instant};

use super::head::{Head, MAX_HEAD_BYTES};
use super::socket::{Fail, Socket};

/// The whole body must arrive within this long after the head.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// A chunk-size line (hex size and extensions) longer than this is 400.
const MAX_CHUNK_LINE: usize = 1024;

enum Framing {
    Empty,
    Length(usize),
    Chunked,
}

/// Reads the body `head` announces, at most `max_body` bytes.
pub fn read(sock: &mut Socket, head: &Head, max_body: usize) -> Result<Vec<u8>, Fail> {
    let framing = framing(head, max_body)?;
    expect_continue(sock, head, &framing)?;
    let deadline = Instant::now() + BODY_TIMEOUT;
    let mut body = Vec::new();
    match framing {
        Framing::Empty => {}
        Framing::Length(n) => {
            body.reserve_exact(n);
            sock.take(n, deadline, &mut body)?;
        }
        Framing::Chunked => read_chunked(sock, deadline, max_body, &mut body)?,
    }
    Ok(body)
}

fn framing(head: &Head, max_body: usize) -> Result<Framing, Fail> {
    let te: Vec<&str> = head.values("transfer-encoding").collect();
    let lengths: Vec<&str> = head.values("content-length").collect();
    if !te.is_empty() {
        // Both framings at once is how requests are smuggled past proxies: refuse it.
        if !lengths.is_empty() {
            return Err(Fail::Status(400));
        }
        let last = te
            .last()
            .and_then(|v| v.rsplit(',').next())
            .unwrap_or("")
            .trim();
        if !last.eq_ignore_ascii_case("chunked") || head.version == 0 {
            return Err(Fail::Status(501));
        }
        return Ok(Framing::Chunked);
    }
    let mut length: Option<u64> = None;
    for item in lengths.iter().flat_map(|v| v.split(',')) {
        let item = item.trim();
        if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Fail::Status(400));
        }
        // More digits than a u64 holds is certainly over any limit.
        let n = item.parse::<u64>().unwrap_or(u64::MAX);
        if length.is_some_and(|l| l != n) {
            return Err(Fail::Status(400));
        }
        length = Some(n);
    }
    match length {
        None | Some(0) => Ok(Framing::Empty),
        Some(n) if n > max_body as u64 => Err(Fail::TooLarge),
        Some(n) => Ok(Framing::Length(n as usize)),
    }
}

/// `Expect: 100-continue` gets its interim answer only when the body will be read; any other
/// expectation is 417.
fn expect_continue(sock: &mut Socket, head: &Head, framing: &Framing) -> Result<(), Fail> {
    let Some(expect) = head.first("expect") else {
        return Ok(());
    };
    if !expect.eq_ignore_ascii_case("100-continue") {
        return Err(Fail::Status(417));
    }
    if head.version >= 1 && !matches!(framing, Framing::Empty) && sock.available().is_empty() {
        let _ = sock
            .stream
            .set_write_timeout(Some(super::write::WRITE_TIMEOUT));
        sock.stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .and_then(|()| sock.stream.flush())
            .map_err(|_| Fail::Close)?;
    }
    Ok(())
}

fn read_chunked(
    sock: &mut Socket,
    deadline: Instant,
    max_body: usize,
    body: &mut Vec<u8>,
) -> Result<(), Fail> {
    loop {
        let line = sock.line_len(deadline, MAX_CHUNK_LINE)?;
        let size = match httparse::parse_chunk_size(&sock.available()[..line]) {
            Ok(httparse::Status::Complete((_, size))) => size,
            _ => return Err(Fail::Status(400)),
        };
        sock.consume(line);
        if size == 0 {
            return skip_trailers(sock, deadline);
        }
        if body.len() as u64 + size > max_body as u64 {
            return Err(Fail::TooLarge);
        }
        sock.take(size as usize, deadline, body)?;
        let mut crlf = Vec::with_capacity(2);
        sock.take(2, deadline, &mut crlf)?;
        if crlf != b"\r\n" {
            return Err(Fail::Status(400));
        }
    }
}

/// Trailer lines up to the empty one, bounded like a head; their content is not used.
fn skip_trailers(sock: &mut Socket, deadline: Instant) -> Result<(), Fail> {
    let mut total = 0;
    loop {
        let line = sock.line_len(deadline, MAX_HEAD_BYTES)?;
        sock.consume(line);
        if line == 2 {
            return Ok(());
        }
        total += line;
        if total > MAX_HEAD_BYTES {
            return Err(Fail::Status(431));
        }
    }
}
