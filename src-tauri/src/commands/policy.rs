//! Policies of the active profile's domain (first-cut list).

use serde::Serialize;
use specta::Type;
use tauri::State;
use trillian_api::model::Policy;

use crate::commands::small;
use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRow {
    pub id: u32,
    pub name: String,
    /// `key value` items in the policy.
    pub items: u32,
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

#[tauri::command]
#[specta::specta]
pub async fn policies_list(state: State<'_, AppState>) -> IpcResult<Vec<PolicyRow>> {
    Ok(policy_rows(&state.core.policies().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

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
