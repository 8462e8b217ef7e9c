//! `trillian presence …`.

use clap::Subcommand;
use serde::Serialize;
use trillian_api::model::{Presence, PresenceStatus, PresenceUpdate};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{self, Outcome, Record};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every user's presence and devices.
    List,
    /// Set a user's presence.
    Set {
        /// The user's IM address.
        im: String,
        /// offline, online, away, dnd, invisible, idle, or the number 0–5.
        #[arg(long, value_parser = parse_status)]
        status: Option<u32>,
        /// The status message.
        #[arg(long)]
        message: Option<String>,
    },
}

const STATUS_NAMES: [&str; 6] = ["offline", "online", "away", "dnd", "invisible", "idle"];

fn parse_status(text: &str) -> Result<u32, String> {
    let text = text.trim().to_ascii_lowercase();
    if let Ok(n) = text.parse::<u32>() {
        return Ok(n);
    }
    let text = if text == "do-not-disturb" {
        "dnd".to_owned()
    } else {
        text
    };
    STATUS_NAMES
        .iter()
        .position(|n| *n == text)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| {
            format!(
                "unknown status `{text}` (one of {}, or 0–5)",
                STATUS_NAMES.join(", ")
            )
        })
}

/// The CLI's name of a status (as `--status` takes it).
pub fn status_name(status: PresenceStatus) -> String {
    usize::try_from(status.code())
        .ok()
        .and_then(|i| STATUS_NAMES.get(i))
        .map_or_else(|| status.code().to_string(), |n| (*n).to_owned())
}

/// A user's presence as printed.
#[derive(Debug, Serialize)]
pub struct PresenceView {
    pub im: String,
    pub status: u32,
    pub status_name: String,
    pub message: String,
    /// Unix seconds.
    pub timestamp: u64,
    pub devices: Vec<DeviceView>,
}

/// A signed-in device as printed; `ip` dotted.
#[derive(Debug, Serialize)]
pub struct DeviceView {
    pub ip: String,
    pub name: String,
    pub platform: String,
    pub version: String,
    pub build: String,
}

impl From<&Presence> for PresenceView {
    fn from(p: &Presence) -> Self {
        Self {
            im: p.name.clone(),
            status: p.status.code(),
            status_name: status_name(p.status),
            message: p.message.clone(),
            timestamp: p.timestamp,
            devices: p
                .devices
                .iter()
                .map(|d| DeviceView {
                    ip: d.ip_dotted(),
                    name: d.name.clone(),
                    platform: d.platform.clone(),
                    version: d.version.clone(),
                    build: d.build.clone(),
                })
                .collect(),
        }
    }
}

impl Record for PresenceView {
    const COLUMNS: &'static [&'static str] = &["im", "status", "message", "since", "devices"];
    fn cells(&self) -> Vec<String> {
        let devices: Vec<String> = self
            .devices
            .iter()
            .map(|d| format!("{} {} {} ({})", d.platform, d.version, d.name, d.ip))
            .collect();
        vec![
            self.im.clone(),
            self.status_name.clone(),
            self.message.clone(),
            output::date_time(self.timestamp),
            devices.join("; "),
        ]
    }
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something.
    pub fn journal_entry(&self) -> Option<(String, String)> {
        match self {
            Command::List => None,
            Command::Set { im, .. } => Some(("presence.set".to_owned(), im.clone())),
        }
    }
}

pub async fn run(cmd: Command, ctx: &Context) -> Result<()> {
    let client = ctx.client().await?;
    match cmd {
        Command::List => {
            let list = client.presence().list().await?;
            ctx.printer
                .list(&list.iter().map(PresenceView::from).collect::<Vec<_>>())
        }
        Command::Set {
            im,
            status,
            message,
        } => {
            if status.is_none() && message.is_none() {
                return Err(Error::Usage(
                    "nothing to set: give --status or --message".to_owned(),
                ));
            }
            let update = PresenceUpdate {
                status: status.map(PresenceStatus::from_code),
                message,
            };
            client.presence().update(&im, &update).await?;
            ctx.printer
                .done(&Outcome::ok(format!("set the presence of {im}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_by_name_and_number() {
        assert_eq!(parse_status("away"), Ok(2));
        assert_eq!(parse_status("DND"), Ok(3));
        assert_eq!(parse_status("do-not-disturb"), Ok(3));
        assert_eq!(parse_status("5"), Ok(5));
        assert!(parse_status("busy").is_err());
        assert_eq!(status_name(PresenceStatus::Online), "online");
        assert_eq!(status_name(PresenceStatus::Unknown(9)), "9");
    }
}
