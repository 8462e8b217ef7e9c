//! What a command runs with: the output printer, the profiles (through trillian-core) and an API
//! client for the chosen server.

use std::sync::Mutex;
use std::time::Duration;

use trillian_api::{Client, ClientBuilder};
use trillian_core::{Core, JournalOutcome, Keychain, Paths, Profile};

use crate::cli::Global;
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret;

pub struct Context {
    pub global: Global,
    pub printer: Printer,
    /// The profile a client was lent for, to journal the command's action under it.
    used_profile: Mutex<Option<(Core, String)>>,
}

impl Context {
    pub fn new(global: Global) -> Self {
        let printer = Printer::new(global.output);
        Self {
            global,
            printer,
            used_profile: Mutex::new(None),
        }
    }

    /// Adds the command's action to the app's local journal of admin actions, when it went
    /// through a saved profile (one-off use has no profile and no journal).
    pub fn journal(&self, action: &str, target: &str, result: &Result<()>) {
        let used = self
            .used_profile
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((core, profile_id)) = used {
            let outcome = match result {
                Ok(()) => JournalOutcome::Ok,
                Err(e) => JournalOutcome::Failed {
                    code: e.code(),
                    message: e.to_string(),
                },
            };
            core.record(Some(&profile_id), action, target, outcome);
        }
    }

    /// The profiles and keychain shared with the desktop app.
    pub fn core(&self) -> Result<Core> {
        let paths = Paths::from_os()?;
        Ok(Core::new(paths, Keychain::secret_service())?)
    }

    /// The profile named `name_or_id` (by name first, then by id).
    pub fn find_profile(core: &Core, name_or_id: &str) -> Result<Profile> {
        let profiles = core.profiles();
        profiles
            .iter()
            .find(|p| p.name == name_or_id)
            .or_else(|| profiles.iter().find(|p| p.id == name_or_id))
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
                Error::Usage(if names.is_empty() {
                    format!("no profile named {name_or_id:?}: add one with `trillian profile add`")
                } else {
                    format!(
                        "no profile named {name_or_id:?} (profiles: {})",
                        names.join(", ")
                    )
                })
            })
    }

    /// An API client: one-off (`--url`, `--domain`, `TRILLIAN_TOKEN`) when `--url` is given,
    /// else for `--profile` or the active profile, with the token from the keychain.
    pub async fn client(&self) -> Result<Client> {
        if let (Some(url), Some(domain)) = (&self.global.url, &self.global.domain) {
            let token = secret::from_env().ok_or_else(|| {
                Error::NoToken(format!(
                    "--url needs a token in the {} environment variable (or use a profile)",
                    secret::TOKEN_ENV
                ))
            })?;
            return one_off_client(url, domain, token, self.global.timeout);
        }
        let core = self.core()?;
        let profile = match &self.global.profile {
            Some(name) => Self::find_profile(&core, name)?,
            None => core.active_profile().ok_or_else(|| {
                Error::Usage(
                    "no active profile: pass --profile NAME, run `trillian profile use NAME`, or \
                     give --url and --domain with the token in TRILLIAN_TOKEN"
                        .to_owned(),
                )
            })?,
        };
        let client = profile_client(&core, &profile, self.global.timeout).await?;
        *self.used_profile.lock().unwrap_or_else(|p| p.into_inner()) = Some((core, profile.id));
        Ok(client)
    }
}

fn one_off_client(url: &str, domain: &str, token: String, timeout: Option<u64>) -> Result<Client> {
    let token = trillian_api::Token::new(token);
    let builder = Client::builder(url, domain, token)
        .user_agent(concat!("trillian-cli/", env!("CARGO_PKG_VERSION")));
    Ok(with_timeout(builder, timeout).build()?)
}

/// `--timeout`: one limit for connecting, each read and the whole answer.
fn with_timeout(builder: ClientBuilder, timeout: Option<u64>) -> ClientBuilder {
    match timeout {
        Some(seconds) => {
            let limit = Duration::from_secs(seconds);
            builder
                .connect_timeout(limit)
                .read_timeout(limit)
                .request_timeout(limit)
        }
        None => builder,
    }
}

/// A client for a saved profile, lent by trillian-core: the token stays inside it.
async fn profile_client(core: &Core, profile: &Profile, timeout: Option<u64>) -> Result<Client> {
    Ok(match timeout {
        Some(_) => {
            core.client_with(&profile.id, |b| with_timeout(b, timeout))
                .await?
        }
        None => core.client(&profile.id).await?,
    })
}
