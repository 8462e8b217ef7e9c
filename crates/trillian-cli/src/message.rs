//! `trillian users messages …` and `trillian groupchats messages …`: message history by ISO week,
//! sending, and deleting a selection, a week or everything.

use clap::Subcommand;
use serde::Serialize;
use trillian_api::model::{Message, MessageHistory};
use trillian_api::{Client, MessagesApi};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::media::Owner;
use crate::output::{Outcome, Record};
use crate::{history, secret};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the weeks that hold messages (with the conversation id).
    Weeks {
        /// A user's IM address, or a group chat's name (`#…@domain`, quoted).
        owner: String,
    },
    /// List one week's messages.
    Week {
        /// A user's IM address, or a group chat's name.
        owner: String,
        /// The conversation id (from `weeks`).
        conversation: String,
        /// The ISO year.
        year: i32,
        /// The ISO week (1–53).
        week: u32,
    },
    /// Send a message. The token in use must belong to the sender.
    Send {
        /// A user's IM address, or a group chat's name.
        owner: String,
        /// The sender's IM address (the token's owner).
        #[arg(long)]
        from: String,
        /// The message text.
        message: String,
    },
    /// Export the whole history, week by week, as HTML, JSON Lines or CSV, to a file (with a
    /// NAME.manifest.sha256 beside it) or standard output.
    Export {
        /// A user's IM address, or a group chat's name.
        owner: String,
        /// The format.
        #[arg(long, value_enum, default_value_t = history::Format::Jsonl)]
        format: history::Format,
        /// Write to this file (given the format's extension if it has another, with
        /// NAME.manifest.sha256 beside it) instead of standard output.
        #[arg(long, short = 'f', value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
    /// Delete messages: all of a conversation, one week, or chosen messages of a week
    /// (`--timestamp`).
    Delete {
        /// A user's IM address, or a group chat's name.
        owner: String,
        /// The conversation id (from `weeks`).
        conversation: String,
        /// The ISO year (with WEEK); without it, every message of the conversation is deleted.
        #[arg(requires = "week")]
        year: Option<i32>,
        /// The ISO week.
        #[arg(requires = "year")]
        week: Option<u32>,
        /// Delete only the week's messages with this timestamp (unix milliseconds; repeatable).
        #[arg(long = "timestamp", value_name = "MS", requires = "year")]
        timestamps: Vec<u64>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// A week of a conversation as printed.
#[derive(Debug, Serialize)]
pub struct WeekView {
    pub conversation: String,
    pub year: i32,
    pub week: u32,
    pub messages: u64,
    pub flags: u32,
}

impl WeekView {
    fn all(history: &MessageHistory) -> Vec<WeekView> {
        history
            .weeks
            .iter()
            .map(|w| WeekView {
                conversation: history.conversation.clone(),
                year: w.year,
                week: w.week,
                messages: w.messages,
                flags: w.flags,
            })
            .collect()
    }
}

impl Record for WeekView {
    const COLUMNS: &'static [&'static str] = &["conversation", "year", "week", "messages"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.conversation.clone(),
            self.year.to_string(),
            self.week.to_string(),
            self.messages.to_string(),
        ]
    }
}

/// A message as printed.
#[derive(Debug, Serialize)]
pub struct MessageView {
    /// Unix milliseconds.
    pub timestamp: u64,
    pub from: String,
    pub text: String,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        Self {
            timestamp: m.timestamp,
            from: m.from.clone(),
            text: m.text.clone(),
        }
    }
}

