//! Presence of the active profile's users (first-cut list).

use serde::Serialize;
use specta::Type;
use tauri::State;
use trillian_api::model::Presence;

use crate::commands::small;
use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PresenceRow {
    pub address: String,
    pub status: String,
    pub message: String,
    pub devices: u32,
}

pub fn presence_rows(presence: &[Presence]) -> Vec<PresenceRow> {
    presence
        .iter()
        .map(|p| PresenceRow {
            address: p.name.clone(),
            status: p.status.label().to_owned(),
            message: p.message.clone(),
            devices: small(p.devices.len()),
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn presence_list(state: State<'_, AppState>) -> IpcResult<Vec<PresenceRow>> {
    Ok(presence_rows(&state.core.presence().await?))
}
