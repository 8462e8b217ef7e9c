//! `… messages export`: a conversation's whole history, week by week, as JSON Lines or CSV. An
//! exported file gets a checksum file beside it (`FILE.sha256`, in `sha256sum` format), so that
//! an archive can be checked later.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use trillian_api::MessagesApi;
use trillian_api::model::Message;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// The format of an exported history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object a line: conversation, year, week, timestamp, from, text.
    Jsonl,
    /// A header row, then one row a message with the same columns.
    Csv,
}

/// One exported message.
#[derive(Debug, Serialize)]
struct Line<'a> {
    conversation: &'a str,
    year: i32,
    week: u32,
    /// Unix milliseconds.
    timestamp: u64,
    from: Cow<'a, str>,
    text: Cow<'a, str>,
}

const CSV_HEADER: [&str; 6] = ["conversation", "year", "week", "timestamp", "from", "text"];

/// The bytes of `messages` of one week in `format`; the CSV header goes before the first week.
fn encode<'a>(
    format: Format,
    conversation: &'a str,
    year: i32,
    week: u32,
    messages: &'a [Message],
    header: bool,
) -> Result<Vec<u8>> {
    // CSV cells are defused for spreadsheets; JSON Lines keep the text exactly.
    let cell = |text: &'a str| match format {
        Format::Csv => crate::output::spreadsheet_safe(text),
        Format::Jsonl => Cow::Borrowed(text),
    };
    let lines = messages.iter().map(|m| Line {
        conversation,
        year,
        week,
        timestamp: m.timestamp,
        from: cell(&m.from),
        text: cell(&m.text),
    });
    match format {
        Format::Jsonl => {
            let mut out = Vec::new();
            for line in lines {
                serde_json::to_writer(&mut out, &line).map_err(Error::Json)?;
                out.push(b'\n');
            }
            Ok(out)
        }
        Format::Csv => {
            let csv_err = |e: csv::Error| Error::Csv {
                what: "writing CSV".to_owned(),
                reason: e.to_string(),
            };
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            if header {
                writer.write_record(CSV_HEADER).map_err(csv_err)?;
            }
            for line in lines {
                writer.serialize(&line).map_err(csv_err)?;
            }
            writer
                .into_inner()
                .map_err(|e| Error::io("writing CSV", e.into_error()))
        }
    }
}

/// Exports every week of the conversation `messages` is about to `file` (with `FILE.sha256`)
/// or standard output.
pub async fn export(
    messages: &MessagesApi<'_>,
    owner: &str,
    format: Format,
    file: Option<&Path>,
    ctx: &Context,
) -> Result<()> {
    // every conversation: a user with several correspondents has one per correspondent
    let history = messages.conversations().await?;
    let mut dest: Box<dyn AsyncWrite + Unpin + Send> = match file {
        Some(path) => Box::new(
            tokio::fs::File::create(path)
                .await
                .map_err(|e| Error::io(format!("creating {}", path.display()), e))?,
        ),
        None => Box::new(tokio::io::stdout()),
    };
    let written = write_weeks(messages, &history, format, &mut dest).await;
    let flushed = match written {
        Ok(counts) => dest
            .flush()
            .await
            .map(|()| counts)
            .map_err(|e| write_error(file, e)),
        Err(e) => Err(e),
    };
    drop(dest);
    let (count, digest) = match flushed {
        Ok(done) => done,
        Err(e) => {
            if let Some(path) = file {
                let _ = tokio::fs::remove_file(path).await;
            }
            return Err(e);
        }
    };
    let weeks: usize = history.iter().map(|h| h.weeks.len()).sum();
    match file {
        Some(path) => {
            let sums = checksum_path(path);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            tokio::fs::write(&sums, format!("{digest}  {name}\n"))
                .await
                .map_err(|e| Error::io(format!("writing {}", sums.display()), e))?;
            ctx.printer.done(&Outcome::ok(format!(
                "exported {count} messages in {weeks} weeks of {owner} to {} (SHA-256 {digest} in {})",
                path.display(),
                sums.display()
            )))
        }
        None => {
            eprintln!("trillian: exported {count} messages in {weeks} weeks (SHA-256 {digest})");
            Ok(())
        }
    }
}

