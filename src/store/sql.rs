//! Statements for either engine: the text of a statement for SQLite and for PostgreSQL, the
//! values bound to it, and the columns read back.
//!
//! This is not a common dialect. Each engine gets its own SQL where the two differ
//! ([`Sql::each`]); only a statement whose text is good SQL for both is written once
//! ([`Sql::same`], with SQLite's `?N` placeholders, which PostgreSQL receives as `$N`). What
//! this module evens out is the client libraries: binding an integer, text or a list, and
//! reading a column as the store's Rust types, so that each store function is written once
//! around its two statements.

use std::fmt;

use bytes::BytesMut;
use postgres::types::{to_sql_checked, Format, IsNull, Type};
use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::error::{Error, Result};

/// A statement's text for SQLite and for PostgreSQL.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sql<'a> {
    pub(crate) lite: &'a str,
    /// `None`: SQLite's text with its placeholders renumbered (`?N` → `$N`).
    pub(crate) pg: Option<&'a str>,
}

impl<'a> Sql<'a> {
    /// A statement whose text is right for both engines.
    pub(crate) const fn same(text: &'a str) -> Sql<'a> {
        Sql {
            lite: text,
            pg: None,
        }
    }

    /// A statement that exists on PostgreSQL only (its callers reach it only there: running
    /// it on SQLite is a mistake, which SQLite reports as an empty statement).
    pub(crate) const fn pg(text: &'a str) -> Sql<'a> {
        Sql {
            lite: "",
            pg: Some(text),
        }
    }

    /// A statement written for each engine.
    pub(crate) const fn each(lite: &'a str, pg: &'a str) -> Sql<'a> {
        Sql { lite, pg: Some(pg) }
    }
}

/// SQLite's placeholders (`?N`, or a bare `?` numbered by position) as PostgreSQL's (`$N`),
/// outside string literals and quoted names.
pub(crate) fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    out.push_str(&next.to_string());
                    next += 1;
                }
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// A value bound to a statement.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
    /// A list of integers: a JSON array on SQLite (for `json_each(?N)`), an array on
    /// PostgreSQL (for `= ANY($N)`).
    Ints(&'a [i64]),
    /// A list of text, bound the same way.
    Texts(&'a [String]),
}

/// What can be bound to a statement.
pub(crate) trait ToValue {
    fn value(&self) -> Value<'_>;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn value(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_value!(i64, i32, u32, u16, u8, usize);

impl ToValue for u64 {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for bool {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for f64 {
    fn value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl ToValue for str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for [u8] {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for [i64] {
    fn value(&self) -> Value<'_> {
        Value::Ints(self)
    }
}

impl ToValue for Vec<i64> {
    fn value(&self) -> Value<'_> {
        Value::Ints(self)
    }
}

impl ToValue for [String] {
    fn value(&self) -> Value<'_> {
        Value::Texts(self)
    }
}

impl ToValue for Vec<String> {
    fn value(&self) -> Value<'_> {
        Value::Texts(self)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn value(&self) -> Value<'_> {
        match self {
            Some(v) => v.value(),
            None => Value::Null,
        }
    }
}

impl<'a> ToValue for Value<'a> {
    fn value(&self) -> Value<'_> {
        *self
    }
}

/// The values bound to a statement, as `params!` would list them.
macro_rules! args {
    () => { &[] as &[$crate::store::sql::Value<'_>] };
    ($($v:expr),+ $(,)?) => {
        &[$($crate::store::sql::ToValue::value(&$v)),+] as &[$crate::store::sql::Value<'_>]
    };
}
pub(crate) use args;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Ints(v) => ToSqlOutput::from(serde_json::to_string(v).unwrap_or_default()),
            Value::Texts(v) => ToSqlOutput::from(serde_json::to_string(v).unwrap_or_default()),
        })
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl postgres::types::ToSql for Value<'_> {
    /// Each value in the type the server inferred for its parameter: an integer also binds
    /// to a narrower integer column (when it fits), a real or a boolean. A parameter of no
    /// stated type (`unknown`: a statement sent without preparing it first) gets the value's
    /// text form, which the server reads as the type it infers.
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, BoxError> {
        if *ty == Type::UNKNOWN {
            return Ok(self.write_text(out));
        }
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
            Value::Ints(v) => v.to_sql(ty, out),
            Value::Texts(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> Format {
        if *ty == Type::UNKNOWN {
            Format::Text
        } else {
            Format::Binary
        }
    }

    to_sql_checked!();
}

impl Value<'_> {
    /// The value in PostgreSQL's text form: an integer as a boolean is `0` or `1`, which the
    /// server reads as false or true; bytes in `\x` hex; lists as array literals.
    fn write_text(self, out: &mut BytesMut) -> IsNull {
        if let Value::Null = self {
            return IsNull::Yes;
        }
        // Writing into a `BytesMut` cannot fail.
        let _ = self.text_form(out);
        IsNull::No
    }

    /// [`Value::write_text`]'s text, written straight into `out`.
    fn text_form(self, out: &mut BytesMut) -> std::fmt::Result {
        use std::fmt::Write as _;
        match self {
            Value::Null => Ok(()),
            Value::Int(i) => write!(out, "{i}"),
            Value::Real(f) => out.write_str(&pg_real_text(f)),
            Value::Text(s) => out.write_str(s),
            Value::Blob(b) => write!(out, "\\x{}", hex::encode(b)),
            Value::Ints(v) => {
                out.write_char('{')?;
                for (k, i) in v.iter().enumerate() {
                    let sep = if k > 0 { "," } else { "" };
                    write!(out, "{sep}{i}")?;
                }
                out.write_char('}')
            }
            Value::Texts(v) => {
                out.write_char('{')?;
                for (k, item) in v.iter().enumerate() {
                    out.write_str(if k > 0 { ",\"" } else { "\"" })?;
                    for ch in item.chars() {
                        if ch == '\\' || ch == '"' {
                            out.write_char('\\')?;
                        }
                        out.write_char(ch)?;
                    }
                    out.write_char('"')?;
                }
                out.write_char('}')
            }
        }
    }
}

/// A real in a form PostgreSQL's `float8` input reads back to the same value.
fn pg_real_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        // Rust prints the shortest text that reads back as the same f64.
        f.to_string()
    }
}

