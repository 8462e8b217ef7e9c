//! The app itself: version, start-up mode, external links.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use crate::window;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    /// Started with `--sandbox`: the UI opens the embedded sandbox straight away.
    pub open_sandbox: bool,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        name: "Trillian Server Admin".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        open_sandbox: state.open_sandbox,
    }
}

/// Opens an https link in the OS browser. Anything else is refused.
#[tauri::command]
#[specta::specta]
pub fn open_external(url: String) -> IpcResult<()> {
    let url = window::external_url(&url)?;
    window::open_in_browser(&url).map_err(|e| {
        tracing::warn!("opening the browser failed: {e}");
        IpcError::internal("The system browser could not be started.")
    })
}
