//! Property-based fuzzing of the wire parsers (src/http/head.rs, body.rs): random bytes and
//! mutated requests, chunked bodies with hostile sizes and extensions, through the same code
//! a connection runs, over a real loopback socket. The property: never a panic, a body never
//! over its cap, and a well-formed request always parses to what was sent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

use crate::http::socket::{Fail, Socket};
use crate::http::{body, head};

const MAX_BODY: usize = 4096;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600)
}

/// Sends `bytes` on a fresh loopback connection (then closes it) and runs the head and body
/// parsers on the receiving end, as a connection thread does.
fn parse_over_socket(bytes: &[u8]) -> Result<Option<(head::Head, Vec<u8>)>, Fail> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client.write_all(bytes).unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let mut sock = Socket::new(crate::http::stream::Stream::Plain(server));
    let deadline = Instant::now() + Duration::from_secs(5);
    let parsed = loop {
        match head::parse(sock.available())? {
            Some(parsed) => break parsed,
            None => {
                if sock.fill(deadline)? == 0 {
                    return Ok(None);
                }
            }
        }
    };
    let (h, used) = parsed;
    sock.consume(used);
    let body = body::read(&mut sock, &h, MAX_BODY)?;
    drop(client);
    Ok(Some((h, body)))
}

/// A chunked encoding of `parts`, with random-case hex sizes and optional extensions.
fn chunked(parts: &[Vec<u8>], upper: bool, ext: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        let size = if upper {
            format!("{:X}", p.len())
        } else {
            format!("{:x}", p.len())
        };
        out.extend_from_slice(size.as_bytes());
        if ext {
            out.extend_from_slice(b";name=value");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[test]
fn well_formed_requests_parse_to_what_was_sent() {
    let strategy = (
        prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
        "/[a-zA-Z0-9/_.-]{0,60}",
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..6),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(RunnerConfig::with_cases(cases()));
    let outcome = runner.run(
        &strategy,
        |(method, path, parts, use_chunked, upper, ext)| {
            let sent: Vec<u8> = parts.concat();
            let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: x\r\n").into_bytes();
            if use_chunked {
                raw.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                raw.extend(chunked(&parts, upper, ext));
            } else {
                raw.extend(format!("Content-Length: {}\r\n\r\n", sent.len()).into_bytes());
                raw.extend_from_slice(&sent);
            }
            match parse_over_socket(&raw) {
                Ok(Some((h, body))) => {
                    prop_assert_eq!(h.method.as_str(), method);
                    prop_assert_eq!(h.target.as_str(), path.as_str());
                    prop_assert_eq!(body, sent);
                }
                Err(Fail::TooLarge) => prop_assert!(sent.len() > MAX_BODY),
                other => prop_assert!(false, "{method} {path}: {:?}", other.map(|_| ()).err()),
            }
            Ok(())
        },
    );
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

#[test]
fn hostile_bytes_never_panic_or_overrun_the_body_cap() {
    let valid_prefix = b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\n".to_vec();
    let framing = prop_oneof![
        Just(b"Transfer-Encoding: chunked\r\n\r\n".to_vec()),
        "[0-9]{1,25}".prop_map(|n| format!("Content-Length: {n}\r\n\r\n").into_bytes()),
        Just(b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n".to_vec()),
        Just(b"Transfer-Encoding: gzip\r\n\r\n".to_vec()),
        Just(b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\n".to_vec()),
    ];
    let chunk_line = prop_oneof![
        "[0-9a-fA-F]{1,20}(;[a-z=\"]{0,20})?\r\n".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    let strategy = prop_oneof![
        // Pure noise.
        prop::collection::vec(any::<u8>(), 0..2048),
        // A plausible head, then hostile framing and bytes.
        (
            framing,
            prop::collection::vec(chunk_line, 0..8),
            prop::collection::vec(any::<u8>(), 0..200)
        )
            .prop_map(move |(f, lines, tail)| {
                let mut raw = valid_prefix.clone();
                raw.extend(f);
                for l in lines {
                    raw.extend(l);
                }
                raw.extend(tail);
                raw
            }),
    ];
    let mut runner = TestRunner::new(RunnerConfig::with_cases(cases()));
    let outcome = runner.run(&strategy, |raw| {
        let result = std::panic::catch_unwind(|| parse_over_socket(&raw));
        prop_assert!(
            result.is_ok(),
            "panic on {:?}",
            String::from_utf8_lossy(&raw)
        );
        if let Ok(Ok(Some((_, body)))) = result {
            prop_assert!(body.len() <= MAX_BODY);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
