//! What the Trillian Server Admin app does, without Tauri: server profiles, tokens in the OS
//! keychain, connection tests, the embedded sandbox mode, the dashboard, first-cut lists, long
//! jobs with progress and cancel, and a local journal of admin actions.
//!
//! [`Core`] is the one entry point (cheap to clone). The desktop shell and the CLI call it;
//! it reads the active profile, fetches the token from the keychain, calls `trillian-api`,
//! and returns plain, serialisable data or an [`Error`] with a [`ErrorCode`].
//!
//! Tokens flow in only: [`Core::set_token`] takes one, nothing public hands one back.

mod connection;
mod dashboard;
pub mod error;
pub mod group;
pub mod groupchat;
pub mod job;
pub mod journal;
pub mod keychain;
pub mod media;
pub mod message;
pub mod policy;
pub mod presence;
pub mod profile;
mod sandbox;
pub mod user;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use connection::{ConnectionReport, Counts};
pub use dashboard::{Dashboard, PlatformCount, StatusCount};
pub use error::{Error, ErrorCode, Result};
pub use journal::{JournalEntry, JournalOutcome};
pub use keychain::{Keychain, KeychainStatus, StoreKind};
pub use profile::{Profile, ProfileDraft, ProfileKind};
pub use sandbox::SANDBOX_DOMAIN;

/// The token type, re-exported from `trillian-api`: `Debug`/`Display` print `<redacted>`.
pub use trillian_api::Token;
/// The model types the lists return, re-exported from `trillian-api`.
pub use trillian_api::model;

use profile::ProfileStore;
use trillian_api as api;

/// Where the app keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Profiles (`profiles.json`).
    pub config_dir: PathBuf,
    /// The journal and the sandbox's database.
    pub data_dir: PathBuf,
}

impl Paths {
    /// The OS's folders for this app (on Linux `~/.config/trillian-server-admin` and
    /// `~/.local/share/trillian-server-admin`, honouring `XDG_*`). Shared by the app and the CLI.
    pub fn from_os() -> Result<Paths> {
        let dirs = directories::ProjectDirs::from("im", "Trillian", "trillian-server-admin")
            .ok_or_else(|| Error::Internal("no home folder to keep settings in".into()))?;
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }
}

