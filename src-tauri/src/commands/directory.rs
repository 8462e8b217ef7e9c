//! First-cut lists of the domain's objects: users, groups, policies, group chats, presence.
//! Ids are resolved to names here, so that the tables read as people expect.

use std::collections::HashMap;

use serde::Serialize;
use specta::Type;
use tauri::State;
use trillian_api::model::{Group, GroupChat, GroupChatFlags, Policy, Presence, User};

use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    /// IM address, `name@domain`.
    pub address: String,
    pub display_name: String,
    pub email: String,
    /// The group's display name.
    pub group: String,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    pub id: u32,
    pub display_name: String,
    /// Internal name.
    pub name: String,
    /// The parent's display name; empty for a top-level group.
    pub parent: String,
    /// The policy's name; empty for none.
    pub policy: String,
    pub priority: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRow {
    pub id: u32,
    pub name: String,
    /// `key value` items in the policy.
    pub items: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatRow {
    pub name: String,
    pub display_name: String,
    pub topic: String,
    pub members: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PresenceRow {
    pub address: String,
    pub status: String,
    pub message: String,
    pub devices: u32,
}

fn small(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

fn names<T>(
    items: &[T],
    id: impl Fn(&T) -> u64,
    name: impl Fn(&T) -> &str,
) -> HashMap<u64, String> {
    items.iter().map(|t| (id(t), name(t).to_owned())).collect()
}

/// A name by id; `#id` when the id is unknown, empty for 0 ("none").
fn lookup(names: &HashMap<u64, String>, id: u64) -> String {
    match id {
        0 => String::new(),
        id => names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
    }
}

pub fn user_rows(users: &[User], groups: &[Group]) -> Vec<UserRow> {
    let group_names = names(groups, |g| g.id, |g| &g.displayname);
    users
        .iter()
        .map(|u| UserRow {
            address: u.name.clone(),
            display_name: u.displayname.clone(),
            email: u.email.clone(),
            group: lookup(&group_names, u.group),
            disabled: u.is_disabled(),
        })
        .collect()
}

pub fn group_rows(groups: &[Group], policies: &[Policy]) -> Vec<GroupRow> {
    let group_names = names(groups, |g| g.id, |g| &g.displayname);
    let policy_names = names(policies, |p| p.id, |p| &p.name);
    groups
        .iter()
        .map(|g| GroupRow {
            id: small(g.id),
            display_name: g.displayname.clone(),
            name: g.name.clone(),
            parent: lookup(&group_names, g.parent),
            policy: lookup(&policy_names, g.policy),
            priority: i32::try_from(g.priority).unwrap_or(if g.priority < 0 {
                i32::MIN
            } else {
                i32::MAX
            }),
        })
        .collect()
}

pub fn policy_rows(policies: &[Policy]) -> Vec<PolicyRow> {
    policies
        .iter()
        .map(|p| PolicyRow {
            id: small(p.id),
            name: p.name.clone(),
            items: small(p.data.items().count()),
        })
        .collect()
}

pub fn groupchat_rows(chats: &[GroupChat]) -> Vec<GroupChatRow> {
    chats
        .iter()
        .filter(|c| !c.flags.contains(GroupChatFlags::DELETED))
        .map(|c| GroupChatRow {
            name: c.name.clone(),
            display_name: c.displayname.clone(),
            topic: c.topic.clone(),
            members: small(c.members.len()),
        })
        .collect()
}

pub fn presence_rows(presence: &[Presence]) -> Vec<PresenceRow> {
    presence
        .iter()
        .map(|p| PresenceRow {
            address: p.name.clone(),
            status: p.status.label().to_owned(),
            message: p.message.clone(),
            devices: small(p.devices.len()),
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn users_list(state: State<'_, AppState>) -> IpcResult<Vec<UserRow>> {
    let core = &state.core;
    let (users, groups) = tokio::try_join!(core.users(), core.groups())?;
    Ok(user_rows(&users, &groups))
}

#[tauri::command]
#[specta::specta]
pub async fn groups_list(state: State<'_, AppState>) -> IpcResult<Vec<GroupRow>> {
    let core = &state.core;
    let (groups, policies) = tokio::try_join!(core.groups(), core.policies())?;
    Ok(group_rows(&groups, &policies))
}

#[tauri::command]
#[specta::specta]
pub async fn policies_list(state: State<'_, AppState>) -> IpcResult<Vec<PolicyRow>> {
    Ok(policy_rows(&state.core.policies().await?))
}

#[tauri::command]
#[specta::specta]
pub async fn groupchats_list(state: State<'_, AppState>) -> IpcResult<Vec<GroupChatRow>> {
    Ok(groupchat_rows(&state.core.groupchats().await?))
}

#[tauri::command]
#[specta::specta]
pub async fn presence_list(state: State<'_, AppState>) -> IpcResult<Vec<PresenceRow>> {
    Ok(presence_rows(&state.core.presence().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: u64, name: &str, parent: u64, policy: u64) -> Group {
        Group {
            id,
            displayname: name.into(),
            name: name.to_lowercase(),
            parent,
            policy,
            ..Group::default()
        }
    }

    #[test]
    fn ids_become_names() {
        let groups = [
            group(1, "Staff", 0, 7),
            group(2, "Sales", 1, 0),
            group(3, "Lost", 99, 8),
        ];
        let policies = [Policy {
            id: 7,
            name: "Default".into(),
            ..Policy::default()
        }];
        let rows = group_rows(&groups, &policies);
        assert_eq!(
            (rows[0].parent.as_str(), rows[0].policy.as_str()),
            ("", "Default")
        );
        assert_eq!(rows[1].parent, "Staff", "parent by display name");
        assert_eq!(
            (rows[2].parent.as_str(), rows[2].policy.as_str()),
            ("#99", "#8"),
            "unknown ids stay visible"
        );

        let users = [User {
            name: "ann@acme.example".into(),
            group: 2,
            ..User::default()
        }];
        let rows = user_rows(&users, &groups);
        assert_eq!(rows[0].group, "Sales");
        assert!(!rows[0].disabled);
    }

    #[test]
    fn deleted_group_chats_are_not_listed() {
        let live = GroupChat {
            name: "#a@x".into(),
            ..GroupChat::default()
        };
        let gone = GroupChat {
            name: "#b@x".into(),
            flags: GroupChatFlags::DELETED,
            ..GroupChat::default()
        };
        let rows = groupchat_rows(&[live, gone]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "#a@x");
    }

    #[test]
    fn policy_items_are_counted_not_lines() {
        let data = trillian_api::model::PolicyItems::from_text("a 1\n\nnospace\nb 2\n");
        let rows = policy_rows(&[Policy {
            id: 1,
            name: "P".into(),
            data,
        }]);
        assert_eq!(rows[0].items, 2);
    }
}
