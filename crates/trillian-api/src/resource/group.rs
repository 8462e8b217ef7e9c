use reqwest::Method;

use super::{path, under};
use crate::client::{Call, Client, Expand};
use crate::error::Result;
use crate::form::Form;
use crate::model::{Group, GroupUpdate, NewGroup};
use crate::xml::{decode_list, decode_one, decode_peer, decode_peers};

/// `/v2/:domain/groups/`.
#[derive(Debug, Clone, Copy)]
pub struct GroupsApi<'c> {
    client: &'c Client,
}

fn group_form(
    displayname: Option<&str>,
    name: Option<&str>,
    parent: Option<u64>,
    policy: Option<u64>,
    priority: Option<i64>,
    kind: Option<u32>,
) -> String {
    Form::new()
        .opt_text("displayname", displayname)
        .opt_text("name", name)
        .opt_num("parent", parent)
        .opt_num("policy", policy)
        .opt_num("priority", priority)
        .opt_num("type", kind)
        .finish()
}

impl<'c> GroupsApi<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        GroupsApi { client }
    }

    /// Get all groups: `GET groups/` (`peers=1` with [`Expand::PEERS`]).
    pub async fn list(self, expand: Expand) -> Result<Vec<Group>> {
        let call =
            Call::new("groups.list", Method::GET, path(["groups"])).expand(expand, Expand::PEERS);
        self.client.xml(call, decode_list).await
    }

    /// Get a single group: `GET groups/:group/`.
    pub async fn get(self, id: u64, expand: Expand) -> Result<Group> {
        let call = Call::new("groups.get", Method::GET, path(["groups", &id.to_string()]))
            .expand(expand, Expand::PEERS);
        self.client.xml(call, decode_one).await
    }

    /// Create a group: `POST groups/`.
    pub async fn create(self, group: &NewGroup) -> Result<Group> {
        let form = group_form(
            Some(&group.displayname),
            Some(&group.name),
            group.parent,
            group.policy,
            group.priority,
            group.kind,
        );
        let call = Call::new("groups.create", Method::POST, path(["groups"])).form(form);
        self.client.xml(call, decode_one).await
    }

    /// Update a group: `POST groups/:group/` — the reference gives POST for this update, so
    /// it is POST whatever `post_for_updates` says.
    pub async fn update(self, id: u64, update: &GroupUpdate) -> Result<Group> {
        let form = group_form(
            update.displayname.as_deref(),
            update.name.as_deref(),
            update.parent,
            update.policy,
            update.priority,
            update.kind,
        );
        let call = Call::new(
            "groups.update",
            Method::POST,
            path(["groups", &id.to_string()]),
        )
        .form(form);
        self.client.xml(call, decode_one).await
    }

    /// Delete a group: `DELETE groups/:group/`.
    pub async fn delete(self, id: u64) -> Result<()> {
        let call = Call::new(
            "groups.delete",
            Method::DELETE,
            path(["groups", &id.to_string()]),
        );
        self.client.empty(call).await
    }

    /// The group's peers (`groups/:group/peers/`).
    pub fn peers(self, id: u64) -> PeersApi<'c> {
        PeersApi {
            client: self.client,
            group: id,
        }
    }
}

/// `/v2/:domain/groups/:group/peers/`: the groups whose members this group's members see.
#[derive(Debug, Clone, Copy)]
pub struct PeersApi<'c> {
    client: &'c Client,
    /// The group's id.
    group: u64,
}

impl PeersApi<'_> {
    /// Get all peers of a group: `GET …/peers/` → peer group ids.
    pub async fn list(self) -> Result<Vec<u64>> {
        let call = Call::new(
            "groups.peers.list",
            Method::GET,
            under(&["groups", &self.group.to_string()], &["peers"]),
        );
        self.client.xml(call, decode_peers).await
    }

    /// Add a peer to a group: `POST …/peers/:peer/` → the peer's id.
    pub async fn add(self, peer: u64) -> Result<u64> {
        let p = peer.to_string();
        let call = Call::new(
            "groups.peers.add",
            Method::POST,
            under(&["groups", &self.group.to_string()], &["peers", &p]),
        );
        self.client.xml(call, decode_peer).await
    }

    /// Remove a peer from a group: `DELETE …/peers/:peer/`.
    pub async fn remove(self, peer: u64) -> Result<()> {
        let p = peer.to_string();
        let call = Call::new(
            "groups.peers.remove",
            Method::DELETE,
            under(&["groups", &self.group.to_string()], &["peers", &p]),
        );
        self.client.empty(call).await
    }
}
