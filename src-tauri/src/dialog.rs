//! The OS file dialogs, on the Rust side: commands get local paths from here and the web view
//! only ever sees names or short-lived handles, never a path it chose.
//!
//! Debug builds driven by the end-to-end suite may name the files a dialog would return in
//! `TRILLIAN_E2E_PICK_FILES` (set by whoever starts the app, never by the web view): WebDriver
//! cannot operate a native dialog, and everything after the dialog is the same code.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder};

use crate::error::{IpcError, IpcResult};

/// A file type offered by a dialog: its name and extensions.
pub type Filter<'a> = (&'a str, &'a [&'a str]);

#[cfg(debug_assertions)]
fn e2e_picks() -> Option<Vec<PathBuf>> {
    std::env::var_os("TRILLIAN_E2E_PICK_FILES").map(|list| std::env::split_paths(&list).collect())
}

#[cfg(not(debug_assertions))]
fn e2e_picks() -> Option<Vec<PathBuf>> {
    None
}

fn builder<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    filter: Option<Filter<'_>>,
) -> FileDialogBuilder<R> {
    let dialog = app.dialog().file().set_title(title);
    match filter {
        Some((name, extensions)) => dialog.add_filter(name, extensions),
        None => dialog,
    }
}

fn fits(path: &std::path::Path, filter: Option<Filter<'_>>) -> bool {
    let Some((_, extensions)) = filter else {
        return true;
    };
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn local(path: tauri_plugin_dialog::FilePath) -> IpcResult<PathBuf> {
    path.into_path()
        .map_err(|_| IpcError::invalid("Only local files can be used."))
}

fn closed<E>(_: E) -> IpcError {
    IpcError::internal("The file dialog closed.")
}

/// One file to open, or `None` when cancelled.
pub async fn pick_file<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    filter: Option<Filter<'_>>,
) -> IpcResult<Option<PathBuf>> {
    if let Some(paths) = e2e_picks() {
        return Ok(paths.into_iter().find(|p| fits(p, filter)));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(app, title, filter).pick_file(move |path| {
        let _ = tx.send(path);
    });
    rx.await.map_err(closed)?.map(local).transpose()
}

/// Files to open; empty when cancelled.
pub async fn pick_files<R: Runtime>(app: &AppHandle<R>, title: &str) -> IpcResult<Vec<PathBuf>> {
    if let Some(paths) = e2e_picks() {
        return Ok(paths);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(app, title, None).pick_files(move |paths| {
        let _ = tx.send(paths);
    });
    Ok(rx
        .await
        .map_err(closed)?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect())
}

/// Where to save a file (`name` suggested), or `None` when cancelled.
pub async fn save_file<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    name: &str,
    filter: Option<Filter<'_>>,
) -> IpcResult<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    builder(app, title, filter)
        .set_file_name(name)
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    rx.await.map_err(closed)?.map(local).transpose()
}
