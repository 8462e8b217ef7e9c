//! Groups: the tree with details, create/edit/re-parent/delete, and the peers edited as staged
//! change sets (preview "who will see whom", apply as a job, undo).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;
use tauri::ipc::Channel;
use trillian_core::group::{self as core_group, GroupTree};
use trillian_core::job::Outcome;
use trillian_core::model::{GroupUpdate, NewGroup};

use crate::commands::job::JobEvent;
use crate::commands::small;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// One group with what the tree and the details show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub id: u32,
    pub display_name: String,
    /// Internal name.
    pub name: String,
    /// 0 for top level.
    pub parent: u32,
    /// Policy id, 0 for none.
    pub policy: u32,
    /// The policy's name; `#id` when unknown, empty for none.
    pub policy_name: String,
    pub priority: i32,
    /// Bound to an LDAP object (`type` 1).
    pub ldap: bool,
    /// The groups this group's members see.
    pub peers: Vec<u32>,
    pub members: u32,
    pub depth: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyChoice {
    pub id: u32,
    pub name: String,
}

/// The group tree (depth first), plus the policies a group can be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupTreeView {
    pub groups: Vec<GroupView>,
    pub users_without_group: u32,
    pub policies: Vec<PolicyChoice>,
}

fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

fn tree_view(tree: &GroupTree, policies: &[trillian_core::model::Policy]) -> GroupTreeView {
    let policy_name = |id: u64| match id {
        0 => String::new(),
        id => policies
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("#{id}")),
    };
    GroupTreeView {
        groups: tree
            .groups
            .iter()
            .map(|g| GroupView {
                id: small(g.id),
                display_name: g.displayname.clone(),
                name: g.name.clone(),
                parent: small(g.parent),
                policy: small(g.policy),
                policy_name: policy_name(g.policy),
                priority: clamp_i32(g.priority),
                ldap: g.kind == 1,
                peers: g.peers.iter().map(|p| small(*p)).collect(),
                members: small(g.members),
                depth: small(g.depth),
            })
            .collect(),
        users_without_group: small(tree.users_without_group),
        policies: policies
            .iter()
            .map(|p| PolicyChoice {
                id: small(p.id),
                name: p.name.clone(),
            })
            .collect(),
    }
}

async fn load_tree(state: &AppState) -> IpcResult<GroupTreeView> {
    let core = &state.core;
    let (tree, policies) = tokio::try_join!(core.group_tree(), core.policies())?;
    Ok(tree_view(&tree, &policies))
}

#[tauri::command]
#[specta::specta]
pub async fn groups_tree(state: State<'_, AppState>) -> IpcResult<GroupTreeView> {
    load_tree(&state).await
}

/// The fields of the create/edit form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupInput {
    pub display_name: String,
    /// Internal name; empty on create lets the server make one.
    pub name: String,
    pub parent: u32,
    pub policy: u32,
    pub priority: i32,
    pub ldap: bool,
}

#[tauri::command]
#[specta::specta]
pub async fn group_create(state: State<'_, AppState>, input: GroupInput) -> IpcResult<u32> {
    let group = NewGroup {
        displayname: input.display_name.trim().to_owned(),
        name: input.name.trim().to_owned(),
        parent: Some(input.parent.into()),
        policy: (input.policy != 0).then_some(input.policy.into()),
        priority: Some(input.priority.into()),
        kind: Some(u32::from(input.ldap)),
    };
    Ok(small(state.core.create_group(&group).await?.id))
}

#[tauri::command]
#[specta::specta]
pub async fn group_update(state: State<'_, AppState>, id: u32, input: GroupInput) -> IpcResult<()> {
    let name = input.name.trim();
    let update = GroupUpdate {
        displayname: Some(input.display_name.trim().to_owned()),
        name: (!name.is_empty()).then(|| name.to_owned()),
        parent: Some(input.parent.into()),
        policy: Some(input.policy.into()),
        priority: Some(input.priority.into()),
        kind: Some(u32::from(input.ldap)),
    };
    state.core.update_group(id.into(), &update).await?;
    Ok(())
}