/// Writes every week; answers the message count and the hex SHA-256 of what was written.
async fn write_weeks(
    messages: &MessagesApi<'_>,
    history: &[trillian_api::model::MessageHistory],
    format: Format,
    dest: &mut (dyn AsyncWrite + Unpin + Send),
) -> Result<(usize, String)> {
    let mut hasher = Sha256::new();
    let mut count = 0;
    let mut first = true;
    for (history, week) in history
        .iter()
        .flat_map(|h| h.weeks.iter().map(move |w| (h, w)))
    {
        let batch = messages
            .week(&history.conversation, week.year, week.week)
            .await?;
        let bytes = encode(
            format,
            &history.conversation,
            week.year,
            week.week,
            &batch,
            first,
        )?;
        first = false;
        count += batch.len();
        hasher.update(&bytes);
        dest.write_all(&bytes)
            .await
            .map_err(|e| Error::io("writing the export", e))?;
    }
    if first && format == Format::Csv {
        // No week at all: still a valid CSV file with its header.
        let bytes = encode(format, "", 0, 0, &[], true)?;
        hasher.update(&bytes);
        dest.write_all(&bytes)
            .await
            .map_err(|e| Error::io("writing the export", e))?;
    }
    let digest = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((count, digest))
}

fn write_error(file: Option<&Path>, e: std::io::Error) -> Error {
    match file {
        Some(p) => Error::io(format!("writing {}", p.display()), e),
        None => Error::stdout(e),
    }
}

/// `FILE.sha256` beside `FILE`.
fn checksum_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(timestamp: u64, from: &str, text: &str) -> Message {
        Message {
            timestamp,
            from: from.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn jsonl_has_one_object_a_line() {
        let bytes = encode(
            Format::Jsonl,
            "c1",
            2016,
            20,
            &[message(1, "a@x", "hi\nthere")],
            true,
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "{\"conversation\":\"c1\",\"year\":2016,\"week\":20,\"timestamp\":1,\"from\":\"a@x\",\
             \"text\":\"hi\\nthere\"}\n",
            "newlines inside a message stay escaped: one message, one line"
        );
    }

    #[test]
    fn csv_header_only_before_the_first_week_and_quoting() {
        let first = encode(
            Format::Csv,
            "c1",
            2016,
            20,
            &[message(1, "a@x", "a, b")],
            true,
        )
        .unwrap();
        let next = encode(
            Format::Csv,
            "c1",
            2016,
            21,
            &[message(2, "b@x", "ok")],
            false,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(first).unwrap(),
            "conversation,year,week,timestamp,from,text\nc1,2016,20,1,a@x,\"a, b\"\n"
        );
        assert_eq!(String::from_utf8(next).unwrap(), "c1,2016,21,2,b@x,ok\n");
    }

    #[test]
    fn csv_defuses_formulas_and_jsonl_keeps_the_text() {
        let m = [message(1, "a@x", "=cmd|' /C calc'!A0")];
        let csv = encode(Format::Csv, "c", 2016, 20, &m, false).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "c,2016,20,1,a@x,'=cmd|' /C calc'!A0\n"
        );
        let jsonl = encode(Format::Jsonl, "c", 2016, 20, &m, false).unwrap();
        assert!(
            String::from_utf8(jsonl)
                .unwrap()
                .contains("\"text\":\"=cmd")
        );
    }

    #[test]
    fn checksum_file_sits_beside_the_export() {
        assert_eq!(
            checksum_path(Path::new("/tmp/a.jsonl")),
            PathBuf::from("/tmp/a.jsonl.sha256")
        );
    }
}
