//! Users: pages of the list kept in trillian-core (the web view never holds the whole list),
//! detail operations, avatars and CSV files picked through the OS dialog on the Rust side,
//! import/bulk jobs with progress on a channel and a report that can be saved.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use trillian_core::job::{JobReport, Outcome};
use trillian_core::user::{self as core_user, avatar, import};

use crate::commands::job::JobEvent;
use crate::commands::media::MediaState;
use crate::commands::small;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// How long a picked CSV file or a job report waits to be used.
const HOLD_TTL: Duration = Duration::from_secs(60 * 60);

// ----- the list -----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserRowView {
    pub address: String,
    pub display_name: String,
    pub email: String,
    pub group: u32,
    pub group_name: String,
    pub policy: u32,
    pub policy_name: String,
    pub disabled: bool,
    pub status: u32,
    pub status_label: String,
    /// Unix seconds.
    pub created_at: u32,
}

impl From<core_user::UserRow> for UserRowView {
    fn from(r: core_user::UserRow) -> Self {
        UserRowView {
            address: r.address,
            display_name: r.display_name,
            email: r.email,
            group: small(r.group),
            group_name: r.group_name,
            policy: small(r.policy),
            policy_name: r.policy_name,
            disabled: r.disabled,
            status: r.status,
            status_label: r.status_label,
            created_at: small(r.created_at),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum UserSortColumn {
    Address,
    DisplayName,
    Email,
    Group,
    Policy,
    Disabled,
    Status,
    Created,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserQueryInput {
    pub search: String,
    pub sort: UserSortColumn,
    pub descending: bool,
    pub group: Option<u32>,
    pub policy: Option<u32>,
    pub disabled: Option<bool>,
    pub status: Option<u32>,
    pub offset: u32,
    pub limit: u32,
}

impl UserQueryInput {
    fn to_core(&self) -> core_user::UserQuery {
        use core_user::UserColumn as C;
        core_user::UserQuery {
            search: self.search.clone(),
            sort: match self.sort {
                UserSortColumn::Address => C::Address,
                UserSortColumn::DisplayName => C::DisplayName,
                UserSortColumn::Email => C::Email,
                UserSortColumn::Group => C::Group,
                UserSortColumn::Policy => C::Policy,
                UserSortColumn::Disabled => C::Disabled,
                UserSortColumn::Status => C::Status,
                UserSortColumn::Created => C::Created,
            },
            descending: self.descending,
            group: self.group.map(u64::from),
            policy: self.policy.map(u64::from),
            disabled: self.disabled,
            status: self.status,
            offset: self.offset as usize,
            limit: self.limit as usize,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UsersPageView {
    /// Users matching the search and filters.
    pub total: u32,
    /// Users in the domain.
    pub all: u32,
    pub offset: u32,
    pub rows: Vec<UserRowView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceView {
    pub id: u32,
    pub name: String,
    pub users: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserFacetsView {
    pub all: u32,
    pub groups: Vec<ChoiceView>,
    pub policies: Vec<ChoiceView>,
    pub statuses: Vec<ChoiceView>,
    pub disabled: u32,
}

fn choices(list: Vec<core_user::Choice>) -> Vec<ChoiceView> {
    list.into_iter()
        .map(|c| ChoiceView {
            id: small(c.id),
            name: c.name,
            users: small(c.users),
        })
        .collect()
}

impl From<core_user::UserFacets> for UserFacetsView {
    fn from(f: core_user::UserFacets) -> Self {
        UserFacetsView {
            all: small(f.all),
            groups: choices(f.groups),
            policies: choices(f.policies),
            statuses: choices(f.statuses),
            disabled: small(f.disabled),
        }
    }
}

/// Loads the users into memory on the Rust side (again with `refresh`); answers the filters.
#[tauri::command]
#[specta::specta]
pub async fn users_load(state: State<'_, AppState>, refresh: bool) -> IpcResult<UserFacetsView> {
    Ok(state.core.users_load(refresh).await?.into())
}

/// One window of rows, searched, filtered and sorted in Rust.
#[tauri::command]
#[specta::specta]
pub async fn users_page(
    state: State<'_, AppState>,
    query: UserQueryInput,
) -> IpcResult<UsersPageView> {
    let page = state.core.users_page(query.to_core()).await?;
    Ok(UsersPageView {
        total: small(page.total),
        all: small(page.all),
        offset: small(page.offset),
        rows: page.rows.into_iter().map(Into::into).collect(),
    })
}

/// One user, fresh from the server.
#[tauri::command]
#[specta::specta]
pub async fn user_get(state: State<'_, AppState>, address: String) -> IpcResult<UserRowView> {
    Ok(state.core.user_get(&address).await?.into())
}

// ----- create, edit, disable, delete, password -----

/// The create-user form.
#[derive(Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserDraftInput {
    pub im: String,
    pub password: String,
    pub email: String,
    pub display_name: String,
    pub group: Option<u32>,
    pub policy: Option<u32>,
}

impl UserDraftInput {
    fn to_core(&self) -> core_user::UserDraft {
        core_user::UserDraft {
            im: self.im.clone(),
            password: self.password.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            group: self.group.map(u64::from),
            policy: self.policy.map(u64::from),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblemView {
    pub field: String,
    pub reason: String,
}

/// Every problem of the create-user form, checked before anything is sent.
#[tauri::command]
#[specta::specta]
pub async fn user_draft_check(
    state: State<'_, AppState>,
    draft: UserDraftInput,
) -> IpcResult<Vec<FieldProblemView>> {
    Ok(state
        .core
        .user_draft_problems(&draft.to_core())?
        .into_iter()
        .map(|p| FieldProblemView {
            field: p.field.to_owned(),
            reason: p.reason,
        })
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn user_create(
    state: State<'_, AppState>,
    draft: UserDraftInput,
) -> IpcResult<UserRowView> {
    Ok(state.core.user_create(draft.to_core()).await?.into())
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserChangesInput {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub group: Option<u32>,
    pub policy: Option<u32>,
}

#[tauri::command]
#[specta::specta]
pub async fn user_update(
    state: State<'_, AppState>,
    address: String,
    changes: UserChangesInput,
) -> IpcResult<UserRowView> {
    let changes = core_user::UserChanges {
        display_name: changes.display_name,
        email: changes.email,
        group: changes.group.map(u64::from),
        policy: changes.policy.map(u64::from),
    };
    Ok(state.core.user_update(&address, changes).await?.into())
}

/// Disable (cannot sign in, everything kept) or enable.
#[tauri::command]
#[specta::specta]
pub async fn user_set_disabled(
    state: State<'_, AppState>,
    address: String,
    disabled: bool,
) -> IpcResult<UserRowView> {
    Ok(state
        .core
        .user_set_disabled(&address, disabled)
        .await?
        .into())
}

/// Deletes the user and all of the user's data; `confirm` is the address typed again.
#[tauri::command]
#[specta::specta]
pub async fn user_delete(
    state: State<'_, AppState>,
    address: String,
    confirm: String,
) -> IpcResult<()> {
    Ok(state.core.user_delete(&address, &confirm).await?)
}

/// Sets a generated password and shows it once.
#[tauri::command]
#[specta::specta]
pub async fn user_reset_password(state: State<'_, AppState>, address: String) -> IpcResult<String> {
    Ok(state.core.user_reset_password(&address).await?)
}

// ----- avatar -----

/// The avatar as a PNG `data:` URL decoded and re-encoded in Rust; `None` when there is none.
#[tauri::command]
#[specta::specta]
pub async fn avatar_get(state: State<'_, AppState>, address: String) -> IpcResult<Option<String>> {
    let png = state.core.avatar_get(&address).await?;
    Ok(png.map(|p| avatar::png_data_url(&p)))
}

/// Picks an image with the OS dialog (Rust side), squares, resizes and sends it. `None` when
/// the dialog is cancelled; else the new avatar as a `data:` URL.
#[tauri::command]
#[specta::specta]
pub async fn avatar_pick(
    app: AppHandle,
    state: State<'_, AppState>,
    address: String,
) -> IpcResult<Option<String>> {
    let Some(path) = crate::dialog::pick_file(
        &app,
        "Avatar image",
        Some(("Images", &["png", "jpg", "jpeg", "gif", "webp"])),
    )
    .await?
    else {
        return Ok(None);
    };
    let bytes = tokio::task::spawn_blocking(move || avatar::read_image_file(&path))
        .await
        .map_err(|_| IpcError::internal("Reading the image failed."))??;
    let png = state.core.avatar_set(&address, bytes).await?;
    Ok(Some(avatar::png_data_url(&png)))
}

/// Sets the avatar from a file dropped on the window: `handle` is one the drop watcher
/// (`media_watch_drops`) sent; the file behind it is read and sent like a picked one.
#[tauri::command]
#[specta::specta]
pub async fn avatar_set_from_handle(
    state: State<'_, AppState>,
    media: State<'_, MediaState>,
    address: String,
    handle: String,
) -> IpcResult<String> {
    let path = held_image_path(&media, &handle)?;
    let bytes = tokio::task::spawn_blocking(move || avatar::read_image_file(&path))
        .await
        .map_err(|_| IpcError::internal("Reading the image failed."))??;
    let png = state.core.avatar_set(&address, bytes).await?;
    Ok(avatar::png_data_url(&png))
}

/// The file behind a drop handle (taken: each handle is good once).
fn held_image_path(media: &MediaState, handle: &str) -> IpcResult<PathBuf> {
    let mut files = media.take(&[handle.to_owned()])?;
    files
        .pop()
        .map(|f| f.path)
        .ok_or_else(|| IpcError::invalid("No file was dropped."))
}

#[tauri::command]
#[specta::specta]
pub async fn avatar_delete(state: State<'_, AppState>, address: String) -> IpcResult<()> {
    Ok(state.core.avatar_delete(&address).await?)
}

// ----- CSV import and export, bulk actions -----

/// Picked CSV files and finished job reports, by handle (kept on the Rust side).
#[derive(Default)]
pub struct UserFiles {
    csv: Mutex<HashMap<String, (Instant, Vec<u8>)>>,
    reports: Mutex<HashMap<String, (Instant, JobReport)>>,
}

fn files(app: &AppHandle) -> State<'_, UserFiles> {
    if app.try_state::<UserFiles>().is_none() {
        app.manage(UserFiles::default());
    }
    app.state::<UserFiles>()
}

fn hold<T>(map: &Mutex<HashMap<String, (Instant, T)>>, prefix: &str, value: T) -> String {
    let handle = format!("{prefix}-{:016x}", fastrand::u64(..));
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.retain(|_, (at, _)| at.elapsed() < HOLD_TTL);
    map.insert(handle.clone(), (Instant::now(), value));
    handle
}

fn held<T: Clone>(map: &Mutex<HashMap<String, (Instant, T)>>, handle: &str) -> IpcResult<T> {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    match map.get(handle) {
        Some((at, value)) if at.elapsed() < HOLD_TTL => Ok(value.clone()),
        _ => Err(IpcError::invalid("Pick the file again.")),
    }
}

async fn save_text(
    app: &AppHandle,
    title: &str,
    name: &str,
    text: String,
) -> IpcResult<Option<String>> {
    let Some(path) = crate::dialog::save_file(app, title, name, Some(("CSV", &["csv"]))).await?
    else {
        return Ok(None);
    };
    let shown = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    tokio::task::spawn_blocking(move || std::fs::write(&path, text))
        .await
        .map_err(|_| IpcError::internal("Writing the file failed."))?
        .map_err(|e| IpcError::internal(format!("Writing {shown} failed: {e}")))?;
    Ok(Some(shown))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportMappingView {
    pub im: Option<u32>,
    pub password: Option<u32>,
    pub email: Option<u32>,
    pub display_name: Option<u32>,
    pub group: Option<u32>,
    pub policy: Option<u32>,
}

impl ImportMappingView {
    fn of(m: &import::ImportMapping) -> Self {
        let c = |v: Option<usize>| v.map(small);
        ImportMappingView {
            im: c(m.im),
            password: c(m.password),
            email: c(m.email),
            display_name: c(m.display_name),
            group: c(m.group),
            policy: c(m.policy),
        }
    }
    fn to_core(&self) -> import::ImportMapping {
        let c = |v: Option<u32>| v.map(|n| n as usize);
        import::ImportMapping {
            im: c(self.im),
            password: c(self.password),
            email: c(self.email),
            display_name: c(self.display_name),
            group: c(self.group),
            policy: c(self.policy),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRowView {
    pub line: u32,
    pub address: String,
    pub display_name: String,
    pub email: String,
    pub group: String,
    /// `new`, `exists`, `duplicate` or `invalid`.
    pub state: String,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreviewView {
    pub handle: String,
    pub file_name: String,
    pub headers: Vec<String>,
    pub mapping: ImportMappingView,
    pub rows: Vec<PreviewRowView>,
    pub total: u32,
    pub new: u32,
    pub existing: u32,
    pub invalid: u32,
}

fn preview_view(handle: String, file_name: String, p: import::ImportPreview) -> ImportPreviewView {
    ImportPreviewView {
        handle,
        file_name,
        headers: p.headers,
        mapping: ImportMappingView::of(&p.mapping),
        rows: p
            .rows
            .into_iter()
            .map(|r| PreviewRowView {
                line: small(r.line),
                address: r.address,
                display_name: r.display_name,
                email: r.email,
                group: r.group,
                state: match r.state {
                    import::RowState::New => "new",
                    import::RowState::Exists => "exists",
                    import::RowState::Duplicate => "duplicate",
                    import::RowState::Invalid => "invalid",
                }
                .to_owned(),
                problems: r.problems,
            })
            .collect(),
        total: small(p.total),
        new: small(p.new),
        existing: small(p.existing),
        invalid: small(p.invalid),
    }
}

/// Picks a CSV file (OS dialog, Rust side), keeps it under a handle and previews it with a
/// mapping guessed from its headers. `None` when the dialog is cancelled.
#[tauri::command]
#[specta::specta]
pub async fn users_import_pick(
    app: AppHandle,
    state: State<'_, AppState>,
    generate_passwords: bool,
) -> IpcResult<Option<ImportPreviewView>> {
    let Some(path) = crate::dialog::pick_file(
        &app,
        "Users to import (CSV)",
        Some(("CSV", &["csv", "txt"])),
    )
    .await?
    else {
        return Ok(None);
    };
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = tokio::task::spawn_blocking(move || read_csv_file(&path))
        .await
        .map_err(|_| IpcError::internal("Reading the file failed."))??;
    let preview = state
        .core
        .users_import_preview(&bytes, None, generate_passwords)
        .await?;
    let handle = hold(&files(&app).csv, "csv", bytes);
    Ok(Some(preview_view(handle, file_name, preview)))
}

fn read_csv_file(path: &std::path::Path) -> IpcResult<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| IpcError::invalid(format!("Cannot open the file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(import::MAX_CSV_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| IpcError::invalid(format!("Cannot read the file: {e}")))?;
    if bytes.len() as u64 > import::MAX_CSV_BYTES {
        return Err(IpcError::invalid(
            "The file is too large to import (64 MiB at most).",
        ));
    }
    Ok(bytes)
}

/// The preview again, with the columns mapped as chosen.
#[tauri::command]
#[specta::specta]
pub async fn users_import_preview(
    app: AppHandle,
    state: State<'_, AppState>,
    handle: String,
    file_name: String,
    mapping: ImportMappingView,
    generate_passwords: bool,
) -> IpcResult<ImportPreviewView> {
    let bytes = held(&files(&app).csv, &handle)?;
    let preview = state
        .core
        .users_import_preview(&bytes, Some(mapping.to_core()), generate_passwords)
        .await?;
    Ok(preview_view(handle, file_name, preview))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ItemResultView {
    pub item: String,
    /// `done`, `skipped`, `failed` or `cancelled`.
    pub status: String,
    pub message: String,
}

/// A finished job: per item, the counts, and a handle to save the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobResultView {
    pub report: String,
    pub items: Vec<ItemResultView>,
    pub cancelled: bool,
    pub done: u32,
    pub skipped: u32,
    pub failed: u32,
    pub not_started: u32,
}

fn result_view(app: &AppHandle, report: JobReport) -> JobResultView {
    let items = report
        .items
        .iter()
        .map(|i| {
            let (status, message) = match &i.outcome {
                Outcome::Done { detail } => ("done", detail.clone().unwrap_or_default()),
                Outcome::Skipped { reason } => ("skipped", reason.clone()),
                Outcome::Failed { message, .. } => ("failed", message.clone()),
                Outcome::Cancelled => ("cancelled", String::new()),
            };
            ItemResultView {
                item: i.item.clone(),
                status: status.into(),
                message,
            }
        })
        .collect();
    let view = JobResultView {
        report: String::new(),
        items,
        cancelled: report.cancelled,
        done: small(report.succeeded()),
        skipped: small(report.skipped()),
        failed: small(report.failed()),
        not_started: small(report.not_started()),
    };
    let handle = hold(&files(app).reports, "report", report);
    JobResultView {
        report: handle,
        ..view
    }
}

/// Registers a job so that `job_cancel` stops it, and announces it on `on_event`.
fn start_job(
    state: &AppState,
    title: &str,
    total: Option<usize>,
    on_event: &Channel<JobEvent>,
) -> (String, trillian_core::job::Cancel) {
    let (job_id, cancel) = state.start_job();
    let _ = on_event.send(JobEvent::Started {
        job_id: job_id.clone(),
        title: title.to_owned(),
        total: total.map(small),
    });
    (job_id, cancel)
}

/// Forwards one item's progress to the channel (a closed channel must not fail the job).
fn progress(on_event: &Channel<JobEvent>) -> impl FnMut(trillian_core::job::Progress) + '_ {
    move |p| {
        let _ = on_event.send(JobEvent::Progress {
            done: small(p.done),
            total: Some(small(p.total)),
            item: Some(p.item),
        });
    }
}

/// Unregisters the job and says how it ended.
fn finish_job(
    state: &AppState,
    job_id: &str,
    result: &trillian_core::Result<JobReport>,
    on_event: &Channel<JobEvent>,
) {
    state.finish_job(job_id);
    let (ok, message) = match result {
        Ok(r) => (
            r.failed() == 0 && !r.cancelled,
            format!(
                "{} done, {} skipped, {} failed, {} not started",
                r.succeeded(),
                r.skipped(),
                r.failed(),
                r.not_started()
            ),
        ),
        Err(e) => (false, e.to_string()),
    };
    let _ = on_event.send(JobEvent::Finished { ok, message });
}

/// Imports the picked CSV file as a job (or checks it only, with `dry_run`).
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn users_import_run(
    app: AppHandle,
    state: State<'_, AppState>,
    handle: String,
    mapping: ImportMappingView,
    generate_passwords: bool,
    dry_run: bool,
    on_event: Channel<JobEvent>,
) -> IpcResult<JobResultView> {
    let bytes = held(&files(&app).csv, &handle)?;
    let options = import::ImportOptions {
        mapping: mapping.to_core(),
        generate_passwords,
        dry_run,
    };
    let title = if dry_run {
        "Check the import (dry run)"
    } else {
        "Import users"
    };
    let (job_id, cancel) = start_job(&state, title, None, &on_event);
    let result = state
        .core
        .users_import(&bytes, options, cancel, progress(&on_event))
        .await;
    finish_job(&state, &job_id, &result, &on_event);
    Ok(result_view(&app, result?))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum BulkKind {
    Disable,
    Enable,
    MoveToGroup,
    Delete,
}

/// Disable, enable, move to a group or delete many users as a job.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn users_bulk(
    app: AppHandle,
    state: State<'_, AppState>,
    kind: BulkKind,
    group: Option<u32>,
    addresses: Vec<String>,
    confirm: String,
    on_event: Channel<JobEvent>,
) -> IpcResult<JobResultView> {
    let action = match kind {
        BulkKind::Disable => core_user::BulkAction::Disable,
        BulkKind::Enable => core_user::BulkAction::Enable,
        BulkKind::Delete => core_user::BulkAction::Delete,
        BulkKind::MoveToGroup => core_user::BulkAction::MoveToGroup {
            group: u64::from(group.ok_or_else(|| IpcError::invalid("Choose a group."))?),
        },
    };
    let title = match kind {
        BulkKind::Disable => "Disable users",
        BulkKind::Enable => "Enable users",
        BulkKind::MoveToGroup => "Move users to a group",
        BulkKind::Delete => "Delete users",
    };
    let (job_id, cancel) = start_job(&state, title, Some(addresses.len()), &on_event);
    let result = state
        .core
        .users_bulk(action, addresses, &confirm, cancel, progress(&on_event))
        .await;
    finish_job(&state, &job_id, &result, &on_event);
    Ok(result_view(&app, result?))
}

/// Saves a finished job's report as CSV (OS save dialog). `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn users_report_save(app: AppHandle, report: String) -> IpcResult<Option<String>> {
    let report = held(&files(&app).reports, &report)?;
    let text = import::report_csv(&report)?;
    save_text(&app, "Save the report", "report.csv", text).await
}

/// Saves the current filtered, sorted view as CSV (OS save dialog). `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn users_export(
    app: AppHandle,
    state: State<'_, AppState>,
    query: UserQueryInput,
) -> IpcResult<Option<String>> {
    let text = state.core.users_export(query.to_core()).await?;
    save_text(&app, "Export users (CSV)", "users.csv", text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_columns_and_ids_map_to_core() {
        let q = UserQueryInput {
            search: "ann".into(),
            sort: UserSortColumn::DisplayName,
            descending: true,
            group: Some(3),
            policy: None,
            disabled: Some(false),
            status: Some(1),
            offset: 40,
            limit: 80,
        };
        let c = q.to_core();
        assert_eq!(c.sort, core_user::UserColumn::DisplayName);
        assert_eq!((c.group, c.offset, c.limit), (Some(3), 40, 80));
    }

    #[test]
    fn held_values_are_found_by_handle_only() {
        let map = Mutex::new(HashMap::new());
        let h = hold(&map, "csv", vec![1u8, 2]);
        assert_eq!(held(&map, &h).ok(), Some(vec![1u8, 2]));
        assert!(held(&map, "csv-unknown").is_err());
    }

    #[test]
    fn a_dropped_handle_leads_to_its_file_once_and_the_avatar_path_squares_it() {
        // A 2x1 PNG, as the drop hook would hold it.
        const PNG: &[u8] = &[
            137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 1,
            8, 2, 0, 0, 0, 123, 64, 232, 221, 0, 0, 0, 13, 73, 68, 65, 84, 120, 156, 99, 248, 207,
            0, 4, 255, 1, 7, 0, 1, 255, 226, 35, 158, 89, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96,
            130,
        ];
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("face.png");
        let text = dir.path().join("notes.txt");
        std::fs::write(&image, PNG).unwrap();
        std::fs::write(&text, b"not an image").unwrap();
        let media = MediaState::default();
        let picked = media.accept_paths(vec![image.clone(), text.clone()]);
        assert_eq!(picked.len(), 2);

        let path = held_image_path(&media, &picked[0].handle).unwrap();
        assert_eq!(path, image);
        let bytes = avatar::read_image_file(&path).unwrap();
        let png = avatar::square_png(&bytes, avatar::AVATAR_SIDE).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "re-encoded as PNG");
        assert!(
            held_image_path(&media, &picked[0].handle).is_err(),
            "a handle is good once"
        );
        assert!(
            held_image_path(&media, image.to_str().unwrap()).is_err(),
            "a path is no handle"
        );

        let path = held_image_path(&media, &picked[1].handle).unwrap();
        let bytes = avatar::read_image_file(&path).unwrap();
        assert!(
            avatar::square_png(&bytes, avatar::AVATAR_SIDE).is_err(),
            "not an image"
        );
    }
}
