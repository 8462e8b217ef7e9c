//! Export of a history (a week, a range or all weeks) to HTML (readable, escaped), JSONL and
//! CSV (cells a spreadsheet would run as a formula get a `'`), with a `manifest.sha256` (`sha256sum -c` format). Streamed: one week is fetched and
//! written at a time, hashing as the bytes go out; files are written as `*.part` and renamed
//! only when complete (a cancelled or failed export leaves no half file behind).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Owner, WeekRef, WeekRow, history_week_with, history_with};
use crate::error::{Error, Result};
use crate::job::{Cancel, Outcome, Progress};
use crate::model::Message;
use crate::user::import::escape_cell;
use crate::{Core, JournalOutcome, api};

/// A file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    Html,
    Jsonl,
    Csv,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Html => "html",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
        }
    }
}

/// What to export, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    /// The weeks to export; `None` exports every week.
    pub weeks: Option<Vec<WeekRef>>,
    pub formats: Vec<ExportFormat>,
    /// An existing folder; files are `<base_name>.<ext>` and `<base_name>.manifest.sha256`.
    pub dir: PathBuf,
    pub base_name: String,
}

/// One written file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    /// File name inside the folder.
    pub file: String,
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// The outcome of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    pub dir: String,
    pub files: Vec<ExportedFile>,
    /// The manifest's file name.
    pub manifest: String,
    pub weeks: u32,
    pub messages: u64,
}

