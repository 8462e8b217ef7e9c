//! Groups of the active profile's domain (first-cut list).

use serde::Serialize;
use specta::Type;
use tauri::State;
use trillian_api::model::{Group, Policy};

use crate::commands::{lookup, names, small};
use crate::error::IpcResult;
use crate::state::AppState;

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

#[tauri::command]
#[specta::specta]
pub async fn groups_list(state: State<'_, AppState>) -> IpcResult<Vec<GroupRow>> {
    let core = &state.core;
    let (groups, policies) = tokio::try_join!(core.groups(), core.policies())?;
    Ok(group_rows(&groups, &policies))
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
    }
}
