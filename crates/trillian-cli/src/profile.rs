//! `trillian profile …`: server profiles shared with the desktop app; tokens in the OS keychain.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use trillian_core::{ConnectionReport, Core, Counts, Profile, ProfileDraft, ProfileKind, Token};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{Outcome, Record};
use crate::secret::{self, Source};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add a profile (`--url URL --domain DOMAIN`) and store its token in the OS keychain, asked
    /// for without echo or read with --token-stdin.
    Add(AddArgs),
    /// List the profiles.
    List,
    /// Remove a profile and its stored token.
    Remove {
        /// The profile's name (or id).
        name: String,
    },
    /// Test a profile as the app's "Test connection" does: reach the server with the stored
    /// token and count the domain's users, groups, policies and group chats.
    Test {
        /// The profile's name (or id).
        name: String,
    },
    /// Make a profile the active one (for the app and for commands without --profile).
    Use {
        /// The profile's name (or id).
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name for the profile.
    pub name: String,
    /// Read the token from standard input instead of a prompt.
    #[arg(long)]
    pub token_stdin: bool,
    /// A CA certificate (PEM) to trust for this server.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Send updates as POST instead of PATCH.
    #[arg(long)]
    pub post_for_updates: bool,
    /// Your own IM address in this domain, if you have one: the app never deletes or disables it.
    #[arg(long, value_name = "IM")]
    pub own_address: Option<String>,
    /// Also make it the active profile.
    #[arg(long = "use")]
    pub activate: bool,
}

/// A profile as printed. Never the token: only whether one is stored.
#[derive(Debug, Serialize)]
pub struct ProfileView {
    pub name: String,
    pub id: String,
    pub url: String,
    pub domain: String,
    pub active: bool,
    pub token_stored: bool,
    pub post_for_updates: bool,
    /// The administrator's own IM address, never deleted or disabled by the app.
    pub own_address: Option<String>,
    /// `server` or `sandbox`.
    pub kind: &'static str,
}

impl ProfileView {
    async fn of(core: &Core, p: &Profile, active: Option<&str>) -> Self {
        Self {
            name: p.name.clone(),
            id: p.id.clone(),
            url: p.base_url.clone(),
            domain: p.domain.clone(),
            active: active == Some(p.id.as_str()),
            token_stored: core.has_token(&p.id).await.unwrap_or(false),
            post_for_updates: p.post_for_updates,
            own_address: p.own_address.clone(),
            kind: match p.kind {
                ProfileKind::Server => "server",
                ProfileKind::Sandbox => "sandbox",
            },
        }
    }
}

impl Record for ProfileView {
    const COLUMNS: &'static [&'static str] = &["name", "url", "domain", "active", "token_stored"];
    fn cells(&self) -> Vec<String> {
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        vec![
            self.name.clone(),
            self.url.clone(),
            self.domain.clone(),
            yes_no(self.active),
            yes_no(self.token_stored),
        ]
    }
}

