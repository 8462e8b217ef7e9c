//! First-cut lists of the domain's objects: users, groups, policies, group chats, presence.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub group: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    pub name: String,
    pub parent: String,
    pub policy: String,
    pub priority: i32,
    pub members: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRow {
    pub name: String,
    pub items: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatRow {
    pub name: String,
    pub display_name: String,
    pub topic: String,
    pub members: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PresenceRow {
    pub username: String,
    pub status: String,
    pub message: String,
    pub devices: u32,
}

#[tauri::command]
#[specta::specta]
pub async fn users_list(state: State<'_, AppState>) -> IpcResult<Vec<UserRow>> {
    let _ = state;
    Err(not_wired())
}

#[tauri::command]
#[specta::specta]
pub async fn groups_list(state: State<'_, AppState>) -> IpcResult<Vec<GroupRow>> {
    let _ = state;
    Err(not_wired())
}

#[tauri::command]
#[specta::specta]
pub async fn policies_list(state: State<'_, AppState>) -> IpcResult<Vec<PolicyRow>> {
    let _ = state;
    Err(not_wired())
}

#[tauri::command]
#[specta::specta]
pub async fn groupchats_list(state: State<'_, AppState>) -> IpcResult<Vec<GroupChatRow>> {
    let _ = state;
    Err(not_wired())
}

#[tauri::command]
#[specta::specta]
pub async fn presence_list(state: State<'_, AppState>) -> IpcResult<Vec<PresenceRow>> {
    let _ = state;
    Err(not_wired())
}

// TEMPORARY: trillian-core returns stand-in models until trillian-api exports its types.
fn not_wired() -> crate::error::IpcError {
    crate::error::IpcError::internal("This list is not available in this build yet.")
}
