//! Rendering: tables, JSON, NDJSON and CSV from the same serializable records, and the one
//! style object that decides colour.
//!
//! A record is rendered through its JSON form, so every format shows the same field names:
//! JSON keeps them as they are, CSV uses them as its header, and tables use them as column
//! titles (a list table shows [`Record::COLUMNS`], a single record shows every field).
//! Tables show timestamps (`*_at` keys) in local time; everything else is UTC RFC 3339.

use std::io::IsTerminal;

use chrono::DateTime;
use clap::ValueEnum;
use comfy_table::{presets, Cell, ContentArrangement, Table};
use owo_colors::OwoColorize;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::time::local_display;

/// The global `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Human-readable table (local times, colour on a terminal)
    #[default]
    Table,
    /// Pretty JSON: an array for lists, an object otherwise
    Json,
    /// One JSON object per line
    Ndjson,
    /// Comma-separated values with a header row
    Csv,
    /// Prometheus text exposition (`monitor metrics` only)
    Prometheus,
}

/// The global `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides colour once, from `--color`, `NO_COLOR` and whether stdout is a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub tty: bool,
}

impl Style {
    pub fn new(choice: ColorChoice, no_color_env: bool) -> Style {
        let tty = std::io::stdout().is_terminal();
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color_env,
        };
        Style { color, tty }
    }

    pub fn status(&self, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        match s {
            "completed" | "approved" | "running" | "ok" => s.green().to_string(),
            "failed" | "timeout" | "rejected" | "stale" | "critical" => s.red().to_string(),
            "pending" => s.yellow().to_string(),
            "submitted" | "processing" => s.cyan().to_string(),
            "cancelled" | "stopped" => s.dimmed().to_string(),
            _ => s.to_string(),
        }
    }
}

/// A row type that can be listed.
pub trait Record: Serialize + serde::de::DeserializeOwned {
    /// The fields a list table shows, in order; JSON keys of `Self`.
    const COLUMNS: &'static [&'static str];
    /// What `-q` prints for this record.
    fn key(&self) -> String;
}

pub struct Printer {
    pub format: Format,
    pub style: Style,
    pub quiet: bool,
}

fn to_object<T: Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        Ok(other) => {
            let mut m = Map::new();
            m.insert("value".into(), other);
            m
        }
        Err(e) => {
            let mut m = Map::new();
            m.insert("error".into(), Value::String(e.to_string()));
            m
        }
    }
}

/// A cell for CSV: arrays joined by commas, objects as JSON, null empty.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Object(o) => o.get("url").map(plain).unwrap_or_else(|| i.to_string()),
                other => plain(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => v.to_string(),
    }
}

/// A content row's review record, one line per rule: the mode, the decision and who made
/// it, then each rule's result with what it found.
fn review_text(o: &Map<String, Value>) -> String {
    let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("-").to_string();
    let mut out = format!(
        "{} → {} (decided by {})",
        text("mode"),
        text("decision"),
        o.get("decider").and_then(Value::as_str).unwrap_or("nobody")
    );
    if let Some(n) = o
        .get("regenerations")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
    {
        out.push_str(&format!(", after {n} regeneration(s)"));
    }
    if let Some(note) = o.get("note").and_then(Value::as_str) {
        out.push_str(&format!("\n{note}"));
    }
    for (i, d) in o
        .get("drafts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let failed: Vec<&str> = d
            .get("checks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| c.get("result").and_then(Value::as_str) != Some("pass"))
            .filter_map(|c| c.get("check").and_then(Value::as_str))
            .collect();
        out.push_str(&format!(
            "\ndraft {} sent back: {} words, failed {}",
            i + 1,
            d.get("word_count").and_then(Value::as_u64).unwrap_or(0),
            if failed.is_empty() {
                "-".to_string()
            } else {
                failed.join(", ")
            }
        ));
    }
    for c in o
        .get("checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default();
        out.push_str(&format!("\n{}: {}", field("check"), field("result")));
        if !field("detail").is_empty() {
            out.push_str(&format!(" ({})", field("detail")));
        }
    }
    out
}

/// A table in the project's style: condensed UTF-8 borders, wrapped to the terminal's width
/// only on a terminal.
pub fn new_table(style: &Style) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(if style.tty {
        ContentArrangement::Dynamic
    } else {
        ContentArrangement::Disabled
    });
    t
}

