//! Presence of the active profile's users: the table, the client versions, set a presence.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::commands::small;
use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    pub name: String,
    pub platform: String,
    pub version: String,
    pub build: String,
    /// Dotted IPv4.
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PresenceRowView {
    pub address: String,
    pub status: u32,
    /// The word, or the number itself when unknown.
    pub status_label: String,
    pub known: bool,
    pub message: String,
    /// Last change, unix seconds.
    pub timestamp: u32,
    pub devices: Vec<DeviceView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientVersionView {
    pub platform: String,
    pub version: String,
    pub build: String,
    pub devices: u32,
    pub outdated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PresenceView {
    pub rows: Vec<PresenceRowView>,
    pub clients: Vec<ClientVersionView>,
}

impl From<trillian_core::presence::PresenceView> for PresenceView {
    fn from(v: trillian_core::presence::PresenceView) -> Self {
        PresenceView {
            rows: v
                .rows
                .into_iter()
                .map(|r| PresenceRowView {
                    address: r.address,
                    status: r.status,
                    status_label: r.status_label,
                    known: r.known,
                    message: r.message,
                    timestamp: small(r.timestamp),
                    devices: r
                        .devices
                        .into_iter()
                        .map(|d| DeviceView {
                            name: d.name,
                            platform: d.platform,
                            version: d.version,
                            build: d.build,
                            ip: d.ip,
                        })
                        .collect(),
                })
                .collect(),
            clients: v
                .clients
                .into_iter()
                .map(|c| ClientVersionView {
                    platform: c.platform,
                    version: c.version,
                    build: c.build,
                    devices: small(c.devices),
                    outdated: c.outdated,
                })
                .collect(),
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn presence_view(state: State<'_, AppState>) -> IpcResult<PresenceView> {
    Ok(state.core.presence_view().await?.into())
}

/// Sets a user's status (0–5) and message.
#[tauri::command]
#[specta::specta]
pub async fn presence_set(
    state: State<'_, AppState>,
    address: String,
    status: u32,
    message: String,
) -> IpcResult<()> {
    Ok(state.core.presence_set(&address, status, message).await?)
}
