//! `trillian policies …`. A policy's data is the Base64 of UTF-8 text, one `key value` item a line.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use trillian_api::Client;
use trillian_api::model::{NewPolicy, Policy, PolicyItems, PolicyUpdate};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{Outcome, Record};
use crate::secret;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List all policies.
    List,
    /// Show one policy (by id or by name).
    Get {
        /// The policy's id or name.
        policy: String,
    },
    /// Create a policy.
    Create {
        /// The new policy's name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        items: ItemArgs,
    },
    /// Change a policy's name or items. `--set`/`--unset` edit the current items;
    /// `--items-file` replaces them all.
    Update {
        /// The policy's id or name.
        policy: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        items: ItemArgs,
    },
    /// Delete a policy.
    Delete {
        /// The policy's id or name.
        policy: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Show a policy's items, decoded from the Base64 data.
    Items {
        /// The policy's id or name.
        policy: String,
    },
}

#[derive(Debug, Args)]
pub struct ItemArgs {
    /// Read the items from a text file, one `key value` a line (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub items_file: Option<PathBuf>,
    /// Set an item (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_assignment)]
    pub set: Vec<(String, String)>,
    /// Remove an item (repeatable).
    #[arg(long = "unset", value_name = "KEY")]
    pub unset: Vec<String>,
}

impl ItemArgs {
    pub fn is_empty(&self) -> bool {
        self.items_file.is_none() && self.set.is_empty() && self.unset.is_empty()
    }
}

fn parse_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() && !key.contains(char::is_whitespace) => {
            Ok((key.to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "expected KEY=VALUE with a key without spaces, got `{text}`"
        )),
    }
}

/// A policy as printed: the raw Base64 `data` and the decoded items.
#[derive(Debug, Serialize)]
pub struct PolicyView {
    pub id: u64,
    pub name: String,
    /// Base64 of the policy text, as the server holds it.
    pub data: String,
    pub items: Vec<ItemView>,
}

impl From<&Policy> for PolicyView {
    fn from(p: &Policy) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            data: p.data.to_base64(),
            items: ItemView::all(&p.data),
        }
    }
}

impl Record for PolicyView {
    const COLUMNS: &'static [&'static str] = &["id", "name", "items"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.items.len().to_string(),
        ]
    }
}

/// One `key value` item of a policy as printed.
#[derive(Debug, Serialize)]
pub struct ItemView {
    pub key: String,
    pub value: String,
}

impl ItemView {
    fn all(items: &PolicyItems) -> Vec<ItemView> {
        items
            .items()
            .map(|(k, v)| ItemView {
                key: k.to_owned(),
                value: v.to_owned(),
            })
            .collect()
    }
}

impl Record for ItemView {
    const COLUMNS: &'static [&'static str] = &["key", "value"];
    fn cells(&self) -> Vec<String> {
        vec![self.key.clone(), self.value.clone()]
    }
}

/// Finds a policy by id (all digits) or else by name.
async fn resolve(client: &Client, policy: &str) -> Result<Policy> {
    if let Ok(id) = policy.parse::<u64>() {
        return Ok(client.policies().get(id).await?);
    }
    let all = client.policies().list().await?;
    let mut named = all.into_iter().filter(|p| p.name == policy);
    match (named.next(), named.next()) {
        (Some(p), None) => Ok(p),
        (None, _) => Err(Error::NotFound(format!("no policy named {policy:?}"))),
        (Some(_), Some(_)) => Err(Error::Usage(format!(
            "several policies are named {policy:?}: use the id"
        ))),
    }
}

/// The items after applying `args` to `base`.
async fn edited(base: PolicyItems, args: &ItemArgs) -> Result<PolicyItems> {
    let mut items = match &args.items_file {
        Some(path) => PolicyItems::from_text(&crate::media::read_text(path).await?),
        None => base,
    };
    for key in &args.unset {
        items.remove(key);
    }
    for (key, value) in &args.set {
        items.set(key, value);
    }
    Ok(items)
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something.
    pub fn journal_entry(&self) -> Option<(String, String)> {
        let entry = |action: &str, target: &str| Some((action.to_owned(), target.to_owned()));
        match self {
            Command::List | Command::Get { .. } | Command::Items { .. } => None,
            Command::Create { name, .. } => entry("policies.create", name),
            Command::Update { policy, .. } => entry("policies.update", policy),
            Command::Delete { policy, .. } => entry("policies.delete", policy),
        }
    }
}

pub async fn run(cmd: Command, ctx: &Context) -> Result<()> {
    let out = &ctx.printer;
    let client = ctx.client().await?;
    match cmd {
        Command::List => {
            let list = client.policies().list().await?;
            out.list(&list.iter().map(PolicyView::from).collect::<Vec<_>>())
        }
        Command::Get { policy } => out.one(&PolicyView::from(&resolve(&client, &policy).await?)),
        Command::Items { policy } => {
            out.list(&ItemView::all(&resolve(&client, &policy).await?.data))
        }
        Command::Create { name, items } => {
            let data = edited(PolicyItems::default(), &items).await?;
            let created = client.policies().create(&NewPolicy { name, data }).await?;
            out.one(&PolicyView::from(&created))
        }
        Command::Update {
            policy,
            name,
            items,
        } => {
            if name.is_none() && items.is_empty() {
                return Err(Error::Usage(
                    "nothing to change: give --name or items".to_owned(),
                ));
            }
            let current = resolve(&client, &policy).await?;
            let data = if items.is_empty() {
                None
            } else {
                Some(edited(current.data, &items).await?)
            };
            let updated = client
                .policies()
                .update(current.id, &PolicyUpdate { name, data })
                .await?;
            out.one(&PolicyView::from(&updated))
        }
        Command::Delete { policy, yes } => {
            let current = resolve(&client, &policy).await?;
            secret::confirm(
                yes,
                &format!("Delete policy {} ({})?", current.id, current.name),
                &current.name,
            )?;
            client.policies().delete(current.id).await?;
            out.done(&Outcome::ok(format!(
                "deleted policy {} ({})",
                current.id, current.name
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_need_a_key() {
        assert_eq!(parse_assignment("a.b=1"), Ok(("a.b".into(), "1".into())));
        assert_eq!(parse_assignment("a="), Ok(("a".into(), String::new())));
        assert!(parse_assignment("=1").is_err());
        assert!(parse_assignment("novalue").is_err());
        assert!(parse_assignment("a b=1").is_err());
    }
}
