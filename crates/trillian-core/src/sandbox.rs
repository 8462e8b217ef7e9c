//! Sandbox mode: the embedded reference server on 127.0.0.1 (a free port) with the demo domain,
//! its database in the data folder (kept between runs), opened as the "sandbox" profile.
//!
//! The sandbox's administrator token comes from the running sandbox and is held in memory
//! only: we never write it (the sandbox's own database, being the server, holds its tokens).

use trillian_sandbox::{Config, Sandbox};

use crate::error::{Error, Result};
use crate::profile::{Profile, ProfileKind, SANDBOX_PROFILE_ID};
use crate::{Core, JournalOutcome, Token};

/// The demo domain the sandbox serves.
pub const SANDBOX_DOMAIN: &str = "example.com";

/// The sandbox's database, inside the data folder.
pub const SANDBOX_DB_FILE: &str = "sandbox.sqlite3";

/// A running sandbox, held by [`Core`].
pub(crate) struct Running {
    sandbox: Sandbox,
    token: Token,
}

impl Core {
    /// Starts the embedded sandbox (or uses the running one), creates or updates the sandbox
    /// profile (its URL changes with the port), and makes it active.
    pub async fn start_sandbox(&self) -> Result<Profile> {
        let result = async {
            let profile = self.ensure_sandbox().await?;
            self.store().set_active(&profile.id)
        }
        .await;
        self.inner.journal.record(
            Some(SANDBOX_PROFILE_ID),
            "sandbox.start",
            SANDBOX_DOMAIN,
            JournalOutcome::of(&result),
        );
        result
    }

    /// The sandbox profile and its token, starting the sandbox if it is not running (using the
    /// sandbox profile after a restart of the app just works).
    pub(crate) async fn sandbox_credentials(&self) -> Result<(Profile, Token)> {
        let profile = self.ensure_sandbox().await?;
        let token = self.sandbox_token().await.ok_or(Error::SandboxNotRunning)?;
        Ok((profile, token))
    }

    /// Starts the sandbox if needed, and writes the sandbox profile with this run's URL.
    async fn ensure_sandbox(&self) -> Result<Profile> {
        let mut slot = self.inner.sandbox.lock().await;
        let started = slot.is_none();
        if started {
            let db = self.inner.paths.data_dir.join(SANDBOX_DB_FILE);
            let config = Config::new(SANDBOX_DOMAIN).db_path(db).demo(true);
            let sandbox = Sandbox::start(config)
                .await
                .map_err(|e| Error::Sandbox(format!("could not start: {e}")))?;
            let token = sandbox.admin_token(SANDBOX_DOMAIN);
            if token.is_empty() {
                sandbox.shutdown().await;
                return Err(Error::Sandbox("it has no administrator token".into()));
            }
            *slot = Some(Running {
                sandbox,
                token: Token::new(token),
            });
        }
        let url = slot
            .as_ref()
            .map(|r| r.sandbox.url().to_owned())
            .ok_or_else(|| Error::Internal("sandbox vanished while starting".into()))?;
        let profile = Profile {
            id: SANDBOX_PROFILE_ID.to_owned(),
            name: "Sandbox (demo data)".to_owned(),
            base_url: url,
            domain: SANDBOX_DOMAIN.to_owned(),
            ca_cert_pem: None,
            post_for_updates: false,
            own_address: None,
            kind: ProfileKind::Sandbox,
        };
        {
            let mut store = self.store();
            match store.get(SANDBOX_PROFILE_ID) {
                Some(existing) if existing.kind != ProfileKind::Sandbox => {
                    return Err(Error::invalid(
                        "profile",
                        "a server profile uses the id \"sandbox\"; remove it first",
                    ));
                }
                Some(existing) if *existing == profile => {}
                _ => store.upsert(profile.clone())?,
            }
        }
        if started {
            self.forget_client(SANDBOX_PROFILE_ID);
        }
        drop(slot);
        Ok(profile)
    }

    /// Restores the sandbox's demo data (administrator tokens survive); starts it if needed.
    pub async fn reset_sandbox(&self) -> Result<()> {
        let result = async {
            self.ensure_sandbox().await?;
            let slot = self.inner.sandbox.lock().await;
            let running = slot.as_ref().ok_or(Error::SandboxNotRunning)?;
            running
                .sandbox
                .reset_demo(SANDBOX_DOMAIN)
                .await
                .map_err(|e| Error::Sandbox(format!("could not reset the demo data: {e}")))
        }
        .await;
        self.inner.journal.record(
            Some(SANDBOX_PROFILE_ID),
            "sandbox.reset",
            SANDBOX_DOMAIN,
            JournalOutcome::of(&result),
        );
        result
    }

    /// Stops the sandbox if it runs (requests in flight finish). The profile stays.
    pub async fn stop_sandbox(&self) -> Result<()> {
        let running = self.inner.sandbox.lock().await.take();
        if let Some(running) = running {
            running.sandbox.shutdown().await;
            self.forget_client(SANDBOX_PROFILE_ID);
        }
        Ok(())
    }

    /// Whether the embedded sandbox is running.
    pub async fn sandbox_running(&self) -> bool {
        self.inner.sandbox.lock().await.is_some()
    }

    /// The running sandbox's admin token.
    pub(crate) async fn sandbox_token(&self) -> Option<Token> {
        self.inner
            .sandbox
            .lock()
            .await
            .as_ref()
            .map(|r| r.token.clone())
    }
}
