//! Media of group chats and users: the gallery, thumbnails as `data:` URLs, uploads of files
//! picked in the Rust-side dialog or dropped on the window, downloads to a file chosen in the
//! Rust-side save dialog, delete and bulk delete.
//!
//! No command takes a path from JavaScript. Files come from [`on_window_event`] (Tauri's
//! drag-drop event, received here in Rust) or from [`media_pick_files`]; both go through
//! [`MediaState::accept_paths`], which checks each path and holds it behind a short-lived
//! handle. The UI only ever sees handles, names and sizes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State, Window, WindowEvent};
use trillian_core::job::{JobReport, Outcome};
use trillian_core::media::{
    MediaEntry, MediaKind, MediaOwner, UploadEvent, UploadFile, UploadSink,
};

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// How long a picked or dropped file waits for its upload.
const HOLD_TTL: Duration = Duration::from_secs(30 * 60);

/// Whose media (a group chat name or a user's IM address).
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum MediaOwnerInput {
    GroupChat(String),
    User(String),
}

impl From<MediaOwnerInput> for MediaOwner {
    fn from(o: MediaOwnerInput) -> Self {
        match o {
            MediaOwnerInput::GroupChat(n) => MediaOwner::GroupChat(n),
            MediaOwnerInput::User(n) => MediaOwner::User(n),
        }
    }
}

/// One gallery item.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MediaRow {
    pub id: String,
    pub name: String,
    pub content_type: String,
    /// `image`, `video`, `audio`, `document` or `other`.
    pub kind: String,
    /// A JSON number (f64 on the Rust side: byte counts may pass 4 GiB).
    #[specta(type = u32)]
    pub size: f64,
    /// Unix seconds (a plain number in TypeScript).
    #[specta(type = u32)]
    pub created_at: f64,
    /// Unix seconds, 0 for never (a plain number in TypeScript).
    #[specta(type = u32)]
    pub expires_at: f64,
    /// Digest of the server's thumbnail; empty when there is none.
    pub thumbnail: String,
}

impl From<MediaEntry> for MediaRow {
    fn from(e: MediaEntry) -> Self {
        let kind = match e.kind {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            _ => "other",
        };
        MediaRow {
            id: e.id,
            name: e.name,
            content_type: e.content_type,
            kind: kind.into(),
            size: e.size as f64,
            created_at: e.created_at as f64,
            expires_at: e.expires_at as f64,
            thumbnail: e.thumbnail,
        }
    }
}

/// A file read from a Rust-side dialog or drop, known to the UI by its handle only.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PickedFile {
    pub handle: String,
    pub name: String,
    /// A JSON number (f64 on the Rust side: byte counts may pass 4 GiB).
    #[specta(type = u32)]
    pub size: f64,
}

/// What the drop watcher channel carries.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DropEvent {
    /// Files are being dragged over the window.
    Hover,
    /// The drag left the window or was cancelled.
    Leave,
    /// Files were dropped (folders and unreadable paths left out).
    Dropped { files: Vec<PickedFile> },
}

/// What a media job's channel carries.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MediaJobEvent {
    #[serde(rename_all = "camelCase")]
    Started {
        job_id: String,
        title: String,
        files: Vec<JobFile>,
    },
    /// Bytes of file `index` done so far.
    #[serde(rename_all = "camelCase")]
    Bytes {
        index: u32,
        #[specta(type = u32)]
        done: f64,
        #[specta(type = u32)]
        total: f64,
    },
    /// The file (or item) named `item` finished; `finished` of `total` are done.
    #[serde(rename_all = "camelCase")]
    File {
        item: String,
        finished: u32,
        total: u32,
        status: String,
        message: String,
    },
    #[serde(rename_all = "camelCase")]
    Finished { ok: bool, message: String },
}

/// A file of a job, by position.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobFile {
    pub index: u32,
    pub name: String,
    /// A JSON number (f64 on the Rust side: byte counts may pass 4 GiB).
    #[specta(type = u32)]
    pub size: f64,
}

/// The per-file results of a job.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MediaJobSummary {
    pub succeeded: u32,
    pub failed: u32,
    pub skipped: u32,
    pub cancelled: bool,
    pub items: Vec<FileResult>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FileResult {
    pub name: String,
    /// `done`, `skipped`, `failed` or `cancelled`.
    pub status: String,
    pub message: String,
}

/// A finished download.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DownloadResult {
    pub file_name: String,
    /// A JSON number (f64 on the Rust side: byte counts may pass 4 GiB).
    #[specta(type = u32)]
    pub bytes: f64,
    /// The SHA-256 of the saved bytes equals the item id.
    pub verified: bool,
}

