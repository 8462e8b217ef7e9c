//! The local journal of admin actions.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// RFC 3339 time.
    pub at: String,
    pub profile: String,
    pub action: String,
    pub target: String,
    pub ok: bool,
    pub detail: String,
}

#[tauri::command]
#[specta::specta]
pub async fn journal_list(state: State<'_, AppState>, limit: u32) -> IpcResult<Vec<JournalEntry>> {
    let limit = usize::try_from(limit.min(10_000)).unwrap_or(10_000);
    let entries = state.core.journal(limit)?;
    Ok(entries.into_iter().map(JournalEntry::from).collect())
}

impl From<trillian_core::JournalEntry> for JournalEntry {
    fn from(e: trillian_core::JournalEntry) -> Self {
        use trillian_core::JournalOutcome;
        let (ok, detail) = match e.outcome {
            JournalOutcome::Ok => (true, String::new()),
            JournalOutcome::Failed { message, .. } => (false, message),
        };
        JournalEntry {
            at: e.time,
            profile: e.profile.unwrap_or_default(),
            action: e.action,
            target: e.target,
            ok,
            detail,
        }
    }
}
