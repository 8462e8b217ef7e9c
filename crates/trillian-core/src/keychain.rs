//! The OS keychain, where tokens live: the Secret Service (GNOME Keyring, KWallet, KeePassXC)
//! through libdbus, the kernel keyutils store as an explicit fallback, or memory only
//! ("session-only", forgotten on exit).
//!
//! Every store call runs on a blocking thread (`spawn_blocking`) under a timeout: a Secret
//! Service that hangs (a stuck prompt, a dead daemon) yields [`Error::Keychain`] after the
//! timeout instead of freezing the caller, and other commands keep working. The store is opened
//! lazily, on the first call, so building a [`Keychain`] never blocks.
//!
//! Entries: service [`SERVICE`] (configurable), user = the profile id, secret = the token.
//! Nothing here returns a token to a caller outside this crate.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use serde::Serialize;

use crate::Token;
use crate::error::{Error, Result};

/// The keychain service name under which tokens are stored (the user is the profile id).
pub const SERVICE: &str = "trillian-server-admin";

/// The user name of the entry [`Keychain::status`] writes and deletes to test the store.
pub const STATUS_PROBE_USER: &str = "--status-probe--";

/// How long a keychain call may take before it is reported as hung.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which store keeps the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StoreKind {
    /// The freedesktop Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC).
    SecretService,
    /// The Linux kernel key store (keyutils): survives the app, not a reboot.
    Keyutils,
    /// Memory only: forgotten when the app exits.
    SessionOnly,
}

impl StoreKind {
    fn describe(self) -> &'static str {
        match self {
            StoreKind::SecretService => "the system keyring (Secret Service)",
            StoreKind::Keyutils => "the kernel key store (keyutils; forgotten at reboot)",
            StoreKind::SessionOnly => "memory only (forgotten when the app exits)",
        }
    }
}

/// Where tokens are kept, or why they cannot be; what the keychain status line shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum KeychainStatus {
    /// Tokens can be stored.
    #[serde(rename_all = "camelCase")]
    Available {
        /// Which store.
        store: StoreKind,
        /// For people: where tokens are kept.
        description: String,
        /// Whether tokens survive the app's exit.
        persistent: bool,
    },
    /// Tokens cannot be stored; `hint` says how to fix it (session-only mode always works).
    #[serde(rename_all = "camelCase")]
    Unavailable {
        /// Which store was tried.
        store: StoreKind,
        /// Why it failed.
        reason: String,
        /// What the user can do.
        hint: String,
    },
}

/// Handle on the token store. Cheap to clone; clones share the store and the session memory.
#[derive(Clone)]
pub struct Keychain {
    inner: Arc<Inner>,
}