/// A writer that hashes and counts what goes through it.
struct Hashing {
    inner: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or(buf);
        self.hasher.update(written);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// HTML text with `& < > " '` escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// RFC 3339 UTC time of unix milliseconds (the raw number when out of range).
pub fn utc_time(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// The writers of one export (one per format).
struct Sink {
    dir: PathBuf,
    base: String,
    files: Vec<(ExportFormat, Hashing, PathBuf)>,
}

impl Sink {
    fn open(dir: &Path, base: &str, formats: &[ExportFormat], title: &str) -> Result<Sink> {
        let mut sink = Sink {
            dir: dir.to_path_buf(),
            base: base.to_owned(),
            files: Vec::new(),
        };
        for &f in formats {
            let part = dir.join(format!("{base}.{}.part", f.extension()));
            let file = File::create(&part)
                .map_err(|e| Error::io(format!("creating {}", part.display()), e))?;
            let mut w = Hashing {
                inner: BufWriter::new(file),
                hasher: Sha256::new(),
                bytes: 0,
            };
            let head = match f {
                ExportFormat::Html => format!(
                    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
                     <title>{t}</title><style>body{{font:15px system-ui,sans-serif;\
                     max-width:60em;margin:2em auto;padding:0 1em}}td{{padding:.2em .6em;\
                     vertical-align:top}}.t{{white-space:nowrap;color:#555}}\
                     .m{{white-space:pre-wrap}}</style></head><body>\n<h1>{t}</h1>\n\
                     <p>Times are UTC.</p>\n",
                    t = escape_html(title)
                ),
                ExportFormat::Jsonl => String::new(),
                ExportFormat::Csv => {
                    "year,week,conversation_with,timestamp_ms,time_utc,from,text\n".to_owned()
                }
            };
            w.write_all(head.as_bytes())
                .map_err(|e| Error::io(format!("writing {}", part.display()), e))?;
            sink.files.push((f, w, part));
        }
        Ok(sink)
    }

    fn week(&mut self, week: WeekRef, with: &str, messages: &[Message]) -> Result<()> {
        for (f, w, part) in &mut self.files {
            let io = |e: std::io::Error| Error::io(format!("writing {}", part.display()), e);
            match f {
                ExportFormat::Html => {
                    write!(
                        w,
                        "<h2>{} (week of {}) · {}</h2>\n<table>\n",
                        week.label(),
                        week.monday().unwrap_or_default(),
                        escape_html(with)
                    )
                    .map_err(io)?;
                    for m in messages {
                        writeln!(
                            w,
                            "<tr><td class=\"t\">{}</td><td><b>{}</b></td>\
                             <td class=\"m\">{}</td></tr>",
                            escape_html(&utc_time(m.timestamp)),
                            escape_html(&m.from),
                            escape_html(&m.text)
                        )
                        .map_err(io)?;
                    }
                    w.write_all(b"</table>\n").map_err(io)?;
                }
                ExportFormat::Jsonl => {
                    for m in messages {
                        let line = serde_json::json!({
                            "year": week.year,
                            "week": week.week,
                            "conversation_with": with,
                            "timestamp": m.timestamp,
                            "time": utc_time(m.timestamp),
                            "from": m.from,
                            "text": m.text,
                        });
                        serde_json::to_writer(&mut *w, &line)
                            .map_err(|e| Error::Internal(format!("jsonl: {e}")))?;
                        w.write_all(b"\n").map_err(io)?;
                    }
                }
                ExportFormat::Csv => {
                    let mut csv = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(&mut *w);
                    for m in messages {
                        csv.write_record([
                            week.year.to_string(),
                            week.week.to_string(),
                            escape_cell(with),
                            m.timestamp.to_string(),
                            utc_time(m.timestamp),
                            escape_cell(&m.from),
                            escape_cell(&m.text),
                        ])
                        .map_err(|e| Error::Internal(format!("csv: {e}")))?;
                    }
                    csv.flush().map_err(io)?;
                }
            }
        }
        Ok(())
    }

    /// Closes the files, renames them into place, writes the manifest.
    fn finish(self) -> Result<(Vec<ExportedFile>, String)> {
        let mut done = Vec::new();
        for (f, mut w, part) in self.files {
            let io = |e: std::io::Error| Error::io(format!("writing {}", part.display()), e);
            if f == ExportFormat::Html {
                w.write_all(b"</body></html>\n").map_err(io)?;
            }
            w.flush().map_err(io)?;
            let Hashing {
                inner,
                hasher,
                bytes,
            } = w;
            inner
                .into_inner()
                .map_err(|e| io(e.into_error()))?
                .sync_all()
                .map_err(io)?;
            let name = format!("{}.{}", self.base, f.extension());
            let dest = self.dir.join(&name);
            std::fs::rename(&part, &dest)
                .map_err(|e| Error::io(format!("renaming to {}", dest.display()), e))?;
            done.push(ExportedFile {
                file: name,
                bytes,
                sha256: hex(&hasher.finalize()),
            });
        }
        let manifest = format!("{}.manifest.sha256", self.base);
        let body: String = done
            .iter()
            .map(|f| format!("{}  {}\n", f.sha256, f.file))
            .collect();
        let path = self.dir.join(&manifest);
        std::fs::write(&path, body)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        Ok((done, manifest))
    }

    fn abandon(self) {
        for (_, w, part) in self.files {
            drop(w);
            let _ = std::fs::remove_file(part);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn check_base(base: &str) -> Result<&str> {
    let ok = !base.is_empty()
        && base.len() <= 120
        && base
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        && !base.starts_with('.');
    if ok {
        Ok(base)
    } else {
        Err(Error::invalid(
            "file name",
            "letters, digits, spaces, '-', '_' and '.' only",
        ))
    }
}

impl Core {
    /// Exports `request.weeks` (or all weeks) of a history of the active profile, week by
    /// week, reporting progress after each week; `cancel` stops between weeks (no file is left
    /// behind). Journalled as `message.export`.
    pub async fn export_history(
        &self,
        owner: &Owner,
        request: &ExportRequest,
        cancel: &Cancel,
        on_progress: impl FnMut(Progress),
    ) -> Result<ExportReport> {
        let profile = self.require_active()?;
        self.export_history_in(&profile.id, owner, request, cancel, on_progress)
            .await
    }

    /// [`Core::export_history`] through the saved profile `profile_id` (active or not),
    /// journalled under it.
    pub async fn export_history_in(
        &self,
        profile_id: &str,
        owner: &Owner,
        request: &ExportRequest,
        cancel: &Cancel,
        on_progress: impl FnMut(Progress),
    ) -> Result<ExportReport> {
        let result = match self.client(profile_id).await {
            Ok(client) => export_history_with(&client, owner, request, cancel, on_progress).await,
            Err(e) => Err(e),
        };
        self.record(
            Some(profile_id),
            "message.export",
            owner.id(),
            JournalOutcome::of(&result),
        );
        result
    }
}

/// The export of [`Core::export_history`] with a given client (a profile's, lent by
/// [`Core::client`], or one built for one-off use); not journalled.
pub async fn export_history_with(
    client: &api::Client,
    owner: &Owner,
    request: &ExportRequest,
    cancel: &Cancel,
    mut on_progress: impl FnMut(Progress),
) -> Result<ExportReport> {
    let base = check_base(request.base_name.trim())?;
    if request.formats.is_empty() {
        return Err(Error::invalid("formats", "choose at least one format"));
    }
    let mut formats = request.formats.clone();
    formats.dedup();
    if !request.dir.is_dir() {
        return Err(Error::invalid("folder", "the folder does not exist"));
    }
    let history = history_with(client, owner).await?;
    let chosen: Vec<&WeekRow> = match &request.weeks {
        None => history.weeks.iter().collect(),
        Some(ws) => history
            .weeks
            .iter()
            .filter(|w| {
                ws.contains(&WeekRef {
                    year: w.year,
                    week: w.week,
                })
            })
            .collect(),
    };
    let title = format!("Message history of {}", owner.id());
    let mut sink = Sink::open(&request.dir, base, &formats, &title)?;
    let total = chosen.len();
    let mut messages = 0u64;
    for (i, row) in chosen.iter().enumerate() {
        let week = WeekRef {
            year: row.year,
            week: row.week,
        };
        if cancel.is_cancelled() {
            sink.abandon();
            return Err(Error::Cancelled);
        }
        let msgs = match history_week_with(client, owner, &row.conversation, week).await {
            Ok(m) => m,
            Err(e) => {
                sink.abandon();
                return Err(e);
            }
        };
        if let Err(e) = sink.week(week, &row.with, &msgs) {
            sink.abandon();
            return Err(e);
        }
        messages += msgs.len() as u64;
        on_progress(Progress {
            done: i + 1,
            total,
            item: match owner {
                Owner::GroupChat { .. } => week.label(),
                Owner::User { .. } => format!("{} with {}", week.label(), row.with),
            },
            outcome: Outcome::done_with(format!("{} messages", msgs.len())),
        });
    }
    let (files, manifest) = sink.finish()?;
    Ok(ExportReport {
        dir: request.dir.display().to_string(),
        files,
        manifest,
        weeks: u32::try_from(total).unwrap_or(u32::MAX),
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped() {
        assert_eq!(
            escape_html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn utc_time_of_milliseconds() {
        assert_eq!(utc_time(1_464_200_972_389), "2016-05-25T18:29:32.389Z");
        assert_eq!(
            utc_time(u64::MAX),
            u64::MAX.to_string(),
            "out of range stays raw"
        );
    }

    #[test]
    fn csv_cells_are_formula_neutralised() {
        let dir = tempfile::tempdir().expect("dir");
        let mut sink = Sink::open(dir.path(), "x", &[ExportFormat::Csv], "t").expect("open");
        let week = WeekRef {
            year: 2016,
            week: 20,
        };
        let m = Message {
            timestamp: 1,
            from: "a@x".into(),
            text: "=cmd|' /C calc'!A0".into(),
        };
        sink.week(week, "@b", &[m]).expect("week");
        sink.finish().expect("finish");
        let text = std::fs::read_to_string(dir.path().join("x.csv")).expect("csv");
        assert!(
            text.contains(",'@b,") && text.ends_with(",a@x,'=cmd|' /C calc'!A0\n"),
            "{text}"
        );
    }

    #[test]
    fn base_names_cannot_escape_the_folder() {
        assert!(check_base("general-2016").is_ok());
        assert!(check_base("../x").is_err());
        assert!(check_base("a/b").is_err());
        assert!(check_base(".hidden").is_err());
        assert!(check_base("").is_err());
    }
}