/// Files held behind handles, and the gallery's drop watcher.
#[derive(Default)]
pub struct MediaState {
    held: Mutex<HashMap<String, (Instant, PathBuf)>>,
    drops: Mutex<Option<Channel<DropEvent>>>,
}

impl MediaState {
    /// The one door for files into the app (drop and dialog alike): keeps regular, readable
    /// files behind fresh handles; folders and unreadable paths are left out.
    pub fn accept_paths(&self, paths: Vec<PathBuf>) -> Vec<PickedFile> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.retain(|_, (at, _)| at.elapsed() < HOLD_TTL);
        let mut out = Vec::new();
        for path in paths {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let handle = format!("file-{:016x}", fastrand::u64(..));
            out.push(PickedFile {
                handle: handle.clone(),
                name: trillian_core::media::file_name(&path),
                size: meta.len() as f64,
            });
            held.insert(handle, (Instant::now(), path));
        }
        out
    }

    /// Takes held files out (once each), in the order of `handles`.
    pub(crate) fn take(&self, handles: &[String]) -> IpcResult<Vec<UploadFile>> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let mut files = Vec::with_capacity(handles.len());
        for h in handles {
            match held.remove(h) {
                Some((at, path)) if at.elapsed() < HOLD_TTL => files.push(UploadFile { path }),
                _ => {
                    return Err(IpcError::invalid(
                        "Some files are no longer available: drop or pick them again.",
                    ));
                }
            }
        }
        Ok(files)
    }

    /// Handles a drop event of the main window: files dropped on it are accepted and sent to the
    /// gallery that watches drops (none watching: nothing is held).
    pub fn on_drag_drop(&self, event: &tauri::DragDropEvent) {
        let watcher = self.drops.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(watcher) = watcher else {
            return;
        };
        let message = match event {
            tauri::DragDropEvent::Enter { .. } | tauri::DragDropEvent::Over { .. } => {
                DropEvent::Hover
            }
            tauri::DragDropEvent::Drop { paths, .. } => DropEvent::Dropped {
                files: self.accept_paths(paths.clone()),
            },
            _ => DropEvent::Leave,
        };
        if watcher.send(message).is_err() {
            // The page that watched went away.
            *self.drops.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }
}

/// The window event hook (registered in `lib.rs`): drag-drop on the main window.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if window.label() != "main" {
        return;
    }
    if let WindowEvent::DragDrop(drop) = event
        && let Some(media) = window.try_state::<MediaState>()
    {
        media.on_drag_drop(drop);
    }
}

#[tauri::command]
#[specta::specta]
pub async fn media_list(
    state: State<'_, AppState>,
    owner: MediaOwnerInput,
) -> IpcResult<Vec<MediaRow>> {
    let items = state.core.media_list(&owner.into()).await?;
    Ok(items.into_iter().map(MediaRow::from).collect())
}

/// An item's thumbnail as a `data:` URL (decoded and re-encoded in Rust, cached on disk), or
/// `None` when it has none.
#[tauri::command]
#[specta::specta]
pub async fn media_thumbnail(
    state: State<'_, AppState>,
    owner: MediaOwnerInput,
    id: String,
    thumbnail: String,
) -> IpcResult<Option<String>> {
    let preview = state
        .core
        .media_thumbnail(&owner.into(), &id, &thumbnail)
        .await?;
    Ok(preview.map(|p| p.data_url()))
}

/// Receives the files dropped on the window from now on (one watcher: the open gallery).
#[tauri::command]
#[specta::specta]
pub async fn media_watch_drops(
    media: State<'_, MediaState>,
    on_drop: Channel<DropEvent>,
) -> IpcResult<()> {
    *media.drops.lock().unwrap_or_else(|e| e.into_inner()) = Some(on_drop);
    Ok(())
}

/// Opens the OS file dialog (Rust side) for files to upload; empty when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn media_pick_files(
    app: AppHandle,
    media: State<'_, MediaState>,
) -> IpcResult<Vec<PickedFile>> {
    let paths = crate::dialog::pick_files(&app, "Files to upload").await?;
    Ok(media.accept_paths(paths))
}

fn summary(report: &JobReport, names: &[String]) -> MediaJobSummary {
    let items = report
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (status, message) = outcome_text(&item.outcome);
            FileResult {
                name: names.get(i).cloned().unwrap_or_else(|| item.item.clone()),
                status,
                message,
            }
        })
        .collect();
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    MediaJobSummary {
        succeeded: n(report.succeeded()),
        failed: n(report.failed()),
        skipped: n(report.skipped()),
        cancelled: report.cancelled,
        items,
    }
}