/// What deleting a group does, for the typed confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupDeletionView {
    pub id: u32,
    pub display_name: String,
    pub members: u32,
    pub children: Vec<u32>,
    pub seen_by: Vec<u32>,
}

#[tauri::command]
#[specta::specta]
pub async fn group_deletion(state: State<'_, AppState>, id: u32) -> IpcResult<GroupDeletionView> {
    let d = state.core.group_deletion(id.into()).await?;
    Ok(GroupDeletionView {
        id: small(d.id),
        display_name: d.displayname,
        members: small(d.members),
        children: d.children.into_iter().map(small).collect(),
        seen_by: d.seen_by.into_iter().map(small).collect(),
    })
}

/// Deletes a group, moving its members to `move_members_to` first (0: refuse if it has any).
#[tauri::command]
#[specta::specta]
pub async fn group_delete(
    state: State<'_, AppState>,
    id: u32,
    move_members_to: u32,
) -> IpcResult<()> {
    let target = (move_members_to != 0).then_some(u64::from(move_members_to));
    state.core.delete_group(id.into(), target).await?;
    Ok(())
}

/// `group`'s members see `peer`'s members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PeeringIpc {
    pub group: u32,
    pub peer: u32,
}

/// Staged peer edits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
pub struct PeerChanges {
    pub add: Vec<PeeringIpc>,
    pub remove: Vec<PeeringIpc>,
}

impl PeerChanges {
    fn to_core(&self) -> IpcResult<core_group::ChangeSet> {
        let conv = |list: &[PeeringIpc]| -> BTreeSet<core_group::Peering> {
            list.iter()
                .map(|p| core_group::Peering {
                    group: p.group.into(),
                    peer: p.peer.into(),
                })
                .collect()
        };
        let cs = core_group::ChangeSet {
            add: conv(&self.add),
            remove: conv(&self.remove),
        };
        if cs.add.intersection(&cs.remove).next().is_some() {
            return Err(IpcError::invalid(
                "A peering cannot be both added and removed.",
            ));
        }
        Ok(cs)
    }

    fn of(cs: &core_group::ChangeSet) -> PeerChanges {
        let conv = |set: &BTreeSet<core_group::Peering>| {
            set.iter()
                .map(|p| PeeringIpc {
                    group: small(p.group),
                    peer: small(p.peer),
                })
                .collect()
        };
        PeerChanges {
            add: conv(&cs.add),
            remove: conv(&cs.remove),
        }
    }
}

/// Who a user will see, and who will see them, after the staged edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PeerPreviewView {
    pub user: String,
    pub group: u32,
    pub gains: Vec<u32>,
    pub loses: Vec<u32>,
    pub seen_by_gains: Vec<u32>,
    pub seen_by_loses: Vec<u32>,
}

#[tauri::command]
#[specta::specta]
pub async fn peers_preview(
    state: State<'_, AppState>,
    changes: PeerChanges,
    user: String,
) -> IpcResult<PeerPreviewView> {
    let p = state
        .core
        .peer_preview(&changes.to_core()?, user.trim())
        .await?;
    let ids = |v: Vec<u64>| v.into_iter().map(small).collect();
    Ok(PeerPreviewView {
        user: p.user.unwrap_or(user),
        group: small(p.group),
        gains: ids(p.gains),
        loses: ids(p.loses),
        seen_by_gains: ids(p.seen_by_gains),
        seen_by_loses: ids(p.seen_by_loses),
    })
}

/// One item's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PeerItemResult {
    pub item: String,
    /// `done`, `skipped`, `failed` or `cancelled`.
    pub status: String,
    pub message: String,
}

/// The result of applying staged peer edits: per item, what is left to retry, the undo, and
/// the groups reloaded from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PeerApplyView {
    pub items: Vec<PeerItemResult>,
    pub cancelled: bool,
    pub applied: PeerChanges,
    pub retry: PeerChanges,
    pub undo: PeerChanges,
    pub tree: GroupTreeView,
}

