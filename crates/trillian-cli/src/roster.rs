//! `trillian users import` and `trillian users export`: users as CSV, with one result per row.
//! The import is trillian-core's ([`import::import_with`]): the same column mapping, row checks
//! (address, password rules, e-mail, group and policy), skipping of users who exist and of rows
//! listed twice, and the same job (bounded concurrency, per-row results, Ctrl-C stops new rows
//! from starting) as the app's import.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use trillian_core::job::{Cancel, JobReport, Outcome as JobOutcome, Progress};
use trillian_core::user::import::{self, CsvRecord, ImportMapping, ImportOptions};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{self, Format, Record};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file: a header row naming the columns im (a full address, or a name to which
    /// the domain is added), password, email, displayname, group (display name or id), policy
    /// (name or id); `-` for standard input.
    pub file: PathBuf,
    /// Check every row and report what would be done, without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Give rows without a password a generated one, printed once in that row's result.
    #[arg(long)]
    pub generate_passwords: bool,
    /// How many users to create at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// The columns `users export` writes, in order (and `users import` reads, with `password`).
pub const EXPORT_COLUMNS: [&str; 7] = [
    "im",
    "displayname",
    "email",
    "group",
    "policy",
    "flags",
    "created_at",
];

/// The result of one row, as printed.
#[derive(Debug, Serialize)]
pub struct RowResult {
    pub line: u64,
    pub im: String,
    /// `created`, `ok` (dry run: would be created), `skipped`, `failed` or `not_started`.
    pub status: &'static str,
    pub message: String,
}

impl Record for RowResult {
    const COLUMNS: &'static [&'static str] = &["line", "im", "status", "message"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.line.to_string(),
            self.im.clone(),
            self.status.to_owned(),
            self.message.clone(),
        ]
    }
}

/// The whole import's report.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub created: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Rows not started because the import was stopped (Ctrl-C); they are `not_started`.
    pub not_started: usize,
    pub rows: Vec<RowResult>,
}

pub async fn import(args: ImportArgs, ctx: &Context) -> Result<()> {
    let bytes = read_bytes(&args.file).await?;
    let (headers, records) = import::read_csv(&bytes)?;
    let mapping = ImportMapping::suggest(&headers);
    check_mapping(&headers, &mapping, args.generate_passwords)?;
    let client = ctx.client().await?;
    let options = ImportOptions {
        mapping,
        generate_passwords: args.generate_passwords,
        dry_run: args.dry_run,
    };
    let cancel = Cancel::new();
    let stop = cancel.clone();
    let stop_on_ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ntrillian: stopping: rows already sent finish, the rest are not started");
            stop.cancel();
        }
    });
    let mut progress = ProgressBar::new(records.len());
    let outcome = import::import_with(
        &client,
        &records,
        &options,
        usize::from(args.concurrency),
        cancel,
        |p| progress.update(&p),
    )
    .await;
    progress.finish();
    stop_on_ctrl_c.abort();
    let report = row_results(args.dry_run, &records, &options.mapping, outcome?);
    print_report(&report, ctx)?;
    if report.not_started > 0 {
        return Err(Error::Cancelled(format!(
            "stopped: {} of {} rows not started (run the same file again to finish)",
            report.not_started,
            report.rows.len()
        )));
    }
    if report.failed > 0 {
        return Err(Error::Partial {
            failed: report.failed,
            total: report.rows.len(),
        });
    }
    Ok(())
}

/// Refuses a file whose header has no address column, or no password column when passwords
/// are not generated; names the columns that will be ignored.
fn check_mapping(headers: &[String], mapping: &ImportMapping, generate: bool) -> Result<()> {
    if mapping.im.is_none() || (mapping.password.is_none() && !generate) {
        return Err(Error::Usage(format!(
            "the header row needs an `im` and a `password` column, or `im` and \
             --generate-passwords (it has: {})",
            headers.join(", ")
        )));
    }
    let used = [
        mapping.im,
        mapping.password,
        mapping.email,
        mapping.display_name,
        mapping.group,
        mapping.policy,
    ];
    let unknown: Vec<&str> = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(&Some(*i)))
        .map(|(_, h)| h.as_str())
        .collect();
    if !unknown.is_empty() {
        eprintln!("trillian: ignoring column(s): {}", unknown.join(", "));
    }
    Ok(())
}

/// One printed result per row: the job's items are in the order of the records.
fn row_results(
    dry_run: bool,
    records: &[CsvRecord],
    mapping: &ImportMapping,
    report: JobReport,
) -> ImportReport {
    let rows = report
        .items
        .into_iter()
        .zip(records)
        .map(|(item, record)| {
            let (status, message) = match item.outcome {
                JobOutcome::Done { .. } if dry_run => ("ok", "would be created".to_owned()),
                JobOutcome::Done { detail } => ("created", detail.unwrap_or_default()),
                JobOutcome::Skipped { reason } => ("skipped", reason),
                JobOutcome::Failed { message, .. } => ("failed", message),
                JobOutcome::Cancelled => ("not_started", "stopped before this row".to_owned()),
            };
            RowResult {
                line: u64::try_from(record.line).unwrap_or(u64::MAX),
                im: mapping
                    .im
                    .and_then(|c| record.cells.get(c))
                    .cloned()
                    .unwrap_or_default(),
                status,
                message,
            }
        })
        .collect();
    summarise(dry_run, rows)
}