fn outcome_text(o: &Outcome) -> (String, String) {
    match o {
        Outcome::Done { detail } => ("done".into(), detail.clone().unwrap_or_default()),
        Outcome::Skipped { reason } => ("skipped".into(), reason.clone()),
        Outcome::Failed { code, message } => {
            let status = if *code == trillian_core::ErrorCode::Cancelled {
                "cancelled"
            } else {
                "failed"
            };
            (status.into(), message.clone())
        }
        _ => ("cancelled".into(), "not started".into()),
    }
}

fn finished_message(s: &MediaJobSummary, verb: &str) -> String {
    let mut text = format!("{} {verb}", s.succeeded);
    if s.skipped > 0 {
        text.push_str(&format!(", {} skipped", s.skipped));
    }
    if s.failed > 0 {
        text.push_str(&format!(", {} failed", s.failed));
    }
    if s.cancelled {
        text.push_str(", cancelled");
    }
    text
}

/// Uploads held files (by handle) to `owner` as a job: per-file byte progress and results on
/// `on_event`, cancel with `job_cancel`.
#[tauri::command]
#[specta::specta]
pub async fn media_upload(
    state: State<'_, AppState>,
    media: State<'_, MediaState>,
    owner: MediaOwnerInput,
    handles: Vec<String>,
    on_event: Channel<MediaJobEvent>,
) -> IpcResult<MediaJobSummary> {
    let files = media.take(&handles)?;
    let names: Vec<String> = files
        .iter()
        .map(|f| trillian_core::media::file_name(&f.path))
        .collect();
    let job_files = files
        .iter()
        .enumerate()
        .map(|(i, f)| JobFile {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            name: names.get(i).cloned().unwrap_or_default(),
            size: std::fs::metadata(&f.path)
                .map(|m| m.len() as f64)
                .unwrap_or(0.0),
        })
        .collect();
    let (job_id, cancel) = state.start_job();
    let _ = on_event.send(MediaJobEvent::Started {
        job_id: job_id.clone(),
        title: format!("Uploading {} file(s)", names.len()),
        files: job_files,
    });
    let channel = on_event.clone();
    // Byte progress at most every 1/200th of a file (and always its end).
    let last: Mutex<HashMap<usize, u64>> = Mutex::new(HashMap::new());
    let sink: UploadSink = Arc::new(move |event| {
        let message = match event {
            UploadEvent::Bytes { index, sent, total } => {
                let step = (sent * 200).checked_div(total).unwrap_or(0);
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.get(&index) == Some(&step) && sent != total {
                    return;
                }
                last.insert(index, step);
                MediaJobEvent::Bytes {
                    index: u32::try_from(index).unwrap_or(u32::MAX),
                    done: sent as f64,
                    total: total as f64,
                }
            }
            UploadEvent::Item(p) => file_event(&p),
        };
        let _ = channel.send(message);
    });
    let result = state
        .core
        .media_upload(&owner.into(), files, cancel, sink)
        .await;
    state.finish_job(&job_id);
    finish(&on_event, result.map(|r| summary(&r, &names)), "uploaded")
}

fn file_event(p: &trillian_core::job::Progress) -> MediaJobEvent {
    let (status, message) = outcome_text(&p.outcome);
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    MediaJobEvent::File {
        item: p.item.clone(),
        finished: n(p.done),
        total: n(p.total),
        status,
        message,
    }
}

fn finish(
    on_event: &Channel<MediaJobEvent>,
    result: trillian_core::Result<MediaJobSummary>,
    verb: &str,
) -> IpcResult<MediaJobSummary> {
    let message = match &result {
        Ok(s) => MediaJobEvent::Finished {
            ok: s.failed == 0 && !s.cancelled,
            message: finished_message(s, verb),
        },
        Err(e) => MediaJobEvent::Finished {
            ok: false,
            message: e.to_string(),
        },
    };
    let _ = on_event.send(message);
    Ok(result?)
}

