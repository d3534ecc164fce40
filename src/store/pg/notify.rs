//! What a committed write tells the other nodes (PostgreSQL NOTIFY, sent with its COMMIT):
//! the node that wrote, the write's `changes.generation`, and the records it touched, so a
//! receiving node bumps only the cache versions those records feed, as the writing node
//! did. Payload lines: `<node> <generation>`, then `<table> <hex key>` per touched record,
//! `R` when revocation events were appended, or `*` alone when the list would not fit
//! (NOTIFY payloads are under 8000 bytes): then everything is stale, as before this existed.

use super::super::changes::Touched;

/// PostgreSQL's payload limit is 8000 bytes; the header and a margin come off it.
const MAX_PAYLOAD: usize = 7900;

/// What another node's write changed.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// Unknown (too many records, or a notification missed): every cache entry is stale.
    Everything,
    /// These (table, key) records, and whether revocation events were appended.
    Records {
        keys: Vec<(String, String)>,
        revocations: bool,
    },
}

/// A notification from another node.
#[derive(Debug, PartialEq, Eq)]
pub struct Notice {
    pub node: String,
    pub generation: i64,
    pub change: Change,
}

/// The body after the header for `touched`; only characters that are safe inside a SQL
/// string literal (table names are checked, keys hex-encoded).
pub fn body(touched: &Touched) -> String {
    let mut out = String::new();
    for (table, key) in &touched.keys {
        if !table
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return "*".into();
        }
        out.push('\n');
        out.push_str(table);
        out.push(' ');
        for b in key.bytes() {
            out.push_str(&format!("{b:02x}"));
        }
        if out.len() > MAX_PAYLOAD {
            return "*".into();
        }
    }
    if !touched.revocations.is_empty() {
        out.push_str("\nR");
    }
    out
}

/// The whole payload: the header line, then `body`.
pub fn payload(node: &str, generation: i64, body: &str) -> String {
    if body == "*" {
        format!("{node} {generation}\n*")
    } else {
        format!("{node} {generation}{body}")
    }
}

/// None for a payload this binary did not write (then the poll's generation check decides).
pub fn parse(payload: &str) -> Option<Notice> {
    let mut lines = payload.split('\n');
    let (node, generation) = lines.next()?.split_once(' ')?;
    let generation = generation.parse().ok()?;
    let mut keys = Vec::new();
    let mut revocations = false;
    for line in lines {
        match line.split_once(' ') {
            _ if line == "*" => {
                return Some(Notice {
                    node: node.to_string(),
                    generation,
                    change: Change::Everything,
                })
            }
            _ if line == "R" => revocations = true,
            Some((table, hex)) => keys.push((table.to_string(), unhex(hex)?)),
            None => return None,
        }
    }
    Some(Notice {
        node: node.to_string(),
        generation,
        change: Change::Records { keys, revocations },
    })
}

fn unhex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_round_trips_through_its_payload() {
        let touched = Touched {
            keys: vec![
                ("users-1".into(), "u1".into()),
                ("assignments".into(), "p'1\u{1f}x y\n".into()),
            ],
            revocations: vec![("1".into(), b"{}".to_vec())],
        };
        let text = payload("n1", 42, &body(&touched));
        assert!(!text.contains('\''), "{text}");
        let notice = parse(&text).expect("parsed");
        assert_eq!(notice.node, "n1");
        assert_eq!(notice.generation, 42);
        assert_eq!(
            notice.change,
            Change::Records {
                keys: touched.keys.clone(),
                revocations: true
            }
        );
    }

    #[test]
    fn too_many_records_or_odd_names_mean_everything() {
        let many = Touched {
            keys: (0..2000)
                .map(|i| ("users".into(), format!("{i:08}")))
                .collect(),
            revocations: vec![],
        };
        let text = payload("n", 7, &body(&many));
        assert!(text.len() < 8000);
        assert_eq!(parse(&text).expect("parsed").change, Change::Everything);
        let odd = Touched {
            keys: vec![("us'ers".into(), "k".into())],
            revocations: vec![],
        };
        assert_eq!(body(&odd), "*");
        assert_eq!(parse("garbage"), None);
        assert_eq!(parse("n 1\nusers zz"), None);
    }
}
