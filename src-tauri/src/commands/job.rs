//! Long jobs: what their channel carries, and cancelling them.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

/// One message on a job's channel.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum JobEvent {
    #[serde(rename_all = "camelCase")]
    Started {
        job_id: String,
        title: String,
        total: Option<u32>,
    },
    #[serde(rename_all = "camelCase")]
    Progress {
        done: u32,
        total: Option<u32>,
        item: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Finished { ok: bool, message: String },
}

#[tauri::command]
#[specta::specta]
pub async fn job_cancel(state: State<'_, AppState>, job_id: String) -> IpcResult<()> {
    state.cancel_job(&job_id);
    Ok(())
}