/// Asks where to save an item (Rust-side save dialog), then streams it there with progress on
/// `on_event`. `None` when the dialog is cancelled.
#[tauri::command]
#[specta::specta]
pub async fn media_download(
    app: AppHandle,
    state: State<'_, AppState>,
    owner: MediaOwnerInput,
    id: String,
    name: String,
    on_event: Channel<MediaJobEvent>,
) -> IpcResult<Option<DownloadResult>> {
    let Some(dest) =
        crate::dialog::save_file(&app, "Save media as", &safe_name(&name), None).await?
    else {
        return Ok(None);
    };
    let (job_id, cancel) = state.start_job();
    let file_name = trillian_core::media::file_name(&dest);
    let _ = on_event.send(MediaJobEvent::Started {
        job_id: job_id.clone(),
        title: format!("Downloading {file_name}"),
        files: vec![JobFile {
            index: 0,
            name: file_name.clone(),
            size: 0.0,
        }],
    });
    let channel = on_event.clone();
    let progress: trillian_api::ProgressFn = Arc::new(move |done, total| {
        let _ = channel.send(MediaJobEvent::Bytes {
            index: 0,
            done: done as f64,
            total: total.unwrap_or(0) as f64,
        });
    });
    let result = state
        .core
        .media_download(&owner.into(), &id, &dest, Some(progress), cancel)
        .await;
    state.finish_job(&job_id);
    let _ = on_event.send(MediaJobEvent::Finished {
        ok: result.is_ok(),
        message: match &result {
            Ok(d) => format!("Saved {file_name} ({} bytes)", d.bytes),
            Err(e) => e.to_string(),
        },
    });
    let done = result?;
    Ok(Some(DownloadResult {
        file_name,
        bytes: done.bytes as f64,
        verified: done.verified,
    }))
}

/// A file name suggested to the save dialog: the item's name without folders.
fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base == "." || base == ".." {
        "download".into()
    } else {
        base.into()
    }
}

/// Deletes one item after the typed confirmation: `confirm` must be the item's name.
#[tauri::command]
#[specta::specta]
pub async fn media_delete(
    state: State<'_, AppState>,
    owner: MediaOwnerInput,
    id: String,
    name: String,
    confirm: String,
) -> IpcResult<()> {
    if confirm.trim() != name.trim() {
        return Err(IpcError::invalid(
            "Type the file's name exactly to confirm the deletion.",
        ));
    }
    Ok(state.core.media_delete(&owner.into(), &id).await?)
}

/// The words a bulk delete of `n` items must be confirmed with.
pub fn bulk_confirmation(n: usize) -> String {
    format!("delete {n} items")
}

/// Deletes several items as a job after the typed confirmation `delete N items`.
#[tauri::command]
#[specta::specta]
pub async fn media_delete_many(
    state: State<'_, AppState>,
    owner: MediaOwnerInput,
    ids: Vec<String>,
    confirm: String,
    on_event: Channel<MediaJobEvent>,
) -> IpcResult<MediaJobSummary> {
    if confirm.trim() != bulk_confirmation(ids.len()) {
        return Err(IpcError::invalid(format!(
            "Type “{}” to confirm the deletion.",
            bulk_confirmation(ids.len())
        )));
    }
    let (job_id, cancel) = state.start_job();
    let _ = on_event.send(MediaJobEvent::Started {
        job_id: job_id.clone(),
        title: format!("Deleting {} item(s)", ids.len()),
        files: Vec::new(),
    });
    let channel = on_event.clone();
    let names = ids.clone();
    let result = state
        .core
        .media_delete_many(&owner.into(), ids, cancel, |p| {
            let _ = channel.send(file_event(&p));
        })
        .await;
    state.finish_job(&job_id);
    finish(&on_event, result.map(|r| summary(&r, &names)), "deleted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_held_and_each_handle_is_good_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("photo.jpg");
        std::fs::write(&file, b"1234").unwrap();
        let media = MediaState::default();
        let picked = media.accept_paths(vec![
            file.clone(),
            dir.path().to_path_buf(),
            dir.path().join("missing.bin"),
        ]);
        assert_eq!(picked.len(), 1, "a folder and a missing path are left out");
        assert_eq!(
            (picked[0].name.as_str(), picked[0].size),
            ("photo.jpg", 4.0)
        );
        let taken = media.take(&[picked[0].handle.clone()]).unwrap();
        assert_eq!(taken[0].path, file);
        assert!(media.take(&[picked[0].handle.clone()]).is_err(), "once");
        assert!(
            media.take(&["/etc/passwd".into()]).is_err(),
            "a path is no handle"
        );
    }

    #[test]
    fn download_names_lose_their_folders() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("a\\b.txt"), "b.txt");
        assert_eq!(safe_name(".."), "download");
        assert_eq!(bulk_confirmation(3), "delete 3 items");
    }
}