/// The file's bytes (`-` for standard input), refused above the app's CSV size cap.
async fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let cap = import::MAX_CSV_BYTES;
    let what = || format!("reading {}", path.display());
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        tokio::io::AsyncReadExt::read_to_end(
            &mut tokio::io::AsyncReadExt::take(tokio::io::stdin(), cap + 1),
            &mut bytes,
        )
        .await
        .map_err(|e| Error::io(what(), e))?;
    } else {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::io(what(), e))?;
        tokio::io::AsyncReadExt::read_to_end(
            &mut tokio::io::AsyncReadExt::take(file, cap + 1),
            &mut bytes,
        )
        .await
        .map_err(|e| Error::io(what(), e))?;
    }
    if bytes.len() as u64 > cap {
        return Err(Error::Usage(format!(
            "{} is larger than {} MiB: split it",
            path.display(),
            cap / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

fn summarise(dry_run: bool, rows: Vec<RowResult>) -> ImportReport {
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    ImportReport {
        dry_run,
        created: count("created"),
        failed: count("failed"),
        skipped: count("skipped"),
        not_started: count("not_started"),
        rows,
    }
}

fn print_report(report: &ImportReport, ctx: &Context) -> Result<()> {
    match ctx.printer.format() {
        Format::Json => ctx.printer.value(report),
        Format::Table | Format::Xml => {
            ctx.printer.list(&report.rows)?;
            let verb = if report.dry_run {
                "would be created"
            } else {
                "created"
            };
            let ok = if report.dry_run {
                report.rows.iter().filter(|r| r.status == "ok").count()
            } else {
                report.created
            };
            eprintln!(
                "{ok} {verb}, {} failed, {} skipped, {} not started, of {} rows",
                report.failed,
                report.skipped,
                report.not_started,
                report.rows.len()
            );
            Ok(())
        }
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
struct ProgressBar {
    total: usize,
    draw: bool,
}

impl ProgressBar {
    fn new(total: usize) -> Self {
        Self {
            total,
            draw: io::stderr().is_terminal() && total > 0,
        }
    }

    fn update(&mut self, p: &Progress) {
        if !self.draw {
            return;
        }
        const WIDTH: usize = 30;
        let filled = (p.done * WIDTH) / self.total.max(1);
        let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH - filled);
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r[{bar}] {}/{} {:<40.40}", p.done, self.total, p.item);
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.draw {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r{:<100}\r", "");
            let _ = err.flush();
        }
    }
}

pub async fn export(args: ExportArgs, ctx: &Context) -> Result<()> {
    let client = ctx.client().await?;
    let mut users = client.users().list().await?;
    users.sort_by(|a, b| a.name.cmp(&b.name));
    let mut bytes = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut bytes);
        let csv_err = |e: csv::Error| Error::Csv {
            what: "writing CSV".to_owned(),
            reason: e.to_string(),
        };
        writer.write_record(EXPORT_COLUMNS).map_err(csv_err)?;
        for u in &users {
            writer
                .write_record([
                    u.name.clone(),
                    output::spreadsheet_safe(&u.displayname).into_owned(),
                    output::spreadsheet_safe(&u.email).into_owned(),
                    u.group.to_string(),
                    u.policy.to_string(),
                    u.flags.bits().to_string(),
                    u.created_at.to_string(),
                ])
                .map_err(csv_err)?;
        }
        writer.flush().map_err(|e| Error::io("writing CSV", e))?;
    }
    match &args.file {
        Some(path) => {
            tokio::fs::write(path, &bytes)
                .await
                .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
            eprintln!(
                "trillian: exported {} users to {}",
                users.len(),
                path.display()
            );
            Ok(())
        }
        None => io::stdout().lock().write_all(&bytes).map_err(Error::stdout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trillian_core::ErrorCode;
    use trillian_core::job::ItemResult;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|&h| h.to_owned()).collect()
    }

    #[test]
    fn a_file_without_the_required_columns_is_refused_whole() {
        let h = headers(&["email", "displayname"]);
        let err = check_mapping(&h, &ImportMapping::suggest(&h), false).unwrap_err();
        assert!(err.to_string().contains("`im` and a `password`"), "{err}");
        assert_eq!(err.exit_code(), crate::EXIT_USAGE);
        let h = headers(&["im", "email"]);
        assert!(check_mapping(&h, &ImportMapping::suggest(&h), false).is_err());
        assert!(
            check_mapping(&h, &ImportMapping::suggest(&h), true).is_ok(),
            "no password column is fine when passwords are generated"
        );
    }

    #[test]
    fn every_row_gets_its_line_address_and_status() {
        let (h, records) =
            import::read_csv(b"im,password\na@x.com,pw\n\nb@x.com,pw\nc@x.com,pw\nd@x.com,pw\n")
                .unwrap();
        let mapping = ImportMapping::suggest(&h);
        let item = |outcome| ItemResult {
            item: String::new(),
            outcome,
        };
        let report = JobReport {
            items: vec![
                item(JobOutcome::done_with("created")),
                item(JobOutcome::skipped("already exists")),
                item(JobOutcome::Failed {
                    code: ErrorCode::Invalid,
                    message: "password: too short".into(),
                }),
                item(JobOutcome::Cancelled),
            ],
            cancelled: true,
        };
        let out = row_results(false, &records, &mapping, report);
        let got: Vec<(u64, &str, &str)> = out
            .rows
            .iter()
            .map(|r| (r.line, r.im.as_str(), r.status))
            .collect();
        assert_eq!(
            got,
            [
                (2, "a@x.com", "created"),
                (4, "b@x.com", "skipped"),
                (5, "c@x.com", "failed"),
                (6, "d@x.com", "not_started"),
            ],
            "lines count the header and blank lines"
        );
        assert_eq!(
            (out.created, out.skipped, out.failed, out.not_started),
            (1, 1, 1, 1)
        );
    }
}
