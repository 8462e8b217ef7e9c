//! Server profiles: list, save, remove, choose the active one, pick a CA certificate.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, State};

use trillian_core::{Core, ProfileDraft, ProfileKind};

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// A server profile as the UI sees it. Never holds the token — only whether one is stored.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub domain: String,
    /// The profile trusts a CA certificate of its own (in addition to the system's roots).
    pub has_ca_certificate: bool,
    pub post_for_updates: bool,
    /// The administrator's own IM address: never deleted or disabled by the app.
    pub own_address: Option<String>,
    /// The embedded sandbox's profile.
    pub sandbox: bool,
    pub token_stored: bool,
    pub active: bool,
}

/// What to do with the profile's CA certificate on save.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CaCertificateChoice {
    /// Leave it as it is (nothing for a new profile).
    Keep,
    /// Trust only the system's roots.
    Remove,
    /// Use the file picked with `profile_pick_ca_certificate`.
    Picked { handle: String },
}

/// The add/edit form.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInput {
    /// `None` creates a new profile.
    pub id: Option<String>,
    pub name: String,
    pub base_url: String,
    pub domain: String,
    pub ca_certificate: CaCertificateChoice,
    pub post_for_updates: bool,
    /// The administrator's own IM address (a bare name gets the domain); empty for none.
    pub own_address: Option<String>,
}

/// A certificate file read on the Rust side; the UI only keeps the short-lived handle.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PickedCertificate {
    pub handle: String,
    pub file_name: String,
}

impl Profile {
    /// The UI's view of a core profile: whether a token is stored is asked of the keychain.
    pub async fn from_core(core: &Core, p: trillian_core::Profile, active: Option<&str>) -> Self {
        // A keychain that cannot answer shows as "not stored"; the status line says why.
        let token_stored = match core.has_token(&p.id).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(
                    "keychain: cannot tell whether profile {} has a token: {e}",
                    p.id
                );
                false
            }
        };
        Profile {
            active: active == Some(p.id.as_str()),
            sandbox: p.kind == ProfileKind::Sandbox,
            has_ca_certificate: p.ca_cert_pem.is_some(),
            id: p.id,
            name: p.name,
            base_url: p.base_url,
            domain: p.domain,
            post_for_updates: p.post_for_updates,
            own_address: p.own_address,
            token_stored,
        }
    }

    pub async fn one(core: &Core, p: trillian_core::Profile) -> Self {
        let active = core.active_profile().map(|a| a.id);
        Self::from_core(core, p, active.as_deref()).await
    }
}

#[tauri::command]
#[specta::specta]
pub async fn profiles_list(state: State<'_, AppState>) -> IpcResult<Vec<Profile>> {
    let core = &state.core;
    let active = core.active_profile().map(|a| a.id);
    let mut out = Vec::new();
    for p in core.profiles() {
        out.push(Profile::from_core(core, p, active.as_deref()).await);
    }
    Ok(out)
}

#[tauri::command]
#[specta::specta]
pub async fn profile_save(state: State<'_, AppState>, input: ProfileInput) -> IpcResult<Profile> {
    let core = &state.core;
    let ca_cert_pem = match input.ca_certificate {
        CaCertificateChoice::Keep => match &input.id {
            Some(id) => core.profile(id)?.ca_cert_pem,
            None => None,
        },
        CaCertificateChoice::Remove => None,
        CaCertificateChoice::Picked { handle } => Some(state.take_certificate(&handle)?.pem),
    };
    let draft = ProfileDraft {
        id: input.id,
        name: input.name,
        base_url: input.base_url,
        domain: input.domain,
        ca_cert_pem,
        post_for_updates: input.post_for_updates,
        own_address: input.own_address,
    };
    let saved = core.save_profile(draft)?;
    Ok(Profile::one(core, saved).await)
}

/// Removes the profile and deletes its token from the keychain.
#[tauri::command]
#[specta::specta]
pub async fn profile_remove(state: State<'_, AppState>, id: String) -> IpcResult<()> {
    Ok(state.core.remove_profile(&id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn profile_set_active(state: State<'_, AppState>, id: String) -> IpcResult<Profile> {
    let profile = state.core.set_active(&id)?;
    Ok(Profile::one(&state.core, profile).await)
}

/// Opens the OS file dialog (Rust side), reads and checks the PEM file, and returns a handle the
/// next `profile_save` can refer to. `None` when the user cancels. No path crosses the IPC.
#[tauri::command]
#[specta::specta]
pub async fn profile_pick_ca_certificate(
    app: AppHandle,
    state: State<'_, AppState>,
) -> IpcResult<Option<PickedCertificate>> {
    let Some(path) = crate::dialog::pick_file(
        &app,
        "Trusted CA certificate (PEM)",
        Some(("PEM certificate", &["pem", "crt", "cer"])),
    )
    .await?
    else {
        return Ok(None);
    };
    let pem = tokio::task::spawn_blocking(move || crate::certificate::read_pem_file(&path))
        .await
        .map_err(|_| IpcError::internal("Reading the certificate failed."))??;
    Ok(Some(state.hold_certificate(pem)))
}
