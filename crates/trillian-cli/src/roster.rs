//! `trillian users import` and `trillian users export`: users as CSV, with one result per row.
//! The import runs as a `trillian-core` job (bounded concurrency, per-item results, Ctrl-C stops
//! new rows from starting), as the app's import does.

use std::collections::{HashMap, HashSet};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use trillian_api::model::{Group, NewUser, Policy};
use trillian_core::ErrorCode;
use trillian_core::job::{Job, Outcome as JobOutcome, Progress};
use trillian_core::user::import;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{self, Format, Record};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file: a header row naming the columns im, password (required), email,
    /// displayname, group, policy; `-` for standard input.
    pub file: PathBuf,
    /// Check every row and report what would be done, without changing anything.
    #[arg(long)]
    pub dry_run: bool,
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

/// One data row of an import file, checked.
#[derive(Debug)]
struct Row {
    /// Line number in the file (the header is line 1).
    line: u64,
    im: String,
    user: Result<NewUser, String>,
}

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
    let client = ctx.client().await?;
    let (users, groups, policies) = (
        client.users().list().await?,
        client.groups().list(trillian_api::Expand::empty()).await?,
        client.policies().list().await?,
    );
    let names = Names::new(&groups, &policies);
    let rows = parse_import(&bytes, &names)?;
    // Users who exist already are reported, not sent: a re-run after an interruption (or of
    // the same file) creates only what is missing.
    let existing: HashSet<String> = users.into_iter().map(|u| u.name.to_lowercase()).collect();
    let report = if args.dry_run {
        dry_run(rows, &existing)
    } else {
        run_import(rows, client, args.concurrency, existing).await
    };
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

/// Group and policy ids by id, name or display name (any case), for the `group` and `policy`
/// columns, which take either (as the app's import does).
#[derive(Debug, Default)]
struct Names {
    groups: HashMap<String, u64>,
    policies: HashMap<String, u64>,
}

impl Names {
    fn new(groups: &[Group], policies: &[Policy]) -> Self {
        let mut names = Names::default();
        for g in groups {
            for key in [
                g.id.to_string(),
                g.name.to_lowercase(),
                g.displayname.to_lowercase(),
            ] {
                names.groups.entry(key).or_insert(g.id);
            }
        }
        for p in policies {
            for key in [p.id.to_string(), p.name.to_lowercase()] {
                names.policies.entry(key).or_insert(p.id);
            }
        }
        names
    }
}

/// Reads the file with trillian-core's CSV reader (size and row caps, BOM, blank lines, cells
/// a spreadsheet would run as formulas un-escaped) and its column mapping from the header names
/// (`im`/`address`/`login`…, `password`, `email`, `displayname`/`name`, `group`/`department`,
/// `policy`), then checks each row.
fn parse_import(bytes: &[u8], names: &Names) -> Result<Vec<Row>> {
    let (headers, records) = import::read_csv(bytes)?;
    let mapping = import::ImportMapping::suggest(&headers);
    let (Some(im_col), Some(pw_col)) = (mapping.im, mapping.password) else {
        return Err(Error::Usage(format!(
            "the header row needs an `im` and a `password` column (it has: {})",
            headers.join(", ")
        )));
    };
    let used = [
        Some(im_col),
        Some(pw_col),
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
    let rows = records
        .iter()
        .map(|record| {
            let get = |col: Option<usize>| {
                col.and_then(|c| record.cells.get(c))
                    .filter(|v| !v.is_empty())
                    .cloned()
            };
            let im = get(Some(im_col)).unwrap_or_default();
            let fields = Fields {
                password: get(Some(pw_col)),
                email: get(mapping.email),
                displayname: get(mapping.display_name),
                group: get(mapping.group),
                policy: get(mapping.policy),
            };
            let user = check_row(im.clone(), fields, names);
            Row {
                line: u64::try_from(record.line).unwrap_or(u64::MAX),
                im,
                user,
            }
        })
        .collect();
    Ok(rows)
}

/// The optional cells of a row.
struct Fields {
    password: Option<String>,
    email: Option<String>,
    displayname: Option<String>,
    group: Option<String>,
    policy: Option<String>,
}

fn check_row(im: String, fields: Fields, names: &Names) -> Result<NewUser, String> {
    if im.is_empty() {
        return Err("no IM address".to_owned());
    }
    if !im.contains('@') || im.contains(char::is_whitespace) {
        return Err(format!("`{im}` is not an IM address (name@domain)"));
    }
    let password = fields.password.ok_or_else(|| "no password".to_owned())?;
    let lookup = |what: &str, table: &HashMap<String, u64>, v: Option<String>| {
        v.map(|v| {
            table
                .get(&v.to_lowercase())
                .copied()
                .ok_or_else(|| format!("no {what} `{v}`"))
        })
        .transpose()
    };
    Ok(NewUser {
        im,
        password,
        email: fields.email,
        displayname: fields.displayname,
        group: lookup("group", &names.groups, fields.group)?,
        policy: lookup("policy", &names.policies, fields.policy)?,
    })
}

fn dry_run(rows: Vec<Row>, existing: &HashSet<String>) -> ImportReport {
    let mut seen = HashSet::new();
    let results: Vec<RowResult> = rows
        .into_iter()
        .map(|row| {
            let key = row.im.to_lowercase();
            let (status, message) = match &row.user {
                Err(reason) => ("failed", reason.clone()),
                Ok(_) if existing.contains(&key) => {
                    ("skipped", "the user already exists".to_owned())
                }
                Ok(_) if !seen.insert(key) => {
                    ("failed", "the file lists this user twice".to_owned())
                }
                Ok(_) => ("ok", "would be created".to_owned()),
            };
            RowResult {
                line: row.line,
                im: row.im,
                status,
                message,
            }
        })
        .collect();
    summarise(true, results)
}

async fn run_import(
    rows: Vec<Row>,
    client: trillian_api::Client,
    concurrency: u16,
    existing: HashSet<String>,
) -> ImportReport {
    let job = Job::new(usize::from(concurrency));
    let cancel = job.cancel_handle();
    let stop_on_ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ntrillian: stopping: rows already sent finish, the rest are not started");
            cancel.cancel();
        }
    });
    let lines: Vec<(u64, String)> = rows.iter().map(|r| (r.line, r.im.clone())).collect();
    let mut progress = ProgressBar::new(rows.len());
    let report = job
        .run(
            rows,
            |row| row.im.clone(),
            |row| {
                let client = client.clone();
                let exists = existing.contains(&row.im.to_lowercase());
                async move {
                    match row.user {
                        Ok(_) if exists => Ok(JobOutcome::skipped("the user already exists")),
                        Err(reason) => Ok(JobOutcome::Failed {
                            code: ErrorCode::Invalid,
                            message: reason,
                        }),
                        Ok(user) => Ok(match client.users().create(&user).await {
                            Ok(_) => JobOutcome::done_with("created"),
                            Err(e) => JobOutcome::Failed {
                                code: job_code(&e),
                                message: e.to_string(),
                            },
                        }),
                    }
                }
            },
            |p| progress.update(&p),
        )
        .await;
    progress.finish();
    stop_on_ctrl_c.abort();
    let results = report
        .items
        .into_iter()
        .zip(lines)
        .map(|(item, (line, im))| {
            let (status, message) = match item.outcome {
                JobOutcome::Done { detail } => ("created", detail.unwrap_or_default()),
                JobOutcome::Skipped { reason } => ("skipped", reason),
                JobOutcome::Failed { message, .. } => ("failed", message),
                JobOutcome::Cancelled => ("not_started", "stopped before this row".to_owned()),
            };
            RowResult {
                line,
                im,
                status,
                message,
            }
        })
        .collect();
    summarise(false, results)
}