/// One row of a result, from either engine.
pub(crate) enum Row<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `i` as `T`.
    pub(crate) fn get<T: Col>(&self, i: usize) -> Result<T> {
        match self {
            Row::Lite(r) => T::lite(r, i).map_err(Error::from),
            Row::Pg(r) => T::pg(r, i),
        }
    }
}

/// A type a column reads as, on either engine.
pub(crate) trait Col: Sized {
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self>;
    fn pg(r: &postgres::Row, i: usize) -> Result<Self>;
}

/// A column whose type does not read as what the code asked for: a mistake in a statement.
fn mismatch(r: &postgres::Row, i: usize, want: &str) -> Error {
    let col = &r.columns()[i];
    Error::Store(format!(
        "column {} ({}) read as {want}",
        col.name(),
        col.type_()
    ))
}

/// Reads a possibly NULL column of PostgreSQL's integer, real, text, boolean or bytes types.
fn pg_int(r: &postgres::Row, i: usize) -> Result<Option<i64>> {
    Ok(match *r.columns()[i].type_() {
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?,
        Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(i64::from),
        Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(i64::from),
        Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(i64::from),
        _ => return Err(mismatch(r, i, "an integer")),
    })
}

fn pg_real(r: &postgres::Row, i: usize) -> Result<Option<f64>> {
    Ok(match *r.columns()[i].type_() {
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?,
        Type::FLOAT4 => r.try_get::<_, Option<f32>>(i)?.map(f64::from),
        Type::INT8 | Type::INT4 | Type::INT2 => pg_int(r, i)?.map(|v| v as f64),
        _ => return Err(mismatch(r, i, "a number")),
    })
}

fn pg_text(r: &postgres::Row, i: usize) -> Result<Option<String>> {
    Ok(r.try_get::<_, Option<String>>(i)?)
}

fn pg_blob(r: &postgres::Row, i: usize) -> Result<Option<Vec<u8>>> {
    Ok(r.try_get::<_, Option<Vec<u8>>>(i)?)
}

fn null(r: &postgres::Row, i: usize) -> Error {
    Error::Store(format!("column {} is NULL", r.columns()[i].name()))
}

macro_rules! col {
    ($t:ty, $read:ident, $conv:expr) => {
        impl Col for $t {
            fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
                $read(r, i)?.map($conv).ok_or_else(|| null(r, i))
            }
        }
        impl Col for Option<$t> {
            fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
                Ok($read(r, i)?.map($conv))
            }
        }
    };
}
col!(i64, pg_int, |v| v);
col!(bool, pg_int, |v| v != 0);
col!(f64, pg_real, |v| v);
col!(String, pg_text, |v| v);
col!(Vec<u8>, pg_blob, |v| v);