fn item_result(item: String, outcome: &Outcome) -> PeerItemResult {
    let (status, message) = match outcome {
        Outcome::Done { detail } => ("done", detail.clone().unwrap_or_default()),
        Outcome::Skipped { reason } => ("skipped", reason.clone()),
        Outcome::Failed { message, .. } => ("failed", message.clone()),
        Outcome::Cancelled => ("cancelled", String::new()),
    };
    PeerItemResult {
        item,
        status: status.into(),
        message,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn peers_apply(
    state: State<'_, AppState>,
    changes: PeerChanges,
    on_event: Channel<JobEvent>,
) -> IpcResult<PeerApplyView> {
    let cs = changes.to_core()?;
    let (job_id, cancel) = state.start_job();
    let send = |e: JobEvent| {
        let _ = on_event.send(e);
    };
    let total = small(cs.len());
    send(JobEvent::Started {
        job_id: job_id.clone(),
        title: "Apply peer changes".into(),
        total: Some(total),
    });
    let result = state
        .core
        .apply_peer_changes(&cs, cancel, |p| {
            send(JobEvent::Progress {
                done: small(p.done),
                total: Some(small(p.total)),
                item: Some(p.item),
            });
        })
        .await;
    state.finish_job(&job_id);
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            send(JobEvent::Finished {
                ok: false,
                message: e.to_string(),
            });
            return Err(e.into());
        }
    };
    let r = &report.report;
    send(JobEvent::Finished {
        ok: report.retry.is_empty(),
        message: format!(
            "{} done, {} skipped, {} failed, {} not started",
            r.succeeded(),
            r.skipped(),
            r.failed(),
            r.not_started()
        ),
    });
    let policies = state.core.policies().await?;
    Ok(PeerApplyView {
        items: r
            .items
            .iter()
            .map(|i| item_result(i.item.clone(), &i.outcome))
            .collect(),
        cancelled: r.cancelled,
        applied: PeerChanges::of(&report.applied),
        retry: PeerChanges::of(&report.retry),
        undo: PeerChanges::of(&report.undo),
        tree: tree_view(&report.tree, &policies),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trillian_core::model::{Group, Policy};

    #[test]
    fn tree_view_names_policies_and_keeps_peers() {
        let groups = [
            Group {
                id: 1,
                displayname: "Staff".into(),
                policy: 7,
                peers: vec![1, 2],
                ..Group::default()
            },
            Group {
                id: 2,
                displayname: "Sales".into(),
                parent: 1,
                policy: 8,
                kind: 1,
                ..Group::default()
            },
        ];
        let tree = GroupTree::build(&groups, &[]);
        let policies = [Policy {
            id: 7,
            name: "Default".into(),
            ..Policy::default()
        }];
        let view = tree_view(&tree, &policies);
        assert_eq!(view.groups[0].policy_name, "Default");
        assert_eq!(view.groups[0].peers, [1, 2]);
        assert_eq!(
            view.groups[1].policy_name, "#8",
            "unknown policy stays visible"
        );
        assert!(view.groups[1].ldap);
        assert_eq!(view.groups[1].depth, 1);
    }

    #[test]
    fn changes_convert_and_refuse_contradictions() {
        let both = PeerChanges {
            add: vec![PeeringIpc { group: 1, peer: 2 }],
            remove: vec![PeeringIpc { group: 1, peer: 2 }],
        };
        assert!(both.to_core().is_err());
        let ok = PeerChanges {
            add: vec![PeeringIpc { group: 3, peer: 3 }],
            remove: vec![PeeringIpc { group: 1, peer: 2 }],
        };
        let cs = ok.to_core().expect("valid");
        assert_eq!(PeerChanges::of(&cs), ok);
        assert_eq!(PeerChanges::of(&cs.inverse()).add, ok.remove);
    }
}