/// The job's error category of an API error.
fn job_code(e: &trillian_api::Error) -> ErrorCode {
    use trillian_api::Error as E;
    match e {
        E::Unauthorized { .. } => ErrorCode::Unauthorized,
        E::NotFound { .. } => ErrorCode::NotFound,
        E::Transport { .. } | E::Timeout { .. } => ErrorCode::Network,
        E::Decode { .. } | E::TooLarge { .. } => ErrorCode::Decode,
        E::Config(_) => ErrorCode::Invalid,
        _ => ErrorCode::Server,
    }
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

    fn names() -> Names {
        let sales = Group {
            id: 2,
            name: "sales.example.com".into(),
            displayname: "Sales".into(),
            ..Group::default()
        };
        let it = Policy {
            id: 3,
            name: "IT".into(),
            ..Policy::default()
        };
        Names::new(&[sales], &[it])
    }

    #[test]
    fn rows_are_checked_one_by_one() {
        let text = "IM Address,Password,Department,Policy,extra\n\
                    a@x.com,pw,sales,it,\n\
                    ,pw,,,\n\
                    b@x.com,,,,\n\
                    c@x.com,pw,Marketing,,\n\
                    not-an-address,pw,,,\n\
                    d@x.com,pw,2,3,\n";
        let rows = parse_import(text.as_bytes(), &names()).unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0].line, 2, "line numbers count the header");
        let first = rows[0].user.as_ref().unwrap();
        assert_eq!(
            (first.im.as_str(), first.group, first.policy),
            ("a@x.com", Some(2), Some(3)),
            "group and policy by name, any case; columns by the app's header synonyms"
        );
        assert_eq!(rows[1].user.as_ref().unwrap_err(), "no IM address");
        assert_eq!(rows[2].user.as_ref().unwrap_err(), "no password");
        assert_eq!(rows[3].user.as_ref().unwrap_err(), "no group `Marketing`");
        assert!(
            rows[4]
                .user
                .as_ref()
                .unwrap_err()
                .contains("not an IM address")
        );
        let last = rows[5].user.as_ref().unwrap();
        assert_eq!((last.group, last.policy), (Some(2), Some(3)), "or by id");
    }

    #[test]
    fn a_file_without_the_required_columns_is_refused_whole() {
        let err = parse_import(b"email,displayname\nx,y\n", &Names::default()).unwrap_err();
        assert!(err.to_string().contains("`im` and a `password`"), "{err}");
        assert_eq!(err.exit_code(), crate::EXIT_USAGE);
    }

    #[test]
    fn dry_run_flags_existing_and_duplicate_users() {
        let text = "im,password\na@x.com,pw\nB@x.com,pw\nb@x.com,pw\n";
        let rows = parse_import(text.as_bytes(), &Names::default()).unwrap();
        let existing: HashSet<String> = ["a@x.com".to_owned()].into();
        let report = dry_run(rows, &existing);
        let statuses: Vec<&str> = report.rows.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            ["skipped", "ok", "failed"],
            "existing, new, twice in the file"
        );
        assert_eq!((report.skipped, report.failed), (1, 1));
    }
}