macro_rules! narrow_col {
    ($($t:ty),*) => {$(
        impl Col for $t {
            fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
                let v = pg_int(r, i)?.ok_or_else(|| null(r, i))?;
                <$t>::try_from(v).map_err(|_| Error::Store(format!(
                    "column {} holds {v}, out of range", r.columns()[i].name()
                )))
            }
        }
        impl Col for Option<$t> {
            fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
                pg_int(r, i)?.map(|v| <$t>::try_from(v).map_err(|_| Error::Store(format!(
                    "column {} holds {v}, out of range", r.columns()[i].name()
                )))).transpose()
            }
        }
    )*};
}
narrow_col!(i32, u32, u8, u16, u64);

/// A value of any column, owned: what a copy of whole rows reads from one engine and binds on
/// the other, column by column, without knowing each column's type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Owned {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl ToValue for Owned {
    fn value(&self) -> Value<'_> {
        match self {
            Owned::Null => Value::Null,
            Owned::Int(i) => Value::Int(*i),
            Owned::Real(f) => Value::Real(*f),
            Owned::Text(s) => Value::Text(s),
            Owned::Blob(b) => Value::Blob(b),
        }
    }
}

impl Col for Owned {
    /// SQLite's value as stored (its storage class).
    fn lite(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        Ok(match r.get_ref(i)? {
            ValueRef::Null => Owned::Null,
            ValueRef::Integer(v) => Owned::Int(v),
            ValueRef::Real(v) => Owned::Real(v),
            ValueRef::Text(t) => Owned::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Owned::Blob(b.to_vec()),
        })
    }

    /// PostgreSQL's value by its column's type: the integer, real, text and bytes types the
    /// schema uses (flags are integers; a boolean reads as 0/1).
    fn pg(r: &postgres::Row, i: usize) -> Result<Self> {
        let ty = r.columns()[i].type_().clone();
        let v = match ty {
            Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL => pg_int(r, i)?.map(Owned::Int),
            Type::FLOAT8 | Type::FLOAT4 => pg_real(r, i)?.map(Owned::Real),
            Type::BYTEA => pg_blob(r, i)?.map(Owned::Blob),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                pg_text(r, i)?.map(Owned::Text)
            }
            _ => return Err(mismatch(r, i, "an integer, real, text or bytes value")),
        };
        Ok(v.unwrap_or(Owned::Null))
    }
}

impl fmt::Display for Sql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.lite)
    }
}

/// Counter additions made in a write transaction, written together when it commits
/// (`counters::flush`): a batch of results adds to the same few counters for every task, and
/// on PostgreSQL each statement is a round trip.
#[derive(Default)]
pub(crate) struct PendingCounters {
    /// Whether a write transaction is open (outside one, additions are written at once).
    open: std::cell::Cell<bool>,
    adds: std::cell::RefCell<std::collections::BTreeMap<(String, String), i64>>,
}

impl PendingCounters {
    pub(crate) fn begin(&self) {
        self.adds.borrow_mut().clear();
        self.open.set(true);
    }

    pub(crate) fn end(&self) {
        self.open.set(false);
        self.adds.borrow_mut().clear();
    }

    /// Keeps an addition for the commit; false outside a write transaction.
    pub(crate) fn add(&self, name: &str, labels: &str, by: i64) -> bool {
        if !self.open.get() {
            return false;
        }
        *self
            .adds
            .borrow_mut()
            .entry((name.to_string(), labels.to_string()))
            .or_insert(0) += by;
        true
    }

    /// The additions kept so far (none left after), each counter once.
    pub(crate) fn take(&self) -> Vec<((String, String), i64)> {
        std::mem::take(&mut *self.adds.borrow_mut())
            .into_iter()
            .filter(|(_, by)| *by != 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::pg_placeholders;

    #[test]
    fn placeholders_are_renumbered_outside_quotes() {
        assert_eq!(
            pg_placeholders("SELECT a FROM t WHERE b = ?2 AND c = ?1 AND d = '?3'"),
            "SELECT a FROM t WHERE b = $2 AND c = $1 AND d = '?3'"
        );
        assert_eq!(
            pg_placeholders("INSERT INTO t VALUES (?, ?, \"a?\")"),
            "INSERT INTO t VALUES ($1, $2, \"a?\")"
        );
    }
}
