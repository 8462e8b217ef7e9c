//! What a command runs with: the output printer, the profiles (through trillian-core) and an API
//! client for the chosen server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use trillian_api::{Client, ClientBuilder, RawResponse};
use trillian_core::{Core, JournalOutcome, Keychain, Paths, Profile};

use crate::cli::Global;
use crate::error::{Error, Result};
use crate::output::{Format, Printer};
use crate::secret;

pub struct Context {
    pub global: Global,
    pub printer: Printer,
    /// The profile a client was lent for, to journal the command's action under it.
    used_profile: Mutex<Option<(Core, String)>>,
    /// With `--output xml`: every XML answer the client read, exactly as the server sent it.
    raw: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Context {
    pub fn new(global: Global) -> Self {
        let printer = Printer::new(global.output);
        Self {
            global,
            printer,
            used_profile: Mutex::new(None),
            raw: Arc::default(),
        }
    }

    /// The XML answers collected for `--output xml` so far (taken: a second call gets the later
    /// ones only).
    pub fn raw_answers(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.raw.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The settings of this invocation on a client builder: `--timeout`, and for
    /// `--output xml` a sink collecting the server's raw XML answers.
    fn adjust(&self, builder: ClientBuilder) -> ClientBuilder {
        let builder = with_timeout(builder, self.global.timeout);
        if self.global.output != Format::Xml {
            return builder;
        }
        let raw = self.raw.clone();
        builder.raw_response_sink(move |answer: &RawResponse<'_>| {
            raw.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(answer.body.to_vec());
        })
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

    /// Refuses `im` when it is the own account of the profile the client was lent for
    /// (`profile add --own-address`), as the app does: call after [`Context::client`].
    pub fn refuse_own_account(&self, im: &str, verb: &str) -> Result<()> {
        let used = self
            .used_profile
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some((core, profile_id)) = used
            && let Ok(profile) = core.profile(&profile_id)
            && profile.is_own_address(im)
        {
            return Err(Error::Usage(format!(
                "{im} is your own account (profile {:?}): trillian never {verb} it",
                profile.name
            )));
        }
        Ok(())
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
            let token = trillian_api::Token::new(token);
            let builder = Client::builder(url, domain, token)
                .user_agent(concat!("trillian-cli/", env!("CARGO_PKG_VERSION")));
            return Ok(self.adjust(builder).build()?);
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
        let client = if self.global.timeout.is_none() && self.global.output != Format::Xml {
            core.client(&profile.id).await?
        } else {
            core.client_with(&profile.id, |b| self.adjust(b)).await?
        };
        *self.used_profile.lock().unwrap_or_else(|p| p.into_inner()) = Some((core, profile.id));
        Ok(client)
    }
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
