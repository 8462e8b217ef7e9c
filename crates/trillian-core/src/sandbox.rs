//! Sandbox mode: the embedded reference server on 127.0.0.1 with the demo domain, its database
//! in the data folder (kept between runs), opened as the "sandbox" profile.

use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::{Core, Token};

/// A running sandbox, held by [`Core`].
pub(crate) struct Running {
    token: Token,
}

impl Core {
    /// Starts the embedded sandbox (or returns its profile when already running), creates or
    /// updates the sandbox profile, and makes it active.
    pub async fn start_sandbox(&self) -> Result<Profile> {
        Err(Error::Sandbox("not implemented yet".into()))
    }

    /// Restores the sandbox's demo data.
    pub async fn reset_sandbox(&self) -> Result<()> {
        Err(Error::SandboxNotRunning)
    }

    /// Stops the sandbox if it runs.
    pub async fn stop_sandbox(&self) -> Result<()> {
        self.inner.sandbox.lock().await.take();
        Ok(())
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
