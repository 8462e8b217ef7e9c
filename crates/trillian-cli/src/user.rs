//! `trillian users …`: users, their avatars, media and message history, CSV import and export.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use trillian_api::model::{NewUser, User, UserFlags, UserUpdate};

use trillian_core::user::avatar;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::media::Owner;
use crate::output::{self, Outcome, Record};
use crate::secret::{self, Source};
use crate::{media, message, roster};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List users (all, or those matching the filters).
    List(ListFilter),
    /// Show one user.
    Get {
        /// The user's IM address.
        im: String,
    },
    /// Create a user; the password is asked for without echo, or read with --password-stdin.
    Create {
        /// The new user's IM address.
        im: String,
        /// Read the password from standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        fields: Fields,
    },
    /// Change a user's fields (only those given).
    Update {
        /// The user's IM address.
        im: String,
        /// Set a new password, asked for without echo.
        #[arg(long, conflicts_with = "password_stdin")]
        password: bool,
        /// Set a new password read from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Disable the user: no sign-in, all data kept (the safe alternative to delete).
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Enable a disabled user.
        #[arg(long)]
        enable: bool,
        #[command(flatten)]
        fields: Fields,
    },
    /// Delete a user and their data.
    Delete {
        /// The user's IM address.
        im: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// A user's avatar.
    #[command(subcommand)]
    Avatar(AvatarCommand),
    /// Media owned by a user.
    #[command(subcommand)]
    Media(media::Command),
    /// A user's message history.
    #[command(subcommand)]
    Messages(message::Command),
    /// Create users from a CSV file, with one result per row.
    Import(roster::ImportArgs),
    /// Write all users as CSV.
    Export(roster::ExportArgs),
}

/// Filters of `users list`, applied to the server's full list.
#[derive(Debug, Args)]
pub struct ListFilter {
    /// Only users of this group.
    #[arg(long, value_name = "ID")]
    pub group: Option<u64>,
    /// Only disabled users.
    #[arg(long, conflicts_with = "enabled")]
    pub disabled: bool,
    /// Only enabled users.
    #[arg(long)]
    pub enabled: bool,
    /// Only users whose IM address, display name or e-mail contains TEXT (any case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
}

impl ListFilter {
    fn matches(&self, u: &User) -> bool {
        let text = self.search.as_deref().map(str::to_lowercase);
        self.group.is_none_or(|g| u.group == g)
            && (!self.disabled || u.is_disabled())
            && (!self.enabled || !u.is_disabled())
            && text.is_none_or(|t| {
                [&u.name, &u.displayname, &u.email]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&t))
            })
    }
}

/// The fields of a user; on update, only those given change.
#[derive(Debug, Args)]
pub struct Fields {
    /// E-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Name shown to contacts.
    #[arg(long)]
    pub displayname: Option<String>,
    /// Id of the user's group.
    #[arg(long, value_name = "ID")]
    pub group: Option<u64>,
    /// Id of the user's policy (0: inherit the group's).
    #[arg(long, value_name = "ID")]
    pub policy: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum AvatarCommand {
    /// Download a user's avatar to a file or standard output.
    Get {
        /// The user's IM address.
        im: String,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'f', value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Set a user's avatar from an image file.
    Set {
        /// The user's IM address.
        im: String,
        /// The image (PNG, JPEG, GIF or WebP).
        file: PathBuf,
    },
    /// Remove a user's avatar.
    Delete {
        /// The user's IM address.
        im: String,
    },
}

/// A user as printed (JSON field names are part of the CLI's contract).
#[derive(Debug, Serialize)]
pub struct UserView {
    pub im: String,
    pub displayname: String,
    pub email: String,
    pub group: u64,
    pub policy: u64,
    pub flags: u32,
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: u64,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            im: u.name.clone(),
            displayname: u.displayname.clone(),
            email: u.email.clone(),
            group: u.group,
            policy: u.policy,
            flags: u.flags.bits(),
            disabled: u.is_disabled(),
            created_at: u.created_at,
        }
    }
}

impl Record for UserView {
    const COLUMNS: &'static [&'static str] = &[
        "im",
        "displayname",
        "email",
        "group",
        "policy",
        "disabled",
        "created_at",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.im.clone(),
            self.displayname.clone(),
            self.email.clone(),
            self.group.to_string(),
            self.policy.to_string(),
            if self.disabled {
                "yes".to_owned()
            } else {
                "no".to_owned()
            },
            output::date_time(self.created_at),
        ]
    }
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something.
    pub fn journal_entry(&self) -> Option<(String, String)> {
        let entry = |action: &str, target: &str| Some((action.to_owned(), target.to_owned()));
        match self {
            Command::List(_) | Command::Get { .. } | Command::Export(_) => None,
            Command::Create { im, .. } => entry("users.create", im),
            Command::Update { im, .. } => entry("users.update", im),
            Command::Delete { im, .. } => entry("users.delete", im),
            Command::Avatar(AvatarCommand::Get { .. }) => None,
            Command::Avatar(AvatarCommand::Set { im, .. }) => entry("users.avatar.set", im),
            Command::Avatar(AvatarCommand::Delete { im }) => entry("users.avatar.delete", im),
            Command::Media(cmd) => cmd.journal_entry("users"),
            Command::Messages(cmd) => cmd.journal_entry("users"),
            Command::Import(args) if args.dry_run => None,
            Command::Import(args) => entry("users.import", &args.file.display().to_string()),
        }
    }
}

