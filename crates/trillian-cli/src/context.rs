//! What a command runs with: the output printer, the profiles (through trillian-core) and an API
//! client for the chosen server.

use std::time::Duration;

use trillian_api::Client;
use trillian_core::{Core, Keychain, Paths, Profile};

use crate::cli::Global;
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret;

pub struct Context {
    pub global: Global,
    pub printer: Printer,
}

impl Context {
    pub fn new(global: Global) -> Self {
        let printer = Printer::new(global.output);
        Self { global, printer }
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
        profile_client(&core, &profile).await
    }
}

fn one_off_client(url: &str, domain: &str, token: String, timeout: Option<u64>) -> Result<Client> {
    let token = trillian_api::Token::new(token);
    let mut builder = Client::builder(url, domain, token);
    if let Some(seconds) = timeout {
        let limit = Duration::from_secs(seconds);
        builder = builder
            .connect_timeout(limit)
            .read_timeout(limit)
            .request_timeout(limit);
    }
    Ok(builder.build()?)
}

/// A client for a saved profile. The token must stay inside trillian-core, which does not yet
/// hand out a client for a profile; until it does, say so (and check what can be checked).
async fn profile_client(core: &Core, profile: &Profile) -> Result<Client> {
    if !core.has_token(&profile.id).await? {
        return Err(Error::NoToken(format!(
            "no token is stored for profile {:?}: add the profile again with `trillian profile add`",
            profile.name
        )));
    }
    Err(Error::Unsupported(format!(
        "profile {:?}: trillian-core cannot yet lend a client for a saved profile; meanwhile use \
         --url {} --domain {} with the token in {}",
        profile.name,
        profile.base_url,
        profile.domain,
        secret::TOKEN_ENV
    )))
}