/// The app's state and operations. Cheap to clone (an `Arc` inside); clones share everything.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    paths: Paths,
    keychain: Keychain,
    profiles: Mutex<ProfileStore>,
    /// API clients by profile id, built on first use; dropped when the profile or token changes.
    clients: Mutex<HashMap<String, api::Client>>,
    sandbox: tokio::sync::Mutex<Option<sandbox::Running>>,
    journal: journal::Journal,
    /// User lists in memory, by profile id (the users screen pages through them).
    users: user::UserCache,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("paths", &self.inner.paths)
            .field("keychain", &self.inner.keychain)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Loads the profiles from `paths.config_dir` (creating the folders) and keeps `keychain`.
    pub fn new(paths: Paths, keychain: Keychain) -> Result<Core> {
        std::fs::create_dir_all(&paths.data_dir)
            .map_err(|e| Error::io(format!("creating {}", paths.data_dir.display()), e))?;
        let profiles = ProfileStore::load(&paths.config_dir)?;
        let journal = journal::Journal::new(&paths.data_dir);
        Ok(Core {
            inner: Arc::new(Inner {
                paths,
                keychain,
                profiles: Mutex::new(profiles),
                clients: Mutex::new(HashMap::new()),
                sandbox: tokio::sync::Mutex::new(None),
                journal,
                users: user::UserCache::default(),
            }),
        })
    }

    /// The folders in use.
    pub fn paths(&self) -> &Paths {
        &self.inner.paths
    }

    // ----- profiles -----

    /// Every saved profile.
    pub fn profiles(&self) -> Vec<Profile> {
        self.store().list()
    }

    /// One profile.
    pub fn profile(&self, id: &str) -> Result<Profile> {
        self.store()
            .get(id)
            .cloned()
            .ok_or_else(|| Error::ProfileNotFound(id.to_owned()))
    }

    /// Adds (`draft.id == None`) or updates (by id) a server profile, after validating it:
    /// `https://`, or `http://` only for a loopback host; a non-empty domain; a PEM CA if any.
    /// The sandbox profile cannot be edited here (it is managed by [`Core::start_sandbox`]).
    pub fn save_profile(&self, draft: ProfileDraft) -> Result<Profile> {
        let result = self.save_profile_inner(&draft);
        let target = match &result {
            Ok(p) => p.id.clone(),
            Err(_) => draft.id.clone().unwrap_or_default(),
        };
        self.inner.journal.record(
            Some(&target),
            "profile.save",
            &target,
            JournalOutcome::of(&result),
        );
        result
    }

    fn save_profile_inner(&self, draft: &ProfileDraft) -> Result<Profile> {
        let (name, base_url, domain, ca_cert_pem) = profile::validate(draft)?;
        let own_address = profile::validate_own_address(draft.own_address.as_deref(), &domain)?;
        let mut store = self.store();
        let id = match &draft.id {
            Some(id) => {
                let existing = store
                    .get(id)
                    .ok_or_else(|| Error::ProfileNotFound(id.clone()))?;
                if existing.kind == ProfileKind::Sandbox {
                    return Err(Error::invalid(
                        "profile",
                        "the sandbox profile is managed by sandbox mode",
                    ));
                }
                id.clone()
            }
            None => profile::new_id(|candidate| store.get(candidate).is_some()),
        };
        let saved = Profile {
            id: id.clone(),
            name,
            base_url,
            domain,
            ca_cert_pem,
            post_for_updates: draft.post_for_updates,
            own_address,
            kind: ProfileKind::Server,
        };
        store.upsert(saved.clone())?;
        drop(store);
        self.forget_client(&id);
        Ok(saved)
    }

    /// Removes a profile and deletes its keychain entry. If the keychain cannot be reached the
    /// profile is still removed and the keychain error is returned (the entry may remain; the
    /// message says so).
    pub async fn remove_profile(&self, id: &str) -> Result<()> {
        let result = self.remove_profile_inner(id).await;
        self.inner
            .journal
            .record(Some(id), "profile.remove", id, JournalOutcome::of(&result));
        result
    }

    async fn remove_profile_inner(&self, id: &str) -> Result<()> {
        let removed = self.store().remove(id)?;
        self.forget_client(id);
        if removed.kind == ProfileKind::Sandbox {
            // The sandbox's token is never in the keychain; stop the sandbox if it runs.
            let _ = self.stop_sandbox().await;
        }
        self.inner.keychain.delete(id).await
    }

    /// The active profile, if any.
    pub fn active_profile(&self) -> Option<Profile> {
        self.store().active().cloned()
    }

    /// Makes `id` the active profile (persisted).
    pub fn set_active(&self, id: &str) -> Result<Profile> {
        self.store().set_active(id)
    }

    // ----- tokens -----

    /// Where tokens are kept, or why they cannot be (with a fix hint).
    pub async fn keychain_status(&self) -> KeychainStatus {
        self.inner.keychain.status().await
    }

    /// Stores (or replaces) the token of a profile in the keychain.
    pub async fn set_token(&self, profile_id: &str, token: Token) -> Result<()> {
        let result = async {
            let profile = self.profile(profile_id)?;
            if profile.kind == ProfileKind::Sandbox {
                return Err(Error::invalid(
                    "token",
                    "the sandbox profile's token comes from the running sandbox",
                ));
            }
            if token.expose().trim().is_empty() {
                return Err(Error::invalid("token", "the token is empty"));
            }
            self.inner.keychain.set(profile_id, &token).await?;
            self.forget_client(profile_id);
            Ok(())
        }
        .await;
        self.inner.journal.record(
            Some(profile_id),
            "token.set",
            profile_id,
            JournalOutcome::of(&result),
        );
        result
    }

    /// Whether a token is available for the profile (always, for the sandbox profile).
    pub async fn has_token(&self, profile_id: &str) -> Result<bool> {
        let profile = self.profile(profile_id)?;
        if profile.kind == ProfileKind::Sandbox {
            // The sandbox's token comes from the sandbox, started on demand.
            return Ok(true);
        }
        self.inner.keychain.has(profile_id).await
    }

    /// Deletes the profile's token from the keychain (log out).
    pub async fn clear_token(&self, profile_id: &str) -> Result<()> {
        let result = async {
            self.profile(profile_id)?;
            self.forget_client(profile_id);
            self.inner.keychain.delete(profile_id).await
        }
        .await;
        self.inner.journal.record(
            Some(profile_id),
            "token.clear",
            profile_id,
            JournalOutcome::of(&result),
        );
        result
    }

    /// From now on keep tokens in memory only (forgotten on exit).
    pub fn use_session_only(&self) {
        self.inner.keychain.use_session_only();
        self.inner
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    // ----- journal -----

    /// The newest `limit` journal entries, newest first.
    pub fn journal(&self, limit: usize) -> Result<Vec<JournalEntry>> {
        self.inner.journal.read(limit)
    }

    /// Appends an entry to the journal (for operations built on top of this crate).
    pub fn record(
        &self,
        profile: Option<&str>,
        action: &str,
        target: &str,
        outcome: JournalOutcome,
    ) {
        self.inner.journal.record(profile, action, target, outcome);
    }

    // ----- internals shared by the modules -----

    /// The profiles, re-read first if another process (the CLI, a second window) changed them.
    fn store(&self) -> std::sync::MutexGuard<'_, ProfileStore> {
        let mut store = self
            .inner
            .profiles
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        store.sync();
        store
    }

    fn forget_client(&self, profile_id: &str) {
        self.inner
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(profile_id);
        self.inner.users.forget(profile_id);
    }

    /// The active profile or [`Error::NoActiveProfile`].
    fn require_active(&self) -> Result<Profile> {
        self.active_profile().ok_or(Error::NoActiveProfile)
    }

    /// An API client for `profile`, with its token (from the running sandbox or the keychain).
    async fn client_for(&self, profile: &Profile) -> Result<api::Client> {
        if let Some(client) = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&profile.id)
        {
            return Ok(client.clone());
        }
        let (profile, token) = self.credentials(profile).await?;
        let client = build_client(&profile, token)?;
        self.inner
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(profile.id.clone(), client.clone());
        Ok(client)
    }

    /// The profile as it is now and its token: from the keychain, or for the sandbox profile
    /// from the sandbox (started on demand; its URL changes with each start).
    async fn credentials(&self, profile: &Profile) -> Result<(Profile, Token)> {
        match profile.kind {
            ProfileKind::Sandbox => self.sandbox_credentials().await,
            ProfileKind::Server => {
                let token = self
                    .inner
                    .keychain
                    .get(&profile.id)
                    .await?
                    .ok_or_else(|| Error::NoToken(profile.id.clone()))?;
                Ok((profile.clone(), token))
            }
        }
    }

    /// An API client for a saved profile, for operations this crate does not wrap (yet): the
    /// CLI's commands, new screens. The token is inside and cannot be read back out. Cached
    /// per profile; rebuilt when the profile or its token changes.
    pub async fn client(&self, profile_id: &str) -> Result<api::Client> {
        let profile = self.profile(profile_id)?;
        self.client_for(&profile).await
    }

    /// A fresh (uncached) client for a saved profile, adjusted by `adjust` (timeouts, retries).
    pub async fn client_with(
        &self,
        profile_id: &str,
        adjust: impl FnOnce(api::ClientBuilder) -> api::ClientBuilder,
    ) -> Result<api::Client> {
        let profile = self.profile(profile_id)?;
        let (profile, token) = self.credentials(&profile).await?;
        Ok(adjust(client_builder(&profile, token)).build()?)
    }

    /// An API client for the active profile (see [`Core::client`]).
    pub async fn active_client(&self) -> Result<api::Client> {
        let profile = self.require_active()?;
        self.client_for(&profile).await
    }
}

/// A client for `profile` with `token`: its base URL, domain, trusted CA and POST setting.
pub(crate) fn build_client(profile: &Profile, token: Token) -> Result<api::Client> {
    client_builder(profile, token).build().map_err(Error::from)
}

pub(crate) fn client_builder(profile: &Profile, token: Token) -> api::ClientBuilder {
    let mut builder = api::Client::builder(&profile.base_url, &profile.domain, token)
        .post_for_updates(profile.post_for_updates)
        .user_agent(concat!("trillian-server-admin/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = &profile.ca_cert_pem {
        builder = builder.add_trusted_ca_pem(pem.as_bytes().to_vec());
    }
    builder
}