pub async fn run(cmd: Command, ctx: &Context) -> Result<()> {
    let out = &ctx.printer;
    match cmd {
        Command::List(filter) => {
            let client = ctx.client().await?;
            let users = client.users().list().await?;
            let shown: Vec<UserView> = users
                .iter()
                .filter(|u| filter.matches(u))
                .map(UserView::from)
                .collect();
            out.list(&shown)
        }
        Command::Get { im } => {
            let client = ctx.client().await?;
            out.one(&UserView::from(&client.users().get(&im).await?))
        }
        Command::Create {
            im,
            password_stdin,
            fields,
        } => {
            let password = secret::read(Source::from_flag(password_stdin), "password")?;
            let client = ctx.client().await?;
            let new = NewUser {
                im,
                password,
                email: fields.email,
                displayname: fields.displayname,
                group: fields.group,
                policy: fields.policy,
            };
            out.one(&UserView::from(&client.users().create(&new).await?))
        }
        Command::Update {
            im,
            password,
            password_stdin,
            disable,
            enable,
            fields,
        } => {
            let password = if password || password_stdin {
                Some(secret::read(Source::from_flag(password_stdin), "password")?)
            } else {
                None
            };
            let client = ctx.client().await?;
            if disable {
                ctx.refuse_own_account(&im, "disables")?;
            }
            let flags = if disable || enable {
                let current = client.users().get(&im).await?.flags;
                Some(if disable {
                    current | UserFlags::DISABLED
                } else {
                    current - UserFlags::DISABLED
                })
            } else {
                None
            };
            let update = UserUpdate {
                im: None,
                password,
                email: fields.email,
                displayname: fields.displayname,
                group: fields.group,
                policy: fields.policy,
                flags,
            };
            if update == UserUpdate::default() {
                return Err(Error::Usage(
                    "nothing to change: give at least one field".to_owned(),
                ));
            }
            out.one(&UserView::from(&client.users().update(&im, &update).await?))
        }
        Command::Delete { im, yes } => {
            // Refused before asking: the profile's own account is never deleted.
            let client = ctx.client().await?;
            ctx.refuse_own_account(&im, "deletes")?;
            secret::confirm(
                yes,
                &format!(
                    "Delete user {im} and all their data (history, media, avatar)? \
                     `users update {im} --disable` keeps the data instead."
                ),
                &im,
            )?;
            out.one(&UserView::from(&client.users().delete(&im).await?))
        }
        Command::Avatar(cmd) => run_avatar(cmd, ctx).await,
        Command::Media(cmd) => media::run(cmd, Owner::User, ctx).await,
        Command::Messages(cmd) => message::run(cmd, Owner::User, ctx).await,
        Command::Import(args) => roster::import(args, ctx).await,
        Command::Export(args) => roster::export(args, ctx).await,
    }
}

async fn run_avatar(cmd: AvatarCommand, ctx: &Context) -> Result<()> {
    let client = ctx.client().await?;
    match cmd {
        AvatarCommand::Get { im, file } => {
            let mut sink = media::Sink::open(file.as_deref()).await?;
            let result = client
                .users()
                .avatar(&im)
                .download(sink.writer(), media::progress(&im))
                .await;
            media::end_progress();
            sink.finish(result.map(drop).map_err(Error::from), ctx)
                .await
        }
        AvatarCommand::Set { im, file } => {
            // As the app does: decoded under limits, cropped square, resized, sent as PNG.
            let png = tokio::task::spawn_blocking(move || {
                let bytes = avatar::read_image_file(&file)?;
                avatar::square_png(&bytes, avatar::AVATAR_SIDE)
            })
            .await
            .map_err(|e| Error::io("making the avatar", std::io::Error::other(e.to_string())))??;
            client.users().avatar(&im).set(png, "image/png").await?;
            ctx.printer
                .done(&Outcome::ok(format!("set the avatar of {im}")))
        }
        AvatarCommand::Delete { im } => {
            client.users().avatar(&im).delete().await?;
            ctx.printer
                .done(&Outcome::ok(format!("deleted the avatar of {im}")))
        }
    }
}
