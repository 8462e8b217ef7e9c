//! `… messages export`: a conversation's whole history, week by week, as HTML, JSON Lines or
//! CSV, written by trillian-core's history export (the app's): files are written whole or not
//! at all, CSV cells a spreadsheet would run as a formula get a `'`, and a manifest
//! (`NAME.manifest.sha256`, in `sha256sum -c` format) sits beside the file.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use trillian_api::Client;
use trillian_core::job::Cancel;
use trillian_core::message::export::export_history_with;
use trillian_core::message::{ExportFormat, ExportReport, ExportRequest, Owner as HistoryOwner};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::media::Owner;
use crate::output::Outcome;

/// The format of an exported history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable page (text escaped), one table a week.
    Html,
    /// One JSON object a line: year, week, conversation_with, timestamp, time, from, text.
    Jsonl,
    /// A header row, then one row a message (year, week, conversation_with, timestamp_ms,
    /// time_utc, from, text).
    Csv,
}

impl Format {
    fn core(self) -> ExportFormat {
        match self {
            Format::Html => ExportFormat::Html,
            Format::Jsonl => ExportFormat::Jsonl,
            Format::Csv => ExportFormat::Csv,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// Where `-f FILE` puts the export: FILE's folder, and FILE's name without the format's
/// extension (core adds it back, and names the manifest after it).
fn destination(file: &Path, format: Format) -> (PathBuf, String) {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = name
        .strip_suffix(&format!(".{}", format.extension()))
        .map_or_else(|| name.clone(), str::to_owned);
    (dir, base)
}

/// Exports every week of the history of `owner` to `file` (with its manifest) or standard
/// output. Ctrl-C stops between weeks and leaves no file behind.
pub async fn export(
    client: &Client,
    kind: Owner,
    owner: &str,
    format: Format,
    file: Option<&Path>,
    ctx: &Context,
) -> Result<()> {
    let history = match kind {
        Owner::User => HistoryOwner::User {
            im: owner.to_owned(),
        },
        Owner::Groupchat => HistoryOwner::GroupChat {
            name: owner.to_owned(),
        },
    };
    let cancel = Cancel::new();
    let stop = cancel.clone();
    let stop_on_ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ntrillian: stopping the export: no file is kept");
            stop.cancel();
        }
    });
    let result = match file {
        Some(path) => to_file(client, &history, format, path, &cancel, ctx).await,
        None => to_stdout(client, &history, format, &cancel).await,
    };
    stop_on_ctrl_c.abort();
    result
}

async fn to_file(
    client: &Client,
    owner: &HistoryOwner,
    format: Format,
    path: &Path,
    cancel: &Cancel,
    ctx: &Context,
) -> Result<()> {
    let (dir, base_name) = destination(path, format);
    let request = ExportRequest {
        weeks: None,
        formats: vec![format.core()],
        dir: dir.clone(),
        base_name,
    };
    let report = export_history_with(client, owner, &request, cancel, |_| {}).await?;
    let written = report
        .files
        .first()
        .map(|f| (dir.join(&f.file), f.sha256.clone()))
        .unwrap_or_default();
    ctx.printer.done(&Outcome::ok(format!(
        "exported {} messages in {} weeks of {} to {} (SHA-256 {} in {})",
        report.messages,
        report.weeks,
        owner.id(),
        written.0.display(),
        written.1,
        dir.join(&report.manifest).display()
    )))
}

/// Exports into a private temporary folder, then copies the file to standard output.
async fn to_stdout(
    client: &Client,
    owner: &HistoryOwner,
    format: Format,
    cancel: &Cancel,
) -> Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("trillian-export-{}-{nanos}", std::process::id()));
    tokio::fs::create_dir(&dir)
        .await
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let result = copy_out(client, owner, format, cancel, &dir).await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let report = result?;
    let digest = report
        .files
        .first()
        .map(|f| f.sha256.as_str())
        .unwrap_or_default();
    eprintln!(
        "trillian: exported {} messages in {} weeks (SHA-256 {digest})",
        report.messages, report.weeks
    );
    Ok(())
}

async fn copy_out(
    client: &Client,
    owner: &HistoryOwner,
    format: Format,
    cancel: &Cancel,
    dir: &Path,
) -> Result<ExportReport> {
    let request = ExportRequest {
        weeks: None,
        formats: vec![format.core()],
        dir: dir.to_path_buf(),
        base_name: "history".to_owned(),
    };
    let report = export_history_with(client, owner, &request, cancel, |_| {}).await?;
    for f in &report.files {
        let path = dir.join(&f.file);
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let mut out = tokio::io::stdout();
        tokio::io::copy(&mut file, &mut out)
            .await
            .map_err(Error::stdout)?;
        tokio::io::AsyncWriteExt::flush(&mut out)
            .await
            .map_err(Error::stdout)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_names_the_folder_and_the_base_name() {
        assert_eq!(
            destination(Path::new("/tmp/a.jsonl"), Format::Jsonl),
            (PathBuf::from("/tmp"), "a".to_owned())
        );
        assert_eq!(
            destination(Path::new("a.txt"), Format::Csv),
            (PathBuf::from("."), "a.txt".to_owned()),
            "another extension stays part of the name"
        );
    }
}
