//! TLS for the API listener (`--tls-cert`/`--tls-key`, oslo.service's `[ssl] cert_file` and
//! `key_file`): rustls with the ring provider, PEM files read once at start. The handshake
//! runs on the connection's own thread under `HANDSHAKE_TIMEOUT`, so a slow or silent client
//! holds only its own thread, never the accept loop or another connection.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use super::stream::Stream;

/// A client must finish its handshake within this long.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server configuration from a PEM certificate chain and a PEM private key.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{}: no PEM certificate", cert.display()));
    }
    // The error names the file only: never the key's bytes.
    let key_der =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    // Deprecated in rustls 0.23.3x only for lacking post-quantum key exchange (aws-lc-rs has
    // it, but needs cmake here); the classical suites it offers are rustls' safe defaults.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| format!("{} / {}: {e}", cert.display(), key.display()))?;
    // We speak HTTP/1.1 only: a client offering h2 is told so in ALPN.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Completes the server handshake on `tcp`; None when the client fails it, closes, or is
/// slower than `HANDSHAKE_TIMEOUT`.
pub fn accept(mut tcp: TcpStream, config: &Arc<ServerConfig>) -> Option<Stream> {
    let mut conn = rustls::ServerConnection::new(config.clone()).ok()?;
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    while conn.is_handshaking() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        tcp.set_read_timeout(Some(left)).ok()?;
        tcp.set_write_timeout(Some(left)).ok()?;
        match conn.complete_io(&mut tcp) {
            Ok((0, 0)) => return None,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                log::debug!("TLS handshake failed: {e}");
                return None;
            }
        }
    }
    Some(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
}