pub async fn run(cmd: Command, ctx: &Context) -> Result<()> {
    let core = ctx.core()?;
    let out = &ctx.printer;
    match cmd {
        Command::Add(args) => {
            let (Some(url), Some(domain)) = (&ctx.global.url, &ctx.global.domain) else {
                return Err(Error::Usage(
                    "profile add needs --url URL and --domain DOMAIN".to_owned(),
                ));
            };
            if core.profiles().iter().any(|p| p.name == args.name) {
                return Err(Error::Usage(format!(
                    "a profile named {:?} exists: remove it first, or pick another name",
                    args.name
                )));
            }
            let ca_cert_pem = match &args.ca_cert {
                Some(path) => Some(crate::media::read_text(path).await?),
                None => None,
            };
            // Read the token before saving anything, so that a failed prompt leaves no profile.
            let token = Token::new(secret::read(Source::from_flag(args.token_stdin), "token")?);
            let draft = ProfileDraft {
                id: None,
                name: args.name,
                base_url: url.clone(),
                domain: domain.clone(),
                ca_cert_pem,
                post_for_updates: args.post_for_updates,
                own_address: args.own_address,
            };
            let profile = core.save_profile(draft)?;
            if let Err(e) = core.set_token(&profile.id, token).await {
                // No profile without its token: undo, and report the keychain's reason.
                let _ = core.remove_profile(&profile.id).await;
                return Err(e.into());
            }
            if args.activate {
                core.set_active(&profile.id)?;
            }
            let active = core.active_profile().map(|p| p.id);
            out.one(&ProfileView::of(&core, &profile, active.as_deref()).await)
        }
        Command::List => {
            let active = core.active_profile().map(|p| p.id);
            let mut views = Vec::new();
            for p in core.profiles() {
                views.push(ProfileView::of(&core, &p, active.as_deref()).await);
            }
            out.list(&views)
        }
        Command::Remove { name } => {
            let profile = Context::find_profile(&core, &name)?;
            core.remove_profile(&profile.id).await?;
            out.done(&Outcome::ok(format!(
                "removed profile {} and its token",
                profile.name
            )))
        }
        Command::Test { name } => {
            let profile = Context::find_profile(&core, &name)?;
            let report = core.test_connection(&profile.id).await?;
            let view = TestView::new(&profile, &report);
            out.one(&view)?;
            match view.exit_code() {
                0 => Ok(()),
                exit => Err(Error::Check {
                    exit,
                    message: format!("{}: {}", view.result, view.reason),
                }),
            }
        }
        Command::Use { name } => {
            let profile = Context::find_profile(&core, &name)?;
            core.set_active(&profile.id)?;
            out.done(&Outcome::ok(format!(
                "{} is now the active profile",
                profile.name
            )))
        }
    }
}

/// The result of `profile test` as printed.
#[derive(Debug, Serialize)]
pub struct TestView {
    pub profile: String,
    /// `ok`, `unreachable`, `tls`, `wrong_token`, `wrong_domain`, `no_token` or `failed`.
    pub result: &'static str,
    pub reason: String,
    /// The domain's counts when the result is `ok`.
    pub counts: Option<CountsView>,
}

/// The domain's counts as printed.
#[derive(Debug, Serialize)]
pub struct CountsView {
    pub users: usize,
    pub groups: usize,
    pub policies: usize,
    pub groupchats: usize,
    pub online: usize,
}

impl From<&Counts> for CountsView {
    fn from(c: &Counts) -> Self {
        Self {
            users: c.users,
            groups: c.groups,
            policies: c.policies,
            groupchats: c.groupchats,
            online: c.online,
        }
    }
}

impl TestView {
    fn new(profile: &Profile, report: &ConnectionReport) -> Self {
        let (result, reason, counts) = match report {
            ConnectionReport::Ok { counts } => {
                ("ok", String::new(), Some(CountsView::from(counts)))
            }
            ConnectionReport::Unreachable { reason } => ("unreachable", reason.clone(), None),
            ConnectionReport::Tls { reason } => ("tls", reason.clone(), None),
            ConnectionReport::WrongToken { reason } => ("wrong_token", reason.clone(), None),
            ConnectionReport::WrongDomain { reason } => ("wrong_domain", reason.clone(), None),
            ConnectionReport::NoToken => ("no_token", "no token is stored".to_owned(), None),
            ConnectionReport::Failed { reason, .. } => ("failed", reason.clone(), None),
        };
        Self {
            profile: profile.name.clone(),
            result,
            reason,
            counts,
        }
    }

    fn exit_code(&self) -> u8 {
        match self.result {
            "ok" => 0,
            "unreachable" | "tls" => crate::EXIT_NETWORK,
            "wrong_token" | "wrong_domain" | "no_token" => crate::EXIT_AUTH,
            _ => crate::EXIT_API,
        }
    }
}

impl Record for TestView {
    const COLUMNS: &'static [&'static str] = &[
        "profile",
        "result",
        "reason",
        "users",
        "groups",
        "policies",
        "groupchats",
        "online",
    ];
    fn cells(&self) -> Vec<String> {
        let count = |f: fn(&CountsView) -> usize| {
            self.counts
                .as_ref()
                .map_or_else(|| "-".to_owned(), |c| f(c).to_string())
        };
        vec![
            self.profile.clone(),
            self.result.to_owned(),
            self.reason.clone(),
            count(|c| c.users),
            count(|c| c.groups),
            count(|c| c.policies),
            count(|c| c.groupchats),
            count(|c| c.online),
        ]
    }
}
