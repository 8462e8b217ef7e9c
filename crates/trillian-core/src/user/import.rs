//! CSV in and out: the import's column mapping, per-row checks and plan; the export of a view;
//! a job report as CSV.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::draft::{UserDraft, draft_problems, full_address, new_user};
use super::table::{Table, UserRow, status_word};
use crate::error::{Error, Result};
use crate::job::{Cancel, Job, JobReport, Outcome, Progress};
use crate::model::{NewUser, User};

/// Largest CSV file accepted.
pub const MAX_CSV_BYTES: u64 = 64 * 1024 * 1024;
/// Most rows one import takes.
pub const MAX_CSV_ROWS: usize = 200_000;
/// Rows a preview carries (the counts cover every row).
pub const PREVIEW_ROWS: usize = 500;

/// Which CSV column (0-based) holds which field; `None` = not in the file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportMapping {
    pub im: Option<usize>,
    pub password: Option<usize>,
    pub email: Option<usize>,
    pub display_name: Option<usize>,
    /// A group's name or id.
    pub group: Option<usize>,
    /// A policy's name or id.
    pub policy: Option<usize>,
}

impl ImportMapping {
    /// A mapping guessed from the header names.
    pub fn suggest(headers: &[String]) -> ImportMapping {
        let find = |names: &[&str]| {
            headers.iter().position(|h| {
                let h: String = h
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect();
                names.contains(&h.as_str())
            })
        };
        ImportMapping {
            im: find(&[
                "im",
                "address",
                "imaddress",
                "user",
                "username",
                "login",
                "account",
            ]),
            password: find(&["password", "pass", "pwd"]),
            email: find(&["email", "mail", "emailaddress"]),
            display_name: find(&["displayname", "name", "fullname"]),
            group: find(&["group", "groupid", "department"]),
            policy: find(&["policy", "policyid"]),
        }
    }
}

/// How to run an import.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportOptions {
    pub mapping: ImportMapping,
    /// Give rows without a password a generated one (reported once, in the result).
    pub generate_passwords: bool,
    /// Check and report only; send nothing.
    pub dry_run: bool,
}

/// One row as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// The full address when valid, else the cell as written.
    pub address: String,
    pub display_name: String,
    pub email: String,
    pub group: String,
    /// `new`, `exists`, `duplicate` (earlier in the file) or `invalid`.
    pub state: RowState,
    /// Why the row cannot be imported.
    pub problems: Vec<String>,
}

/// What will become of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RowState {
    New,
    Exists,
    Duplicate,
    Invalid,
}

/// The file as read, with the mapping in use and every row checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    pub headers: Vec<String>,
    pub mapping: ImportMapping,
    /// The first [`PREVIEW_ROWS`] rows, then every other row that has a problem.
    pub rows: Vec<PreviewRow>,
    pub total: usize,
    pub new: usize,
    pub existing: usize,
    pub invalid: usize,
}

/// One row ready to run.
pub(crate) struct Planned {
    pub label: String,
    pub plan: Plan,
}

pub(crate) enum Plan {
    Create { user: NewUser, generated: bool },
    Skip(String),
    Refuse(String),
}

