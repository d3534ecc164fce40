//! The one reading path both upstream databases share: a `Source` runs a SELECT and gives
//! rows of typed cells (sqlite's and MySQL's value kinds folded into four), and `Row`'s
//! accessors translate a cell the way upstream's SQLAlchemy columns mean it (Boolean as 0/1,
//! JsonBlob as JSON text, DateTime as text). Every table is read by one query written once:
//! the queries use only what both dialects accept (backquoted reserved words, no bind
//! parameters).

use crate::model::Extra;

pub(super) type Sql<T> = Result<T, String>;

/// One column's value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    /// Text, and blobs (upstream keeps none that are not UTF-8), and dates rendered as
    /// `YYYY-MM-DD[ HH:MM:SS.ffffff]`, sqlite's form of SQLAlchemy's DateTime.
    Text(String),
}

/// An upstream database open for reading.
pub(super) trait Source {
    /// Every row of `query`.
    fn select(&mut self, query: &str) -> Sql<Vec<Row>>;
}

pub(super) struct Row(pub(super) Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Sql<&Cell> {
        self.0
            .get(i)
            .ok_or_else(|| format!("column {i}: the query has no such column"))
    }

    pub(super) fn opt_text(&self, i: usize) -> Sql<Option<String>> {
        Ok(match self.cell(i)? {
            Cell::Null => None,
            Cell::Int(n) => Some(n.to_string()),
            Cell::Real(f) => Some(f.to_string()),
            Cell::Text(t) => Some(t.clone()),
        })
    }

    pub(super) fn text(&self, i: usize) -> Sql<String> {
        self.opt_text(i)?
            .ok_or_else(|| format!("column {i}: NULL where a value is required"))
    }

    pub(super) fn opt_int(&self, i: usize) -> Sql<Option<i64>> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Int(n) => Ok(Some(*n)),
            Cell::Real(f) => Ok(Some(*f as i64)),
            Cell::Text(t) => t
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| format!("column {i}: {t:?} is not an integer")),
        }
    }

    pub(super) fn int(&self, i: usize) -> Sql<i64> {
        self.opt_int(i)?
            .ok_or_else(|| format!("column {i}: NULL where a number is required"))
    }

    /// A Boolean column (sqlite and MySQL both keep it as 0/1).
    pub(super) fn opt_flag(&self, i: usize) -> Sql<Option<bool>> {
        match self.cell(i)? {
            Cell::Text(t) if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Cell::Text(t) if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            _ => Ok(self.opt_int(i)?.map(|n| n != 0)),
        }
    }

    pub(super) fn flag(&self, i: usize) -> Sql<bool> {
        self.opt_flag(i)?
            .ok_or_else(|| format!("column {i}: NULL where a boolean is required"))
    }

    /// A JsonBlob column, parsed; None when NULL or not JSON.
    pub(super) fn json(&self, i: usize) -> Sql<Option<serde_json::Value>> {
        Ok(self
            .opt_text(i)?
            .and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// An `extra` JsonBlob as a map (empty when null or not an object).
    pub(super) fn extra(&self, i: usize) -> Sql<Extra> {
        Ok(match self.json(i)? {
            Some(serde_json::Value::Object(map)) => map,
            _ => Extra::new(),
        })
    }

    /// A DateTime column as Unix seconds (upstream stores naive UTC).
    pub(super) fn opt_time(&self, i: usize) -> Sql<Option<i64>> {
        let Some(text) = self.opt_text(i)? else {
            return Ok(None);
        };
        let secs = crate::token::parse_time(&text)
            .or_else(|| crate::token::parse_time(&format!("{text}T00")))
            .ok_or_else(|| format!("column {i}: {text:?} is not a date and time"))?;
        Ok(Some(secs as i64))
    }
}

/// Runs `query` (reading `what`) and translates each row with `f`; errors name the table.
pub(super) fn rows<T>(
    src: &mut dyn Source,
    what: &str,
    query: &str,
    f: impl Fn(&Row) -> Sql<T>,
) -> Sql<Vec<T>> {
    let err = |e: String| format!("reading {what}: {e}");
    src.select(query)
        .map_err(err)?
        .iter()
        .map(|r| f(r).map_err(err))
        .collect()
}

/// Pairs of text columns (link tables).
pub(super) fn pairs(src: &mut dyn Source, what: &str, query: &str) -> Sql<Vec<(String, String)>> {
    rows(src, what, query, |r| Ok((r.text(0)?, r.text(1)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_translate_as_upstream_columns_mean_them() {
        let row = Row(vec![
            Cell::Int(1),
            Cell::Text("0".into()),
            Cell::Null,
            Cell::Text("{\"a\": 1}".into()),
            Cell::Text("2026-11-23 21:00:41.500000".into()),
            Cell::Text("2026-11-23".into()),
        ]);
        assert_eq!(row.flag(0), Ok(true));
        assert_eq!(row.flag(1), Ok(false));
        assert_eq!(row.opt_flag(2), Ok(None));
        assert!(row.text(2).is_err());
        assert_eq!(row.text(0), Ok("1".into()));
        assert_eq!(row.extra(3).map(|e| e.len()), Ok(1));
        assert!(row.extra(4).map(|e| e.is_empty()).unwrap_or(false));
        assert_eq!(row.opt_time(4), Ok(Some(1795467641)));
        assert_eq!(row.opt_time(5), Ok(Some(1795392000)));
        assert!(row.int(9).is_err());
    }
}
