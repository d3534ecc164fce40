//! Operations: `/healthcheck` (oslo.middleware's), Prometheus metrics on their own listener,
//! JSON log lines, trusted proxy headers (oslo.middleware's HTTPProxyToWSGI), and the options
//! that switch them on, under upstream's section and option names where upstream has them.

pub mod audit;
pub mod audit_auth;
pub mod audit_events;
pub mod healthcheck;
pub mod logfmt;
pub mod metrics;
pub mod metrics_server;
pub mod proxy;
pub mod reload;

use std::path::PathBuf;

/// What the operations features read from flags and keystone.conf.
#[derive(Debug, Clone, Default)]
pub struct OpsConfig {
    /// `[healthcheck] backends`: upstream's plugin names; `disable_by_file` is the one we run.
    pub healthcheck_backends: Vec<String>,
    /// `[healthcheck] disable_by_file_path`: while this file exists, /healthcheck is 503.
    pub disable_by_file_path: Option<PathBuf>,
    /// `[oslo_middleware] enable_proxy_headers_parsing`.
    pub proxy_headers: bool,
    /// `--metrics-listen` / `[metrics] listen`: where Prometheus scrapes; off when None.
    pub metrics_listen: Option<String>,
    /// `--log-format json` / oslo.log's `[DEFAULT] use_json`.
    pub log_json: bool,
    /// `--tls-cert`/`--tls-key`, oslo.service's `[ssl] cert_file`/`key_file`: PEM files.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// `[audit] file` and upstream's `[DEFAULT] notification_*` options (src/ops/audit.rs).
    pub audit: audit::AuditConfig,
}

impl OpsConfig {
    /// One keystone.conf option; Ok(false) when it is not one of ours.
    pub fn apply(&mut self, section: &str, key: &str, value: &str) -> Result<bool, String> {
        match (section, key) {
            ("healthcheck", "backends") => {
                self.healthcheck_backends = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if let Some(b) = self
                    .healthcheck_backends
                    .iter()
                    .find(|b| b.as_str() != "disable_by_file")
                {
                    return Err(format!(
                        "'{b}': the only backend supported is disable_by_file"
                    ));
                }
            }
            ("healthcheck", "disable_by_file_path") => {
                self.disable_by_file_path = Some(PathBuf::from(value))
            }
            ("healthcheck", "detailed") => {
                if crate::config::boolean(value)? {
                    // Upstream's detailed mode shows Python internals (threads, gc).
                    return Err("detailed mode is not supported".to_string());
                }
            }
            ("oslo_middleware", "enable_proxy_headers_parsing") => {
                self.proxy_headers = crate::config::boolean(value)?
            }
            ("metrics", "listen") => self.metrics_listen = Some(value.to_string()),
            ("ssl", "cert_file") => self.tls_cert = Some(PathBuf::from(value)),
            ("ssl", "key_file") => self.tls_key = Some(PathBuf::from(value)),
            ("DEFAULT", "use_json") => self.log_json = crate::config::boolean(value)?,
            _ => return self.audit.apply(section, key, value),
        }
        Ok(true)
    }

    /// The options given as flags (set in `flags`) win over the file's.
    pub fn override_with(&mut self, flags: OpsConfig) {
        if flags.metrics_listen.is_some() {
            self.metrics_listen = flags.metrics_listen;
        }
        if flags.tls_cert.is_some() {
            self.tls_cert = flags.tls_cert;
        }
        if flags.tls_key.is_some() {
            self.tls_key = flags.tls_key;
        }
    }

    /// `--log-format text|json`.
    pub fn set_log_format(&mut self, value: &str) -> Result<(), String> {
        self.log_json = match value {
            "json" => true,
            "text" => false,
            other => return Err(format!("--log-format: '{other}' is not text or json")),
        };
        Ok(())
    }
}
