//! Bulk submits (`task submit --from-file`): the rows of a JSON-lines or CSV file, read one at a
//! time so a file of any size is imported in bounded memory.
//!
//! [`Rows`] yields `(line number, request)` pairs straight from a buffered reader. Standard
//! input is first spooled to an unnamed temporary file, so a slow producer never holds the
//! store's write lock while the import runs in its one transaction. Bytes that are not UTF-8
//! are an invalid-input error naming their line, like any other bad row.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::rc::Rc;

use crate::domain::task::DurationValue;
use crate::domain::{Keywords, SubmitRequest};
use crate::error::{Error, Result};

/// Read buffer of the bulk file.
const BUFFER: usize = 256 * 1024;

/// The rows of a bulk file, in order.
pub struct Rows {
    name: String,
    format: Format,
    read: Rc<Cell<u64>>,
    size: Option<u64>,
}

enum Format {
    Jsonl {
        reader: BufReader<Counted>,
        line: usize,
        buf: Vec<u8>,
    },
    Csv {
        reader: Box<csv::Reader<BufReader<Counted>>>,
        header: Vec<String>,
        record: csv::StringRecord,
    },
}

/// A reader that counts the bytes it hands out, for the progress bar.
struct Counted {
    file: File,
    read: Rc<Cell<u64>>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// A CSV header names the same fields as a JSONL row: those of [`SubmitRequest`].
pub fn csv_fields() -> &'static [&'static str] {
    crate::output::field_names::<SubmitRequest>()
}

impl Rows {
    /// Opens `name` (`-` for standard input) and decides its format: by extension, else by
    /// whether its first non-blank byte opens a JSON object.
    pub fn open(name: &str) -> Result<Rows> {
        let file = if name == "-" {
            spool(&mut io::stdin().lock(), "standard input")?
        } else {
            let mut file = File::open(name).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => Error::Usage(format!("{name}: no such file")),
                _ => Error::io(format!("cannot read {name}"), e),
            })?;
            // A pipe (`--from-file <(cmd)`) is read to its end first, like standard input.
            if file.metadata().is_ok_and(|m| m.is_file()) {
                file
            } else {
                spool(&mut file, name)?
            }
        };
        let size = file.metadata().ok().map(|m| m.len()).filter(|n| *n > 0);
        let read = Rc::new(Cell::new(0));
        let mut reader = BufReader::with_capacity(
            BUFFER,
            Counted {
                file,
                read: read.clone(),
            },
        );
        let head = reader
            .fill_buf()
            .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        // Windows editors and spreadsheets (Notepad, Excel, WPS) may start UTF-8 with a BOM.
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let first = head[if bom { 3 } else { 0 }..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .copied();
        if bom {
            reader.consume(3);
        }
        let lower = name.to_ascii_lowercase();
        let is_csv = if lower.ends_with(".csv") {
            true
        } else if lower.ends_with(".jsonl")
            || lower.ends_with(".ndjson")
            || lower.ends_with(".json")
        {
            false
        } else {
            first.is_some_and(|b| b != b'{')
        };
        let format = if is_csv {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(reader);
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| Error::Usage(format!("{name} line 1: {}", csv_error(&e))))?
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect();
            for h in &header {
                if !csv_fields().contains(&h.as_str()) {
                    return Err(Error::Usage(format!(
                        "{name} line 1: unknown column '{h}' (expected some of: {})",
                        csv_fields().join(", ")
                    )));
                }
            }
            Format::Csv {
                reader: Box::new(reader),
                header,
                record: csv::StringRecord::new(),
            }
        } else {
            Format::Jsonl {
                reader,
                line: 0,
                buf: Vec::new(),
            }
        };
        Ok(Rows {
            name: name.to_string(),
            format,
            read,
            size,
        })
    }

    /// The file's size in bytes, when known and not empty.
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// How many bytes of the file have been read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read.get()
    }

    /// The next row, `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<(usize, SubmitRequest)>> {
        let name = &self.name;
        match &mut self.format {
            Format::Jsonl { reader, line, buf } => loop {
                buf.clear();
                let n = reader
                    .read_until(b'\n', buf)
                    .map_err(|e| Error::io(format!("cannot read {name}"), e))?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                let text = std::str::from_utf8(buf).map_err(|e| {
                    Error::Usage(format!(
                        "{name} line {line}: not valid UTF-8 (at byte {} of the line)",
                        e.valid_up_to() + 1
                    ))
                })?;
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let req: SubmitRequest = serde_json::from_str(text)
                    .map_err(|e| Error::Usage(format!("{name} line {line}: {e}")))?;
                return Ok(Some((*line, req)));
            },
            Format::Csv {
                reader,
                header,
                record,
            } => {
                let more = reader.read_record(record).map_err(|e| {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    Error::Usage(format!("{name} line {line}: {}", csv_error(&e)))
                })?;
                if !more {
                    return Ok(None);
                }
                let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
                let req = csv_request(header, record)
                    .map_err(|msg| Error::Usage(format!("{name} line {line}: {msg}")))?;
                Ok(Some((line, req)))
            }
        }
    }
}

/// A CSV error without the position the message already gives.
fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("not valid UTF-8 (in field {})", err.field() + 1)
        }
        _ => e.to_string(),
    }
}

fn csv_request(
    header: &[String],
    rec: &csv::StringRecord,
) -> std::result::Result<SubmitRequest, String> {
    let mut req = SubmitRequest::default();
    for (h, v) in header.iter().zip(rec.iter()) {
        if v.is_empty() {
            continue;
        }
        let int = |field: &str| {
            v.parse::<i64>()
                .map_err(|_| format!("invalid {field}: '{v}' is not a whole number"))
        };
        match h.as_str() {
            "account" => req.account = Some(v.into()),
            "topic" => req.topic = Some(v.into()),
            "keywords" => req.keywords = Some(Keywords::Joined(v.into())),
            "category" => req.category = Some(v.into()),
            "requirements" => req.requirements = Some(v.into()),
            "tone" => req.tone = Some(v.into()),
            "priority" => req.priority = Some(int("priority")?),
            "max_retries" => req.max_retries = Some(int("max_retries")?),
            "auto_approve" => {
                req.auto_approve = Some(match v.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => return Err(format!("invalid auto_approve: '{v}' is not true or false")),
                })
            }
            "review" => req.review = Some(v.into()),
            "timeout" => req.timeout = Some(DurationValue::Text(v.into())),
            "callback_url" => req.callback_url = Some(v.into()),
            "generator" => req.generator = Some(v.into()),
            "idempotency_key" => req.idempotency_key = Some(v.into()),
            _ => {}
        }
    }
    Ok(req)
}

/// Copies a stream (standard input, a pipe) to an unnamed temporary file, rewound, so that
/// the import's transaction never waits on its producer.
fn spool(from: &mut impl Read, name: &str) -> Result<File> {
    let buffer = |e| Error::io(format!("cannot buffer {name} in a temporary file"), e);
    let mut file = tempfile::tempfile().map_err(buffer)?;
    let mut read_all = io::BufReader::with_capacity(BUFFER, from);
    let copied = io::copy(&mut read_all, &mut file);
    match copied {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::StorageFull => return Err(buffer(e)),
        Err(e) => return Err(Error::io(format!("cannot read tasks from {name}"), e)),
    }
    file.rewind().map_err(buffer)?;
    Ok(file)
}
