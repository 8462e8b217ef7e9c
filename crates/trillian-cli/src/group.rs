//! `trillian groups …` and `trillian groups peers …`.

use clap::{Args, Subcommand};
use serde::Serialize;
use trillian_api::Expand;
use trillian_api::model::{Group, GroupUpdate, NewGroup};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{Outcome, Record};
use crate::secret;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List all groups.
    List {
        /// Include each group's peers.
        #[arg(long)]
        peers: bool,
    },
    /// Show one group.
    Get {
        /// The group's id.
        id: u64,
        /// Include the group's peers.
        #[arg(long)]
        peers: bool,
    },
    /// Create a group.
    Create(Fields),
    /// Change a group's fields (only those given).
    Update {
        /// The group's id.
        id: u64,
        #[command(flatten)]
        fields: Fields,
    },
    /// Delete a group.
    Delete {
        /// The group's id.
        id: u64,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Which groups a group's members see (directed: GROUP sees PEER's members).
    #[command(subcommand)]
    Peers(PeerCommand),
}

/// The fields of a group; on update, only those given change.
#[derive(Debug, Args)]
pub struct Fields {
    /// Name shown to clients.
    #[arg(long)]
    pub displayname: Option<String>,
    /// Internal name, unique in the domain, not shown to clients.
    #[arg(long)]
    pub name: Option<String>,
    /// Id of the parent group, 0 for none.
    #[arg(long, value_name = "ID")]
    pub parent: Option<u64>,
    /// Id of the policy bound to the group.
    #[arg(long, value_name = "ID")]
    pub policy: Option<u64>,
    /// Priority (used by Trillian Server Manager to resolve LDAP conflicts).
    #[arg(long)]
    pub priority: Option<i64>,
    /// 1 if the group is bound to an LDAP object, else 0.
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum PeerCommand {
    /// List a group's peers.
    List {
        /// The group's id.
        group: u64,
    },
    /// Let GROUP's members see PEER's members.
    Add {
        /// The group's id.
        group: u64,
        /// The peer group's id.
        peer: u64,
    },
    /// Stop GROUP's members seeing PEER's members.
    Remove {
        /// The group's id.
        group: u64,
        /// The peer group's id.
        peer: u64,
    },
}

/// A group as printed.
#[derive(Debug, Serialize)]
pub struct GroupView {
    pub id: u64,
    pub displayname: String,
    pub name: String,
    pub parent: u64,
    pub policy: u64,
    pub priority: i64,
    #[serde(rename = "type")]
    pub kind: u32,
    /// Peer group ids (filled with `--peers`, and in a create's answer).
    pub peers: Vec<u64>,
}

impl From<&Group> for GroupView {
    fn from(g: &Group) -> Self {
        Self {
            id: g.id,
            displayname: g.displayname.clone(),
            name: g.name.clone(),
            parent: g.parent,
            policy: g.policy,
            priority: g.priority,
            kind: g.kind,
            peers: g.peers.clone(),
        }
    }
}

impl Record for GroupView {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "displayname",
        "name",
        "parent",
        "policy",
        "priority",
        "type",
        "peers",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.displayname.clone(),
            self.name.clone(),
            self.parent.to_string(),
            self.policy.to_string(),
            self.priority.to_string(),
            self.kind.to_string(),
            self.peers
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ]
    }
}

/// A peer of a group as printed.
#[derive(Debug, Serialize)]
pub struct PeerView {
    pub id: u64,
}

impl Record for PeerView {
    const COLUMNS: &'static [&'static str] = &["id"];
    fn cells(&self) -> Vec<String> {
        vec![self.id.to_string()]
    }
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something.
    pub fn journal_entry(&self) -> Option<(String, String)> {
        let entry = |action: &str, target: String| Some((action.to_owned(), target));
        match self {
            Command::List { .. }
            | Command::Get { .. }
            | Command::Peers(PeerCommand::List { .. }) => None,
            Command::Create(fields) => {
                entry("groups.create", fields.name.clone().unwrap_or_default())
            }
            Command::Update { id, .. } => entry("groups.update", id.to_string()),
            Command::Delete { id, .. } => entry("groups.delete", id.to_string()),
            Command::Peers(PeerCommand::Add { group, peer }) => {
                entry("groups.peers.add", format!("{group} -> {peer}"))
            }
            Command::Peers(PeerCommand::Remove { group, peer }) => {
                entry("groups.peers.remove", format!("{group} -> {peer}"))
            }
        }
    }
}

pub async fn run(cmd: Command, ctx: &Context) -> Result<()> {
    let out = &ctx.printer;
    let client = ctx.client().await?;
    let groups = client.groups();
    let expand = |peers: bool| {
        if peers {
            Expand::PEERS
        } else {
            Expand::empty()
        }
    };
    match cmd {
        Command::List { peers } => {
            let list = groups.list(expand(peers)).await?;
            out.list(&list.iter().map(GroupView::from).collect::<Vec<_>>())
        }
        Command::Get { id, peers } => {
            out.one(&GroupView::from(&groups.get(id, expand(peers)).await?))
        }
        Command::Create(fields) => {
            let (Some(displayname), Some(name)) = (fields.displayname, fields.name) else {
                return Err(Error::Usage(
                    "a new group needs --displayname and --name".to_owned(),
                ));
            };
            let new = NewGroup {
                displayname,
                name,
                parent: fields.parent,
                policy: fields.policy,
                priority: fields.priority,
                kind: fields.kind,
            };
            out.one(&GroupView::from(&groups.create(&new).await?))
        }
        Command::Update { id, fields } => {
            let update = GroupUpdate {
                displayname: fields.displayname,
                name: fields.name,
                parent: fields.parent,
                policy: fields.policy,
                priority: fields.priority,
                kind: fields.kind,
            };
            if update == GroupUpdate::default() {
                return Err(Error::Usage(
                    "nothing to change: give at least one field".to_owned(),
                ));
            }
            out.one(&GroupView::from(&groups.update(id, &update).await?))
        }
        Command::Delete { id, yes } => {
            secret::confirm(
                yes,
                &format!("Delete group {id}? Its members lose its peers and policy."),
                &id.to_string(),
            )?;
            groups.delete(id).await?;
            out.done(&Outcome::ok(format!("deleted group {id}")))
        }
        Command::Peers(PeerCommand::List { group }) => {
            let peers = groups.peers(group).list().await?;
            out.list(
                &peers
                    .into_iter()
                    .map(|id| PeerView { id })
                    .collect::<Vec<_>>(),
            )
        }
        Command::Peers(PeerCommand::Add { group, peer }) => {
            groups.peers(group).add(peer).await?;
            out.done(&Outcome::ok(format!("group {group} now sees group {peer}")))
        }
        Command::Peers(PeerCommand::Remove { group, peer }) => {
            groups.peers(group).remove(peer).await?;
            out.done(&Outcome::ok(format!(
                "group {group} no longer sees group {peer}"
            )))
        }
    }
}