/// The header and the records of a CSV file (flexible row lengths, cells trimmed).
/// Each record comes with its line in the file (the header is line 1).
pub fn read_csv(bytes: &[u8]) -> Result<(Vec<String>, Vec<CsvRecord>)> {
    if bytes.len() as u64 > MAX_CSV_BYTES {
        return Err(Error::invalid(
            "csv",
            format!(
                "the file is larger than {} MiB",
                MAX_CSV_BYTES / (1024 * 1024)
            ),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid("csv", format!("cannot read the header line: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(Error::invalid("csv", "the file has no header line"));
    }
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::invalid("csv", format!("{e}")))?;
        let line = record
            .position()
            .map_or(records.len() + 2, |p| line_at(bytes, p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if records.len() >= MAX_CSV_ROWS {
            return Err(Error::invalid(
                "csv",
                format!("more than {MAX_CSV_ROWS} rows: split the file"),
            ));
        }
        records.push(CsvRecord {
            line,
            cells: record.iter().map(unescape_cell).collect(),
        });
    }
    Ok((headers, records))
}

/// The line (1-based) of the first non-blank line at or after byte `at` (the reader reports a
/// record after a blank line at the blank line).
fn line_at(bytes: &[u8], at: u64) -> usize {
    let at = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
    let before = bytes.get(..at).unwrap_or_default();
    let mut line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    for &b in bytes.get(at..).unwrap_or_default() {
        match b {
            b'\n' => line += 1,
            b'\r' => {}
            _ => break,
        }
    }
    line
}

/// One CSV record and its line in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Checks every row against the rules, the groups and policies, and who exists.
pub(crate) fn plan(
    records: &[CsvRecord],
    options: &ImportOptions,
    table: &Table,
    domain: &str,
) -> Result<Vec<(Planned, PreviewRow)>> {
    let m = &options.mapping;
    let Some(im_col) = m.im else {
        return Err(Error::invalid(
            "mapping",
            "choose the column with the IM address",
        ));
    };
    if m.password.is_none() && !options.generate_passwords {
        return Err(Error::invalid(
            "mapping",
            "choose the password column, or let the import generate passwords",
        ));
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let line = record.line;
        let cell = |col: Option<usize>| {
            col.and_then(|c| record.cells.get(c))
                .cloned()
                .unwrap_or_default()
        };
        let raw_im = cell(Some(im_col));
        let mut problems = Vec::new();
        let mut address_failed = false;
        let address = match full_address(&raw_im, domain) {
            Ok(a) => a,
            Err(reason) => {
                problems.push(format!("address: {reason}"));
                address_failed = true;
                raw_im.clone()
            }
        };
        let group_cell = cell(m.group);
        let group = if group_cell.is_empty() {
            None
        } else {
            match table.group_id(&group_cell) {
                Some(id) => Some(id),
                None => {
                    problems.push(format!("group: no group named {group_cell:?}"));
                    None
                }
            }
        };
        let policy_cell = cell(m.policy);
        let policy = if policy_cell.is_empty() {
            None
        } else {
            match table.policy_id(&policy_cell) {
                Some(id) => Some(id),
                None => {
                    problems.push(format!("policy: no policy named {policy_cell:?}"));
                    None
                }
            }
        };
        let mut password = cell(m.password);
        let generated = password.is_empty() && options.generate_passwords;
        if generated {
            password = super::draft::generate_password()?;
        }
        let draft = UserDraft {
            im: address.clone(),
            password,
            email: cell(m.email),
            display_name: cell(m.display_name),
            group,
            policy,
        };
        for p in draft_problems(&draft, domain) {
            if !(address_failed && p.field == "im") {
                problems.push(format!("{}: {}", p.field, p.reason));
            }
        }
        let key = address.to_lowercase();
        let (plan, state) = if !problems.is_empty() {
            (Plan::Refuse(problems.join("; ")), RowState::Invalid)
        } else if table.contains(&address) {
            (Plan::Skip("already exists".into()), RowState::Exists)
        } else if seen.contains(&key) {
            (
                Plan::Skip("listed earlier in the file".into()),
                RowState::Duplicate,
            )
        } else {
            match new_user(&draft, domain) {
                Ok(user) => (Plan::Create { user, generated }, RowState::New),
                Err(e) => (Plan::Refuse(e.to_string()), RowState::Invalid),
            }
        };
        seen.insert(key);
        let preview = PreviewRow {
            line,
            address: address.clone(),
            display_name: draft.display_name.clone(),
            email: draft.email.clone(),
            group: group_cell,
            state,
            problems,
        };
        let planned = Planned {
            label: format!("line {line}: {address}"),
            plan,
        };
        out.push((planned, preview));
    }
    Ok(out)
}

/// The preview of a planned import.
pub(crate) fn preview(
    headers: Vec<String>,
    mapping: ImportMapping,
    planned: &[(Planned, PreviewRow)],
) -> ImportPreview {
    let count = |s: RowState| planned.iter().filter(|(_, r)| r.state == s).count();
    let rows = planned
        .iter()
        .enumerate()
        .filter(|(i, (_, r))| *i < PREVIEW_ROWS || r.state == RowState::Invalid)
        .map(|(_, (_, r))| r.clone())
        .collect();
    ImportPreview {
        headers,
        mapping,
        rows,
        total: planned.len(),
        new: count(RowState::New),
        existing: count(RowState::Exists) + count(RowState::Duplicate),
        invalid: count(RowState::Invalid),
    }
}

/// Runs planned rows as a job, `concurrency` creates at a time: refused rows fail with their
/// reason and are not sent, skipped rows are reported, a create the server refuses because the
/// user exists (an earlier, interrupted run) is reported skipped. `on_created` sees every user
/// the server created. With `dry_run`, creatable rows report "would be created" and nothing is
/// sent.
pub(crate) async fn run(
    client: &trillian_api::Client,
    planned: Vec<Planned>,
    dry_run: bool,
    concurrency: usize,
    cancel: Cancel,
    on_progress: impl FnMut(Progress),
    on_created: impl Fn(&User),
) -> JobReport {
    let on_created = &on_created;
    Job::new(concurrency)
        .with_cancel(cancel)
        .run(
            planned,
            |p| p.label.clone(),
            |p| async move {
                match p.plan {
                    Plan::Refuse(reason) => Err(Error::Invalid {
                        field: "row",
                        reason,
                    }),
                    Plan::Skip(reason) => Ok(Outcome::skipped(reason)),
                    Plan::Create { .. } if dry_run => Ok(Outcome::done_with("would be created")),
                    Plan::Create { user, generated } => match client.users().create(&user).await {
                        Ok(created) => {
                            on_created(&created);
                            Ok(Outcome::done_with(if generated {
                                format!("created; password: {}", user.password)
                            } else {
                                "created".to_owned()
                            }))
                        }
                        Err(e) => {
                            let e = Error::from(e);
                            if is_duplicate(&e) {
                                Ok(Outcome::skipped("already exists"))
                            } else {
                                Err(e)
                            }
                        }
                    },
                }
            },
            on_progress,
        )
        .await
}

/// An import through any client, for callers outside the app's profiles (the `trillian`
/// command): reads the domain's users, groups and policies from the server, then checks and
/// runs `records` exactly as the app's import does ([`crate::Core::users_import`]). The
/// report's items are in the order of `records`.
pub async fn import_with(
    client: &trillian_api::Client,
    records: &[CsvRecord],
    options: &ImportOptions,
    concurrency: usize,
    cancel: Cancel,
    on_progress: impl FnMut(Progress),
) -> Result<JobReport> {
    let (users_api, groups_api, policies_api) =
        (client.users(), client.groups(), client.policies());
    let (users, groups, policies) = tokio::try_join!(
        users_api.list(),
        groups_api.list(trillian_api::Expand::empty()),
        policies_api.list(),
    )?;
    let table = Table::new(users, &groups, &policies, &[]);
    let planned = plan(records, options, &table, client.domain())?
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    Ok(run(
        client,
        planned,
        options.dry_run,
        concurrency,
        cancel,
        on_progress,
        |_| {},
    )
    .await)
}

/// Whether a create's refusal means the user is already there (an earlier, interrupted run).
pub(crate) fn is_duplicate(e: &Error) -> bool {
    match e {
        Error::Api(trillian_api::Error::Api {
            status: 400,
            message,
        }) => {
            let m = message.to_lowercase();
            m.contains("exist") || m.contains("duplicate") || m.contains("taken")
        }
        _ => false,
    }
}

/// Spreadsheets run cells that start with these as formulas.
const FORMULA_START: [char; 4] = ['=', '+', '-', '@'];

pub(crate) fn escape_cell(s: &str) -> String {
    if s.starts_with(FORMULA_START) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn unescape_cell(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest.to_owned(),
        _ => s.to_owned(),
    }
}

/// The rows as CSV (header `address,display name,email,group,policy,disabled,status,created`),
/// readable by the import. Free-text cells that a spreadsheet would run as a formula get a `'`.
pub fn rows_csv(rows: &[UserRow]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "address",
        "display name",
        "email",
        "group",
        "policy",
        "disabled",
        "status",
        "created",
    ];
    w.write_record(header).map_err(csv_error)?;
    for r in rows {
        let created = time::OffsetDateTime::from_unix_timestamp(
            i64::try_from(r.created_at).unwrap_or(i64::MAX),
        )
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
        w.write_record([
            r.address.as_str(),
            &escape_cell(&r.display_name),
            &escape_cell(&r.email),
            &escape_cell(&r.group_name),
            &escape_cell(&r.policy_name),
            if r.disabled { "yes" } else { "no" },
            &status_word(r.status),
            &created,
        ])
        .map_err(csv_error)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

/// A job's per-item results as CSV (`item,result,detail`), to save beside the import file.
pub fn report_csv(report: &JobReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["item", "result", "detail"])
        .map_err(csv_error)?;
    for item in &report.items {
        let (result, detail) = match &item.outcome {
            Outcome::Done { detail } => ("done", detail.clone().unwrap_or_default()),
            Outcome::Skipped { reason } => ("skipped", reason.clone()),
            Outcome::Failed { message, .. } => ("failed", message.clone()),
            Outcome::Cancelled => ("not started (cancelled)", String::new()),
        };
        w.write_record([
            escape_cell(&item.item),
            result.to_owned(),
            escape_cell(&detail),
        ])
        .map_err(csv_error)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

fn csv_error(e: csv::Error) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Group, User};

    fn table() -> Table {
        let groups = [Group {
            id: 3,
            displayname: "Sales".into(),
            ..Group::default()
        }];
        let users = vec![User {
            name: "old@acme.example".into(),
            ..User::default()
        }];
        Table::new(users, &groups, &[], &[])
    }

    #[test]
    fn headers_suggest_a_mapping() {
        let h: Vec<String> = ["E-Mail", "Display Name", "User", "Password", "Group"]
            .map(String::from)
            .to_vec();
        let m = ImportMapping::suggest(&h);
        assert_eq!(
            (m.im, m.password, m.email, m.display_name, m.group, m.policy),
            (Some(2), Some(3), Some(0), Some(1), Some(4), None)
        );
    }

    #[test]
    fn every_row_is_checked() {
        let csv = "im,password,email,group\n\
                   ann,tide-pool-7,ann@mail.example,Sales\n\
                   old,tide-pool-7,,\n\
                   bad name,tide-pool-7,,\n\
                   bob,short,nope,Marketing\n\
                   \n\
                   ANN,tide-pool-7,,\n\
                   cy@other.example,tide-pool-7,,\n";
        let (headers, records) = read_csv(csv.as_bytes()).expect("csv");
        let options = ImportOptions {
            mapping: ImportMapping::suggest(&headers),
            ..ImportOptions::default()
        };
        let planned = plan(&records, &options, &table(), "acme.example").expect("plan");
        let states: Vec<(usize, RowState)> =
            planned.iter().map(|(_, r)| (r.line, r.state)).collect();
        assert_eq!(
            states,
            [
                (2, RowState::New),
                (3, RowState::Exists),
                (4, RowState::Invalid),
                (5, RowState::Invalid),
                (7, RowState::Duplicate),
                (8, RowState::Invalid),
            ],
            "blank line 6 skipped, lines counted from the header"
        );
        let bob = &planned[3].1.problems;
        assert_eq!(bob.len(), 3, "group, password and email: {bob:?}");
        let preview = preview(headers, options.mapping.clone(), &planned);
        assert_eq!(
            (
                preview.total,
                preview.new,
                preview.existing,
                preview.invalid
            ),
            (6, 1, 2, 3)
        );
        match &planned[0].0.plan {
            Plan::Create { user, .. } => assert_eq!(user.group, Some(3), "group by name"),
            _ => panic!("ann is created"),
        }
    }

    #[test]
    fn missing_mappings_are_refused_and_passwords_can_be_generated() {
        let (_, records) = read_csv(b"im\nann\n").expect("csv");
        let mut options = ImportOptions::default();
        assert!(
            plan(&records, &options, &table(), "acme.example").is_err(),
            "no im column"
        );
        options.mapping.im = Some(0);
        assert!(
            plan(&records, &options, &table(), "acme.example").is_err(),
            "no password"
        );
        options.generate_passwords = true;
        let planned = plan(&records, &options, &table(), "acme.example").expect("plan");
        assert!(matches!(
            planned[0].0.plan,
            Plan::Create {
                generated: true,
                ..
            }
        ));
    }

    #[test]
    fn exports_read_back_and_formulas_are_defused() {
        let rows = vec![UserRow {
            address: "ann@acme.example".into(),
            display_name: "=HYPERLINK(\"x\")".into(),
            email: "ann@mail.example".into(),
            group: 3,
            group_name: "Sales".into(),
            policy: 0,
            policy_name: String::new(),
            disabled: true,
            flags: 1,
            status: 2,
            status_label: "Away".into(),
            created_at: 0,
        }];
        let text = rows_csv(&rows).expect("csv");
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("1970-01-01T00:00:00Z"));
        let (headers, records) = read_csv(text.as_bytes()).expect("read back");
        let m = ImportMapping::suggest(&headers);
        assert_eq!(m.im, Some(0));
        assert_eq!(
            records[0].cells[1], "=HYPERLINK(\"x\")",
            "the import undoes the escape"
        );
    }

    #[test]
    fn junk_files_are_errors() {
        assert!(read_csv(b"").is_err());
        assert!(read_csv(b"\xff\xfe\n\xff").is_err(), "not UTF-8");
    }
}