struct Inner {
    service: String,
    timeout: Duration,
    kind: RwLock<StoreKind>,
    store: Mutex<Option<Arc<CredentialStore>>>,
    session: Mutex<HashMap<String, Token>>,
    /// Store calls that timed out and have not returned yet. While one is stuck, new calls fail
    /// at once instead of each waiting out the timeout (the Secret Service store serialises its
    /// calls, so they would queue behind the stuck one anyway).
    stuck: AtomicUsize,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("service", &self.inner.service)
            .field("kind", &self.kind())
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Keychain {
    /// The Secret Service store (what desktop users have). Nothing is contacted yet.
    pub fn secret_service() -> Self {
        Self::with_options(StoreKind::SecretService, SERVICE, DEFAULT_TIMEOUT)
    }

    /// The kernel keyutils store: an explicit fallback for machines without a Secret Service.
    pub fn keyutils() -> Self {
        Self::with_options(StoreKind::Keyutils, SERVICE, DEFAULT_TIMEOUT)
    }

    /// Memory only: tokens are forgotten when the process exits.
    pub fn session_only() -> Self {
        Self::with_options(StoreKind::SessionOnly, SERVICE, DEFAULT_TIMEOUT)
    }

    /// A store of `kind` with another service name (tests, a second installation) and timeout.
    pub fn with_options(kind: StoreKind, service: &str, timeout: Duration) -> Self {
        Keychain {
            inner: Arc::new(Inner {
                service: service.to_owned(),
                timeout,
                kind: RwLock::new(kind),
                store: Mutex::new(None),
                session: Mutex::new(HashMap::new()),
                stuck: AtomicUsize::new(0),
            }),
        }
    }

    /// The store in use.
    pub fn kind(&self) -> StoreKind {
        *self.inner.kind.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The keychain service name.
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// Switches to memory-only storage from now on (for this handle and its clones). Tokens
    /// already in the OS store stay there and are no longer read.
    pub fn use_session_only(&self) {
        *self.inner.kind.write().unwrap_or_else(|p| p.into_inner()) = StoreKind::SessionOnly;
    }

    /// Where tokens are kept, or why they cannot be, found by actually writing (and deleting)
    /// a probe entry in the store.
    pub async fn status(&self) -> KeychainStatus {
        let kind = self.kind();
        if kind == StoreKind::SessionOnly {
            return KeychainStatus::Available {
                store: kind,
                description: kind.describe().to_owned(),
                persistent: false,
            };
        }
        // Write and delete a probe entry: a read of a missing entry succeeds even on a locked
        // keyring, a write does not (on a desktop it raises the unlock prompt now, before the
        // user types a token; headless it fails or times out).
        let probe = self
            .blocking(|store, service| {
                let entry = Entry::new_in_store(store, service, STATUS_PROBE_USER)?;
                entry.set_password("probe")?;
                match entry.delete_credential() {
                    Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                    Err(e) => Err(e),
                }
            })
            .await;
        match probe {
            Ok(()) => KeychainStatus::Available {
                store: kind,
                description: kind.describe().to_owned(),
                persistent: true,
            },
            Err(Error::Keychain { reason, hint }) => KeychainStatus::Unavailable {
                store: kind,
                reason,
                hint,
            },
            Err(other) => KeychainStatus::Unavailable {
                store: kind,
                reason: other.to_string(),
                hint: SESSION_HINT.to_owned(),
            },
        }
    }

    /// Stores (or replaces) the token of `profile_id`.
    pub async fn set(&self, profile_id: &str, token: &Token) -> Result<()> {
        check_id(profile_id)?;
        if self.kind() == StoreKind::SessionOnly {
            self.session().insert(profile_id.to_owned(), token.clone());
            return Ok(());
        }
        let user = profile_id.to_owned();
        let secret = token.clone();
        self.blocking(move |store, service| {
            let entry = Entry::new_in_store(store, service, &user)?;
            match entry.set_password(secret.expose()) {
                Err(keyring_core::Error::Ambiguous(dups)) => {
                    // Left over from another tool: remove every copy, then store one.
                    for dup in dups {
                        dup.delete_credential()?;
                    }
                    entry.set_password(secret.expose())
                }
                other => other,
            }
        })
        .await
    }

    /// Whether a token is stored for `profile_id`.
    pub async fn has(&self, profile_id: &str) -> Result<bool> {
        Ok(self.get(profile_id).await?.is_some())
    }

    /// Deletes the token of `profile_id`; no error when there was none.
    pub async fn delete(&self, profile_id: &str) -> Result<()> {
        check_id(profile_id)?;
        // Forget any session copy too, whatever the mode.
        self.session().remove(profile_id);
        if self.kind() == StoreKind::SessionOnly {
            return Ok(());
        }
        let user = profile_id.to_owned();
        self.blocking(move |store, service| {
            let entry = Entry::new_in_store(store, service, &user)?;
            match entry.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(keyring_core::Error::Ambiguous(dups)) => {
                    for dup in dups {
                        dup.delete_credential()?;
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// The token of `profile_id`, if one is stored. Crate-private: no public API hands out a
    /// token.
    pub(crate) async fn get(&self, profile_id: &str) -> Result<Option<Token>> {
        check_id(profile_id)?;
        if self.kind() == StoreKind::SessionOnly {
            return Ok(self.session().get(profile_id).cloned());
        }
        let user = profile_id.to_owned();
        self.blocking(move |store, service| {
            let entry = Entry::new_in_store(store, service, &user)?;
            match entry.get_password() {
                Ok(secret) => Ok(Some(Token::new(secret))),
                Err(keyring_core::Error::NoEntry) => Ok(None),
                Err(keyring_core::Error::Ambiguous(dups)) => match dups.first() {
                    Some(first) => first.get_password().map(|s| Some(Token::new(s))),
                    None => Ok(None),
                },
                Err(e) => Err(e),
            }
        })
        .await
    }

    fn session(&self) -> std::sync::MutexGuard<'_, HashMap<String, Token>> {
        self.inner.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `op` against the (lazily opened) OS store on a blocking thread, under the timeout.
    async fn blocking<T, F>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Arc<CredentialStore>, &str) -> keyring_core::Result<T> + Send + 'static,
    {
        let kind = self.kind();
        let hint = "it may be waiting for an unlock prompt or be stuck: unlock or restart the \
                    keyring, or use session-only mode";
        if self.inner.stuck.load(Ordering::SeqCst) > 0 {
            return Err(Error::Keychain {
                reason: format!(
                    "{} is still not answering an earlier request",
                    kind.describe()
                ),
                hint: hint.to_owned(),
            });
        }
        // 0 running, 1 returned, 2 abandoned after the timeout.
        let state = Arc::new(AtomicU8::new(0));
        let inner = Arc::clone(&self.inner);
        let task_state = Arc::clone(&state);
        let task = tokio::task::spawn_blocking(move || {
            let result = inner
                .open(kind)
                .and_then(|store| op(&store, &inner.service));
            if task_state.swap(1, Ordering::SeqCst) == 2 {
                inner.stuck.fetch_sub(1, Ordering::SeqCst);
            }
            result
        });
        match tokio::time::timeout(self.inner.timeout, task).await {
            Err(_elapsed) => {
                self.inner.stuck.fetch_add(1, Ordering::SeqCst);
                if state
                    .compare_exchange(0, 2, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    // It returned just now: nothing is stuck.
                    self.inner.stuck.fetch_sub(1, Ordering::SeqCst);
                }
                Err(Error::Keychain {
                    reason: format!(
                        "{} did not answer within {} s",
                        kind.describe(),
                        self.inner.timeout.as_secs_f32()
                    ),
                    hint: hint.to_owned(),
                })
            }
            Ok(Err(join)) => Err(Error::Internal(format!("keychain task failed: {join}"))),
            Ok(Ok(result)) => result.map_err(|e| map_error(kind, &e)),
        }
    }
}

impl Inner {
    /// The OS store, opened on first use. Not held locked while opening: a hung open must not
    /// block later calls behind a mutex (they time out on their own).
    fn open(&self, kind: StoreKind) -> keyring_core::Result<Arc<CredentialStore>> {
        if let Some(store) = self
            .store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            return Ok(Arc::clone(store));
        }
        let store: Arc<CredentialStore> = match kind {
            StoreKind::SecretService => dbus_secret_service_keyring_store::Store::new()?,
            StoreKind::Keyutils => linux_keyutils_keyring_store::Store::new()?,
            StoreKind::SessionOnly => {
                return Err(keyring_core::Error::NotSupportedByStore(
                    "session-only mode has no OS store".into(),
                ));
            }
        };
        *self.store.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::clone(&store));
        Ok(store)
    }
}

const SESSION_HINT: &str =
    "use session-only mode (the token is kept in memory until the app exits)";

/// Maps a store error to ours, with a hint. Never formats the secret bytes some variants carry.
fn map_error(kind: StoreKind, e: &keyring_core::Error) -> Error {
    use keyring_core::Error as K;
    let (reason, hint) = match e {
        K::NoStorageAccess(platform) => (
            format!("{} cannot be accessed: {platform}", kind.describe()),
            match kind {
                StoreKind::Keyutils => format!(
                    "this process has no usable session keyring (run it under `keyctl session -`), \
                     or {SESSION_HINT}"
                ),
                _ => format!(
                    "the keyring is probably locked: unlock it (e.g. with Passwords and Keys) \
                     and try again, or {SESSION_HINT}"
                ),
            },
        ),
        K::PlatformFailure(platform) => (
            format!("{} failed: {platform}", kind.describe()),
            match kind {
                StoreKind::SecretService => format!(
                    "no Secret Service answered: install and start gnome-keyring (or KWallet / \
                     KeePassXC with Secret Service enabled) in your desktop session, or \
                     {SESSION_HINT}"
                ),
                _ => SESSION_HINT.to_owned(),
            },
        ),
        K::BadEncoding(_) | K::BadDataFormat(..) => (
            "the stored token is not valid text".to_owned(),
            "set the token again".to_owned(),
        ),
        K::BadStoreFormat(why) => (format!("the store is damaged: {why}"), SESSION_HINT.into()),
        K::TooLong(what, limit) => (
            format!("{what} is longer than the store allows ({limit})"),
            "use a shorter profile id".to_owned(),
        ),
        K::Invalid(what, why) => (format!("{what} is invalid: {why}"), String::new()),
        K::Ambiguous(items) => (
            format!("{} entries match", items.len()),
            "remove duplicates with your keyring manager".to_owned(),
        ),
        K::NoEntry => ("no entry".to_owned(), "set the token again".to_owned()),
        K::NoDefaultStore | K::NotSupportedByStore(_) => (e.to_string(), SESSION_HINT.into()),
        _ => (format!("{} failed", kind.describe()), SESSION_HINT.into()),
    };
    Error::Keychain { reason, hint }
}

fn check_id(profile_id: &str) -> Result<()> {
    if profile_id.is_empty() || profile_id.len() > 200 {
        return Err(Error::invalid("profile id", "must be 1 to 200 characters"));
    }
    Ok(())
}