impl Printer {
    /// A cell for a table: local times, yes/no, coloured statuses.
    fn human(&self, key: &str, v: &Value) -> String {
        match v {
            Value::Null => "-".into(),
            Value::Bool(true) => "yes".into(),
            Value::Bool(false) => "no".into(),
            Value::String(s) if key.ends_with("_at") || key == "since" => {
                DateTime::parse_from_rfc3339(s)
                    .map(|dt| local_display(dt.to_utc()))
                    .unwrap_or_else(|_| s.clone())
            }
            Value::String(s) if key == "status" || key == "review_status" => self.style.status(s),
            Value::Number(n) if key == "success_rate" => {
                let r = n.as_f64().unwrap_or(0.0);
                let text = format!("{:.1}%", r * 100.0);
                if !self.style.color {
                    text
                } else if r >= 0.95 {
                    text.green().to_string()
                } else if r >= 0.8 {
                    text.yellow().to_string()
                } else {
                    text.red().to_string()
                }
            }
            Value::Number(n) if key == "share" || key.ends_with("_rate") => {
                format!("{:.1}%", n.as_f64().unwrap_or(0.0) * 100.0)
            }
            Value::Number(n) if key.ends_with("duration_seconds") => {
                let s = n.as_f64().unwrap_or(0.0);
                if s < 1.0 {
                    format!("{:.0}ms", s * 1000.0)
                } else {
                    format!("{s:.1}s")
                }
            }
            Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
            Value::Object(o) if key == "review_record" => review_text(o),
            other => plain(other),
        }
    }

    /// Renders a list.
    pub fn list<T: Record>(&self, items: &[T]) -> String {
        if self.quiet {
            return items.iter().map(|i| i.key() + "\n").collect();
        }
        let rows: Vec<Map<String, Value>> = items.iter().map(to_object).collect();
        match self.format {
            Format::Json | Format::Prometheus => {
                let arr = Value::Array(rows.into_iter().map(Value::Object).collect());
                serde_json::to_string_pretty(&arr).unwrap_or_default() + "\n"
            }
            Format::Ndjson => rows
                .into_iter()
                .map(|r| Value::Object(r).to_string() + "\n")
                .collect(),
            Format::Csv => {
                let header: Vec<String> = match rows.first() {
                    Some(r) => r.keys().cloned().collect(),
                    None => field_names::<T>().iter().map(|s| s.to_string()).collect(),
                };
                let records = rows.iter().map(|r| {
                    header
                        .iter()
                        .map(|k| r.get(k).map(plain).unwrap_or_default())
                        .collect()
                });
                csv_text(&header, records)
            }
            Format::Table => {
                if rows.is_empty() {
                    return String::new();
                }
                let mut t = new_table(&self.style);
                t.set_header(T::COLUMNS.iter().map(Cell::new));
                for r in &rows {
                    t.add_row(
                        T::COLUMNS
                            .iter()
                            .map(|c| self.human(c, r.get(*c).unwrap_or(&Value::Null))),
                    );
                }
                t.to_string() + "\n"
            }
        }
    }

