//! The OS keychain: where tokens are kept, and setting/clearing a profile's token.
//! The web view can set, replace or clear a token, never read one.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum KeychainState {
    /// Tokens are stored in the OS keychain.
    Available,
    /// No usable keychain: tokens cannot be stored until fixed (or session-only mode is chosen).
    Unavailable,
    /// Tokens are kept in memory only and forgotten when the app quits.
    SessionOnly,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeychainStatus {
    pub state: KeychainState,
    /// Where tokens are kept, e.g. "Secret Service (GNOME Keyring)".
    pub backend: String,
    /// Why it cannot be used, if it cannot.
    pub problem: Option<String>,
    /// What the user can do about it.
    pub hint: Option<String>,
}

impl From<trillian_core::KeychainStatus> for KeychainStatus {
    fn from(s: trillian_core::KeychainStatus) -> Self {
        use trillian_core::{KeychainStatus as Core, StoreKind};
        match s {
            Core::Available {
                store: StoreKind::SessionOnly,
                description,
                ..
            } => KeychainStatus {
                state: KeychainState::SessionOnly,
                backend: description,
                problem: None,
                hint: None,
            },
            Core::Available { description, .. } => KeychainStatus {
                state: KeychainState::Available,
                backend: description,
                problem: None,
                hint: None,
            },
            Core::Unavailable {
                store,
                reason,
                hint,
            } => KeychainStatus {
                state: KeychainState::Unavailable,
                backend: match store {
                    StoreKind::SecretService => "the system keyring (Secret Service)",
                    StoreKind::Keyutils => "the kernel key store",
                    StoreKind::SessionOnly => "memory only",
                }
                .into(),
                problem: Some(reason),
                hint: Some(hint),
            },
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn keychain_status(state: State<'_, AppState>) -> IpcResult<KeychainStatus> {
    Ok(state.core.keychain_status().await.into())
}

/// Keep tokens in memory for this session only.
#[tauri::command]
#[specta::specta]
pub async fn keychain_use_session_only(state: State<'_, AppState>) -> IpcResult<KeychainStatus> {
    state.core.use_session_only();
    Ok(state.core.keychain_status().await.into())
}

/// Stores (or replaces) the token of a profile. The token goes one way only: into the keychain.
#[tauri::command]
#[specta::specta]
pub async fn token_set(
    state: State<'_, AppState>,
    profile_id: String,
    token: String,
) -> IpcResult<()> {
    Ok(state
        .core
        .set_token(&profile_id, trillian_core::Token::new(token))
        .await?)
}

/// Deletes the profile's token from the keychain.
#[tauri::command]
#[specta::specta]
pub async fn token_clear(state: State<'_, AppState>, profile_id: String) -> IpcResult<()> {
    Ok(state.core.clear_token(&profile_id).await?)
}