impl Record for MessageView {
    const COLUMNS: &'static [&'static str] = &["timestamp", "from", "text"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.timestamp.to_string(),
            self.from.clone(),
            self.text.clone(),
        ]
    }
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something; `area` is
    /// `users` or `groupchats`.
    pub fn journal_entry(&self, area: &str) -> Option<(String, String)> {
        match self {
            Command::Weeks { .. } | Command::Week { .. } | Command::Export { .. } => None,
            Command::Send { owner, .. } => Some((format!("{area}.messages.send"), owner.clone())),
            Command::Delete {
                owner,
                conversation,
                year,
                week,
                timestamps,
                ..
            } => {
                let what = match (year, week) {
                    (Some(y), Some(w)) if !timestamps.is_empty() => {
                        format!(
                            "{owner} {conversation} {y}-W{w:02} ({} messages)",
                            timestamps.len()
                        )
                    }
                    (Some(y), Some(w)) => format!("{owner} {conversation} {y}-W{w:02}"),
                    _ => format!("{owner} {conversation}"),
                };
                Some((format!("{area}.messages.delete"), what))
            }
        }
    }
}

/// What to run first to keep a copy of the history about to be deleted.
fn export_hint(kind: Owner, owner: &str) -> String {
    let area = match kind {
        Owner::User => "users",
        Owner::Groupchat => "groupchats",
    };
    format!("\nTo keep a copy first: trillian {area} messages export '{owner}' -f FILE")
}

fn api<'c>(client: &'c Client, kind: Owner, owner: &str) -> MessagesApi<'c> {
    match kind {
        Owner::User => client.users().messages(owner),
        Owner::Groupchat => client.groupchats().messages(owner),
    }
}

pub async fn run(cmd: Command, kind: Owner, ctx: &Context) -> Result<()> {
    let client = ctx.client().await?;
    let out = &ctx.printer;
    match cmd {
        Command::Weeks { owner } => {
            // every conversation: a user has one per correspondent
            let all = api(&client, kind, &owner).conversations().await?;
            out.list(&all.iter().flat_map(WeekView::all).collect::<Vec<_>>())
        }
        Command::Week {
            owner,
            conversation,
            year,
            week,
        } => {
            let messages = api(&client, kind, &owner)
                .week(&conversation, year, week)
                .await?;
            out.list(&messages.iter().map(MessageView::from).collect::<Vec<_>>())
        }
        Command::Export {
            owner,
            format,
            file,
        } => history::export(&client, kind, &owner, format, file.as_deref(), ctx).await,
        Command::Send {
            owner,
            from,
            message,
        } => {
            let sent = api(&client, kind, &owner).send(&from, &message).await?;
            out.one(&MessageView::from(&sent))
        }
        Command::Delete {
            owner,
            conversation,
            year,
            week,
            timestamps,
            yes,
        } => {
            let messages = api(&client, kind, &owner);
            let Some((year, week)) = year.zip(week) else {
                secret::confirm(
                    yes,
                    &format!(
                        "Delete every message of conversation {conversation} of {owner}?{}",
                        export_hint(kind, &owner)
                    ),
                    "delete",
                )?;
                messages.delete_all(&conversation).await?;
                return out.done(&Outcome::ok(format!(
                    "deleted every message of conversation {conversation} of {owner}"
                )));
            };
            if timestamps.is_empty() {
                secret::confirm(
                    yes,
                    &format!(
                        "Delete every message of {owner} in week {year}-W{week:02}?{}",
                        export_hint(kind, &owner)
                    ),
                    "delete",
                )?;
                messages.delete_week(&conversation, year, week).await?;
                return out.done(&Outcome::ok(format!(
                    "deleted week {year}-W{week:02} of {owner}"
                )));
            }
            let chosen: Vec<Message> = messages
                .week(&conversation, year, week)
                .await?
                .into_iter()
                .filter(|m| timestamps.contains(&m.timestamp))
                .collect();
            if chosen.is_empty() {
                return Err(Error::NotFound(format!(
                    "no message of week {year}-W{week:02} has the given timestamp(s)"
                )));
            }
            secret::confirm(
                yes,
                &format!(
                    "Delete {} message(s) of {owner}?{}",
                    chosen.len(),
                    export_hint(kind, &owner)
                ),
                "delete",
            )?;
            messages
                .delete_messages(&conversation, year, week, &chosen)
                .await?;
            out.done(&Outcome::ok(format!(
                "deleted {} message(s) of {owner}",
                chosen.len()
            )))
        }
    }
}