    /// Renders one record: every field.
    pub fn one<T: Record>(&self, item: &T) -> String {
        if self.quiet {
            return item.key() + "\n";
        }
        let obj = to_object(item);
        match self.format {
            Format::Json | Format::Prometheus => {
                serde_json::to_string_pretty(&Value::Object(obj)).unwrap_or_default() + "\n"
            }
            Format::Ndjson => Value::Object(obj).to_string() + "\n",
            Format::Csv => {
                let header: Vec<String> = obj.keys().cloned().collect();
                let row: Vec<String> = header.iter().map(|k| plain(&obj[k])).collect();
                csv_text(&header, std::iter::once(row))
            }
            Format::Table => {
                let mut t = new_table(&self.style);
                t.set_header(vec!["field", "value"]);
                for (k, v) in &obj {
                    t.add_row(vec![k.clone(), self.human(k, v)]);
                }
                t.to_string() + "\n"
            }
        }
    }

    /// Renders a report that is an object for JSON but a list of `rows` in tables and CSV
    /// (e.g. `task stats`). `footer` is a last table row (totals).
    pub fn report<T: Serialize, R: Record>(
        &self,
        value: &T,
        rows: &[R],
        footer: Option<Vec<String>>,
    ) -> String {
        match self.format {
            Format::Json | Format::Prometheus => {
                serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
            }
            Format::Ndjson => serde_json::to_string(value).unwrap_or_default() + "\n",
            Format::Csv => Printer {
                quiet: false,
                ..*self
            }
            .list(rows),
            Format::Table => {
                let mut t = new_table(&self.style);
                t.set_header(R::COLUMNS.iter().map(Cell::new));
                for r in rows.iter().map(to_object) {
                    t.add_row(
                        R::COLUMNS
                            .iter()
                            .map(|c| self.human(c, r.get(*c).unwrap_or(&Value::Null))),
                    );
                }
                if let Some(f) = footer {
                    t.add_row(f);
                }
                t.to_string() + "\n"
            }
        }
    }
}

impl Clone for Printer {
    fn clone(&self) -> Self {
        Printer { ..*self }
    }
}

/// The field names of a struct, in declaration order, read from its `Deserialize` impl (the
/// derive hands them to `deserialize_struct`). Gives an empty list a CSV header identical to
/// a full one.
pub fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    struct Names(&'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    struct Probe<'a>(&'a mut Names);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 .0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut names = Names(&[]);
    let _ = T::deserialize(Probe(&mut names));
    names.0
}

fn csv_text(header: &[String], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize)]
    struct Row {
        id: u32,
        name: String,
        tags: Vec<String>,
        created_at: String,
    }

    impl Record for Row {
        const COLUMNS: &'static [&'static str] = &["id", "name"];
        fn key(&self) -> String {
            self.id.to_string()
        }
    }

    fn printer(format: Format) -> Printer {
        Printer {
            format,
            style: Style {
                color: false,
                tty: false,
            },
            quiet: false,
        }
    }

    fn rows() -> Vec<Row> {
        vec![Row {
            id: 1,
            name: "文章".into(),
            tags: vec!["a".into(), "b".into()],
            created_at: "2026-11-01T08:00:00Z".into(),
        }]
    }

    #[test]
    fn csv_keeps_field_order_and_joins_arrays() {
        let out = printer(Format::Csv).list(&rows());
        assert_eq!(
            out,
            "id,name,tags,created_at\n1,文章,\"a,b\",2026-11-01T08:00:00Z\n"
        );
    }

    #[test]
    fn empty_csv_has_the_full_header() {
        let out = printer(Format::Csv).list::<Row>(&[]);
        assert_eq!(out, "id,name,tags,created_at\n");
    }

    #[test]
    fn json_list_is_an_array() {
        let out = printer(Format::Json).list(&rows());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["tags"][1], "b");
        assert_eq!(printer(Format::Json).list::<Row>(&[]).trim(), "[]");
    }

    #[test]
    fn table_aligns_cjk() {
        let out = printer(Format::Table).list(&rows());
        let widths: Vec<usize> = out.lines().map(unicode_width).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{out}");
    }

    fn unicode_width(s: &str) -> usize {
        s.chars()
            .map(|c| {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum()
    }
}
