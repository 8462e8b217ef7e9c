//! What a command prints on standard output: a readable table, one JSON document, or the server's
//! own XML answer (`--output xml`: the records are not printed; the command's raw XML answers,
//! collected by the client, are printed once it is done — see [`Context::raw_answers`]).
//!
//! [`Context::raw_answers`]: crate::context::Context::raw_answers
//!
//! Every record a command prints is a small view struct of this crate (not the client's model), so
//! that the JSON field names are this tool's stable contract, documented in the README, and do not
//! move when the client's models do.

use std::borrow::Cow;
use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::error::{Error, Result};

/// The `--output` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON document with stable field names, for scripts.
    Json,
    /// The server's own XML answer(s), byte for byte, for debugging.
    Xml,
}

/// A record that can be printed as a table row and as a JSON object.
pub trait Record: Serialize {
    /// Column headers, in order.
    const COLUMNS: &'static [&'static str];
    /// The cells of this record, one per column, in the order of [`Record::COLUMNS`].
    fn cells(&self) -> Vec<String>;
}

/// Writes command results to standard output in the chosen format.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    format: Format,
}

impl Printer {
    pub fn new(format: Format) -> Self {
        Self { format }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Prints a list: a table with a header, or a JSON array.
    pub fn list<R: Record>(&self, rows: &[R]) -> Result<()> {
        let mut out = io::stdout().lock();
        match self.format {
            Format::Json => write_json(&mut out, rows)?,
            // the server's own answer is printed instead, once the command is done
            Format::Xml => {}
            Format::Table => {
                let body: Vec<Vec<String>> = rows.iter().map(Record::cells).collect();
                write_table(&mut out, R::COLUMNS, &body).map_err(Error::stdout)?;
            }
        }
        Ok(())
    }

    /// Prints one record: `field  value` lines, or a JSON object.
    pub fn one<R: Record>(&self, record: &R) -> Result<()> {
        let mut out = io::stdout().lock();
        match self.format {
            Format::Json => write_json(&mut out, record)?,
            Format::Xml => {}
            Format::Table => {
                let cells = record.cells();
                let width = R::COLUMNS
                    .iter()
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0);
                for (name, value) in R::COLUMNS.iter().zip(cells) {
                    writeln!(out, "{name:<width$}  {value}").map_err(Error::stdout)?;
                }
            }
        }
        Ok(())
    }

    /// Prints any serialisable document as JSON (reports that are not records).
    pub fn value<T: Serialize>(&self, value: &T) -> Result<()> {
        if self.format == Format::Xml {
            return Ok(());
        }
        write_json(&mut io::stdout().lock(), value)
    }

    /// Prints the outcome of an operation that returns no resource (the server answered 204).
    pub fn done(&self, outcome: &Outcome) -> Result<()> {
        let mut out = io::stdout().lock();
        match self.format {
            Format::Json => write_json(&mut out, outcome)?,
            Format::Table => {
                writeln!(out, "{}", outcome.message).map_err(Error::stdout)?;
            }
            // standard output is kept for XML; what was done still shows
            Format::Xml => eprintln!("trillian: {}", printable(&outcome.message)),
        }
        Ok(())
    }
}

/// The JSON document of an operation without a resource in its answer.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// Always `"ok"`; failures exit non-zero with the reason on standard error instead.
    pub status: &'static str,
    /// What was done, in words (`deleted user kwk@example.com`).
    pub message: String,
}

impl Outcome {
    pub fn ok(message: impl Into<String>) -> Self {
        Self {
            status: "ok",
            message: message.into(),
        }
    }
}

fn write_json<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(Error::Json)?;
    out.write_all(b"\n").map_err(Error::stdout)
}

/// Writes aligned columns. Control characters in cells (a newline in a topic, an escape sequence
/// from a server) are shown escaped so that one record stays one line and cannot drive the
/// terminal.
pub fn write_table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_uppercase()).collect();
    write_row(out, &header, &widths)?;
    for row in &rows {
        write_row(out, row, &widths)?;
    }
    Ok(())
}

fn write_row(out: &mut impl Write, cells: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let last = i + 1 == cells.len();
        if last {
            line.push_str(cell);
        } else {
            let width = widths.get(i).copied().unwrap_or(0);
            let pad = width.saturating_sub(cell.chars().count());
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', pad + 2));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// `text` with control characters escaped (`\n`, `\u{1b}`).
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A CSV cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a
/// leading `'`, as the app's CSV files do (its import reads such cells back unchanged).
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC` (0 as `-`), for tables.
pub fn date_time(unix_seconds: u64) -> String {
    if unix_seconds == 0 {
        return "-".to_owned();
    }
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    i64::try_from(unix_seconds)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix_seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_escapes_control_characters() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["1".to_owned(), "Sales".to_owned(), "x".to_owned()],
            vec![
                "10".to_owned(),
                "line\nbreak\u{1b}[31m".to_owned(),
                "y".to_owned(),
            ],
        ];
        write_table(&mut out, &["id", "name", "z"], &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "ID  NAME                   Z\n\
             1   Sales                  x\n\
             10  line\\nbreak\\u{1b}[31m  y\n",
            "columns padded to the widest cell, escapes shown literally"
        );
    }

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("Kim"), "Kim");
    }

    #[test]
    fn dates_are_utc_and_zero_is_a_dash() {
        assert_eq!(date_time(1_464_196_567), "2016-05-25 17:16:07 UTC");
        assert_eq!(date_time(0), "-");
    }

    #[test]
    fn empty_table_prints_only_the_header() {
        let mut out = Vec::new();
        write_table(&mut out, &["im", "status"], &[]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "IM  STATUS\n");
    }
}
