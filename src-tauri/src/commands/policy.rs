//! Policies: list, typed document, create (scratch or copy), rename, edit, raw text, delete
//! (refused while in use), diff, usage, and a user's effective policy.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;
use trillian_core::model::Policy;
use trillian_core::policy::{
    Control, DiffKind, EffectivePolicy, KeyInfo, PolicyDiff, PolicyDocument, PolicyEdit, PolicyRow,
};

use crate::commands::small;
use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicySummary {
    pub id: u32,
    pub name: String,
    /// `key value` items in the policy.
    pub items: u32,
}

pub fn policy_summaries(policies: &[Policy]) -> Vec<PolicySummary> {
    policies
        .iter()
        .map(|p| PolicySummary {
            id: small(p.id),
            name: p.name.clone(),
            items: small(p.data.items().count()),
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn policies_list(state: State<'_, AppState>) -> IpcResult<Vec<PolicySummary>> {
    Ok(policy_summaries(&state.core.policies().await?))
}

/// How a value is edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ControlView {
    /// An unknown key: free text.
    Text,
    Switch,
    Choice {
        options: Vec<String>,
    },
    Number {
        unit: String,
    },
}

fn control_of(info: Option<&KeyInfo>) -> (Option<String>, ControlView) {
    match info {
        None => (None, ControlView::Text),
        Some(i) => (
            Some(i.description.clone()),
            match &i.control {
                Control::Switch => ControlView::Switch,
                Control::Choice { options } => ControlView::Choice {
                    options: options.clone(),
                },
                Control::Number { unit } => ControlView::Number { unit: unit.clone() },
            },
        ),
    }
}

/// One line of a policy: an item (`key` set) or a verbatim line (`key` empty, `value` the text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyLineView {
    pub line: u32,
    pub verbatim: bool,
    pub key: String,
    pub value: String,
    pub description: Option<String>,
    pub control: ControlView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    pub id: u32,
    pub name: String,
    pub lines: Vec<PolicyLineView>,
    /// The decoded text (the raw view).
    pub text: String,
}

fn policy_view(doc: PolicyDocument) -> PolicyView {
    PolicyView {
        id: small(doc.id),
        name: doc.name,
        lines: doc
            .rows
            .into_iter()
            .map(|row| match row {
                PolicyRow::Item {
                    line,
                    key,
                    value,
                    info,
                } => {
                    let (description, control) = control_of(info.as_ref());
                    PolicyLineView {
                        line: small(line),
                        verbatim: false,
                        key,
                        value,
                        description,
                        control,
                    }
                }
                PolicyRow::Verbatim { line, text } => PolicyLineView {
                    line: small(line),
                    verbatim: true,
                    key: String::new(),
                    value: text,
                    description: None,
                    control: ControlView::Text,
                },
            })
            .collect(),
        text: doc.text,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn policy_get(state: State<'_, AppState>, id: u32) -> IpcResult<PolicyView> {
    Ok(policy_view(state.core.policy(id.into()).await?))
}

/// Creates a policy, empty or (`copy_of` ≠ 0) as a copy of another.
#[tauri::command]
#[specta::specta]
pub async fn policy_create(
    state: State<'_, AppState>,
    name: String,
    copy_of: u32,
) -> IpcResult<PolicyView> {
    let from = (copy_of != 0).then_some(u64::from(copy_of));
    Ok(policy_view(state.core.create_policy(&name, from).await?))
}

#[tauri::command]
#[specta::specta]
pub async fn policy_rename(
    state: State<'_, AppState>,
    id: u32,
    name: String,
) -> IpcResult<PolicyView> {
    Ok(policy_view(
        state.core.rename_policy(id.into(), &name).await?,
    ))
}

/// Set `key` to `value`, or remove it (`value` null).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
pub struct PolicyEditInput {
    pub key: String,
    pub value: Option<String>,
}

fn edits(input: Vec<PolicyEditInput>) -> Vec<PolicyEdit> {
    input
        .into_iter()
        .map(|e| PolicyEdit {
            key: e.key,
            value: e.value,
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn policy_edit(
    state: State<'_, AppState>,
    id: u32,
    edits_in: Vec<PolicyEditInput>,
) -> IpcResult<PolicyView> {
    Ok(policy_view(
        state.core.edit_policy(id.into(), &edits(edits_in)).await?,
    ))
}

#[tauri::command]
#[specta::specta]
pub async fn policy_set_text(
    state: State<'_, AppState>,
    id: u32,
    text: String,
) -> IpcResult<PolicyView> {
    Ok(policy_view(
        state.core.set_policy_text(id.into(), &text).await?,
    ))
}

#[tauri::command]
#[specta::specta]
pub async fn policy_delete(state: State<'_, AppState>, id: u32) -> IpcResult<()> {
    Ok(state.core.delete_policy(id.into()).await?)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiffRowView {
    pub key: String,
    pub left: Option<String>,
    pub right: Option<String>,
    /// `same`, `changed`, `added` (right only) or `removed` (left only).
    pub change: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDiffView {
    pub rows: Vec<DiffRowView>,
    pub same_text: bool,
}

fn diff_view(d: PolicyDiff) -> PolicyDiffView {
    PolicyDiffView {
        rows: d
            .rows
            .into_iter()
            .map(|r| DiffRowView {
                change: match r.change {
                    DiffKind::Same => "same",
                    DiffKind::Changed => "changed",
                    DiffKind::Added => "added",
                    DiffKind::Removed => "removed",
                }
                .into(),
                description: r.info.map(|i| i.description),
                key: r.key,
                left: r.left,
                right: r.right,
            })
            .collect(),
        same_text: d.same_text,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn policy_diff(
    state: State<'_, AppState>,
    left: u32,
    right: u32,
) -> IpcResult<PolicyDiffView> {
    Ok(diff_view(
        state.core.policy_diff(left.into(), right.into()).await?,
    ))
}

/// The saved policy against the same policy with `edits_in` applied (not saved).
#[tauri::command]
#[specta::specta]
pub async fn policy_edit_diff(
    state: State<'_, AppState>,
    id: u32,
    edits_in: Vec<PolicyEditInput>,
) -> IpcResult<PolicyDiffView> {
    Ok(diff_view(
        state
            .core
            .policy_edit_diff(id.into(), &edits(edits_in))
            .await?,
    ))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupName {
    pub id: u32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyUsageView {
    pub groups: Vec<GroupName>,
    /// Users with this as their own policy.
    pub users: Vec<String>,
    /// Users who inherit it from those groups.
    pub inheriting_users: u32,
}

#[tauri::command]
#[specta::specta]
pub async fn policy_usage(state: State<'_, AppState>, id: u32) -> IpcResult<PolicyUsageView> {
    let u = state.core.policy_usage(id.into()).await?;
    Ok(PolicyUsageView {
        groups: u
            .groups
            .into_iter()
            .map(|g| GroupName {
                id: small(g.id),
                name: g.displayname,
            })
            .collect(),
        users: u.users,
        inheriting_users: small(u.inheriting_users),
    })
}

/// A user's effective policy: `source` is `user`, `group` or `none`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EffectivePolicyView {
    pub user: String,
    pub source: String,
    pub group: Option<String>,
    pub policy: Option<PolicyView>,
    pub reason: String,
}

#[tauri::command]
#[specta::specta]
pub async fn policy_effective(
    state: State<'_, AppState>,
    user: String,
) -> IpcResult<EffectivePolicyView> {
    Ok(match state.core.effective_policy(user.trim()).await? {
        EffectivePolicy::User { user, policy } => EffectivePolicyView {
            reason: format!("{user} has their own policy"),
            user,
            source: "user".into(),
            group: None,
            policy: Some(policy_view(policy)),
        },
        EffectivePolicy::Group {
            user,
            group,
            policy,
        } => EffectivePolicyView {
            reason: format!("inherited from group {}", group.displayname),
            user,
            source: "group".into(),
            group: Some(group.displayname),
            policy: Some(policy_view(policy)),
        },
        EffectivePolicy::None { user, reason } => EffectivePolicyView {
            user,
            source: "none".into(),
            group: None,
            policy: None,
            reason,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use trillian_core::model::PolicyItems;

    #[test]
    fn items_are_counted_not_lines() {
        let data = PolicyItems::from_text("a 1\n\nnospace\nb 2\n");
        let rows = policy_summaries(&[Policy {
            id: 1,
            name: "P".into(),
            data,
        }]);
        assert_eq!(rows[0].items, 2);
    }

    #[test]
    fn known_keys_get_controls_and_the_rest_is_text() {
        let policy = Policy {
            id: 3,
            name: "P".into(),
            data: PolicyItems::from_text("trillian.plugin.msn 0\n\nacme.x y z\n"),
        };
        let view = policy_view(PolicyDocument::of(&policy));
        assert_eq!(view.lines[0].control, ControlView::Switch);
        assert!(view.lines[0].description.is_some());
        assert!(view.lines[1].verbatim && view.lines[1].value.is_empty());
        assert_eq!(view.lines[2].control, ControlView::Text);
        assert_eq!(view.lines[2].value, "y z");
        assert_eq!(view.text, "trillian.plugin.msn 0\n\nacme.x y z\n");
    }
}
