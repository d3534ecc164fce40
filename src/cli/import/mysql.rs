//! The MySQL/MariaDB side of `Source`: `mysql://user:pass@host[:port]/db[?unix_socket=P]`,
//! or upstream's own `[database] connection` spelling `mysql+pymysql://...` pasted as is.
//! Queries go through the binary protocol (prepared statements), so values come typed. The
//! password is never in an error: messages show the URL through `redacted`.

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Value};

use super::source::{Cell, Row, Source, Sql};

const SCHEMES: &[&str] = &["mysql://", "mysql+pymysql://", "mariadb://"];

pub(super) struct Mysql(Conn);

/// Where and as whom to connect, from the URL.
#[derive(Debug, PartialEq)]
pub(super) struct Target {
    user: String,
    password: Option<String>,
    host: String,
    port: u16,
    database: String,
    socket: Option<String>,
}

/// Whether `url` names a MySQL database.
pub(super) fn is_mysql(url: &str) -> bool {
    SCHEMES.iter().any(|s| url.starts_with(s))
}

/// `url` with its password replaced by `***`, for messages.
pub(super) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((auth, host)) => match auth.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

pub(super) fn parse(url: &str) -> Sql<Target> {
    let bad = |why: &str| format!("--from {}: {why}", redacted(url));
    let rest = SCHEMES
        .iter()
        .find_map(|s| url.strip_prefix(s))
        .ok_or_else(|| bad("expected mysql://user:password@host[:port]/database"))?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (auth, rest) = rest
        .rsplit_once('@')
        .ok_or_else(|| bad("no user@ before the host"))?;
    let (user, password) = match auth.split_once(':') {
        Some((u, p)) => (u, Some(crate::http::request::percent_decode(p))),
        None => (auth, None),
    };
    let (host_port, database) = rest
        .split_once('/')
        .ok_or_else(|| bad("no /database after the host"))?;
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| bad("the port is not a number"))?),
        None => (host_port, 3306),
    };
    // pymysql's `?unix_socket=`; other parameters (charset, ...) do not change what we read.
    let socket = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("unix_socket="))
        .map(crate::http::request::percent_decode);
    if database.is_empty() {
        return Err(bad("no database name"));
    }
    Ok(Target {
        user: crate::http::request::percent_decode(user),
        password,
        host: host.to_string(),
        port,
        database: crate::http::request::percent_decode(database),
        socket,
    })
}

impl Mysql {
    pub(super) fn connect(url: &str) -> Sql<Mysql> {
        let t = parse(url)?;
        let opts = OptsBuilder::new()
            .ip_or_hostname(Some(t.host))
            .tcp_port(t.port)
            .user(Some(t.user))
            .pass(t.password)
            .db_name(Some(t.database))
            // Only the socket the URL names: not one the server reports, which may be
            // another instance's path on this machine.
            .prefer_socket(false)
            .socket(t.socket)
            .tcp_connect_timeout(Some(std::time::Duration::from_secs(10)));
        Conn::new(opts)
            .map(Mysql)
            .map_err(|e| format!("{}: {e}", redacted(url)))
    }
}

impl Source for Mysql {
    fn select(&mut self, query: &str) -> Sql<Vec<Row>> {
        let found: Vec<mysql::Row> = self.0.exec(query, ()).map_err(|e| e.to_string())?;
        Ok(found
            .into_iter()
            .map(|row| Row(row.unwrap().into_iter().map(cell).collect()))
            .collect())
    }
}

fn cell(v: Value) -> Cell {
    match v {
        Value::NULL => Cell::Null,
        Value::Bytes(b) => Cell::Text(String::from_utf8_lossy(&b).into_owned()),
        Value::Int(n) => Cell::Int(n),
        Value::UInt(n) => Cell::Int(i64::try_from(n).unwrap_or(i64::MAX)),
        Value::Float(f) => Cell::Real(f64::from(f)),
        Value::Double(f) => Cell::Real(f),
        // sqlite's text form of the same DateTime / Date, so one parser reads both.
        Value::Date(y, mo, d, 0, 0, 0, 0) => Cell::Text(format!("{y:04}-{mo:02}-{d:02}")),
        Value::Date(y, mo, d, h, mi, s, us) => Cell::Text(format!(
            "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"
        )),
        Value::Time(neg, days, h, mi, s, us) => {
            let sign = if neg { "-" } else { "" };
            let h = u64::from(h) + u64::from(days) * 24;
            Cell::Text(format!("{sign}{h:02}:{mi:02}:{s:02}.{us:06}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_upstream_writes_them() {
        let t =
            parse("mysql+pymysql://keystone:p%40ss@db.example:3307/keystone?charset=utf8").unwrap();
        assert_eq!(t.user, "keystone");
        assert_eq!(t.password.as_deref(), Some("p@ss"));
        assert_eq!((t.host.as_str(), t.port), ("db.example", 3307));
        assert_eq!(t.database, "keystone");
        let t = parse("mysql://root@localhost/ks?unix_socket=/run/my.sock").unwrap();
        assert_eq!((t.password, t.port), (None, 3306));
        assert_eq!(t.socket.as_deref(), Some("/run/my.sock"));
        assert!(parse("mysql://u:secretpw@host").is_err());
    }

    #[test]
    fn the_password_never_shows() {
        let url = "mysql://u:secretpw@host:1/db";
        assert_eq!(redacted(url), "mysql://u:***@host:1/db");
        for bad in ["mysql://u:secretpw@host:x/db", "mysql://u:secretpw@host:1/"] {
            let e = parse(bad).unwrap_err();
            assert!(!e.contains("secretpw"), "{e}");
        }
    }
}
