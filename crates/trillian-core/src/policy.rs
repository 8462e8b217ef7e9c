//! Policies of the active profile's domain: typed items (known keys with a description and a
//! control kind, unknown keys and other lines kept verbatim and in place), create (from scratch
//! or as a copy), rename, edit, delete (refused while groups or users use it), diff, usage, and
//! the effective policy of a user (their own, else their group's).
//!
//! Encoding is `trillian_api::model::PolicyItems`, which round-trips any text exactly.

pub mod key;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::journal::JournalOutcome;
use crate::model::{NewPolicy, Policy, PolicyItems, PolicyLine, PolicyUpdate};
use crate::{Core, api};

pub use key::{Control, KeyInfo, key_info};

/// One line of a policy as the typed table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PolicyRow {
    /// A `key value` item; `info` is set for known keys.
    #[serde(rename_all = "camelCase")]
    Item {
        line: usize,
        key: String,
        value: String,
        info: Option<KeyInfo>,
    },
    /// Any other line (blank, comment, no value), kept as it is.
    #[serde(rename_all = "camelCase")]
    Verbatim { line: usize, text: String },
}

/// A policy for the screens: its rows, and the decoded text (the raw view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDocument {
    pub id: u64,
    pub name: String,
    pub rows: Vec<PolicyRow>,
    pub text: String,
}

impl PolicyDocument {
    /// The typed rows of `items`.
    pub fn rows(items: &PolicyItems) -> Vec<PolicyRow> {
        items
            .lines
            .iter()
            .enumerate()
            .map(|(line, l)| match l {
                PolicyLine::Item { key, value } => PolicyRow::Item {
                    line,
                    key: key.clone(),
                    value: value.clone(),
                    info: key_info(key),
                },
                PolicyLine::Verbatim { text } => PolicyRow::Verbatim {
                    line,
                    text: text.clone(),
                },
            })
            .collect()
    }

    /// The document of a policy.
    pub fn of(policy: &Policy) -> PolicyDocument {
        PolicyDocument {
            id: policy.id,
            name: policy.name.clone(),
            rows: PolicyDocument::rows(&policy.data),
            text: policy.data.to_text(),
        }
    }
}

/// One edit of a policy's items: set `key` to `value` (in place, or appended when new), or
/// remove every item with `key` (`value` `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyEdit {
    pub key: String,
    pub value: Option<String>,
}

/// `items` with `edits` applied; every other line stays as it was.
pub fn edited(items: &PolicyItems, edits: &[PolicyEdit]) -> Result<PolicyItems> {
    let mut out = items.clone();
    for e in edits {
        if e.key.is_empty() || e.key.contains([' ', '\n', '\r', '\t']) {
            return Err(Error::invalid(
                "key",
                format!("{:?}: a key is one word without spaces", e.key),
            ));
        }
        match &e.value {
            Some(v) if v.contains(['\n', '\r']) => {
                return Err(Error::invalid("value", format!("{}: one line only", e.key)));
            }
            Some(v) => out.set(&e.key, v),
            None => {
                out.remove(&e.key);
            }
        }
    }
    Ok(out)
}

/// How a key differs between two policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DiffKind {
    Same,
    Changed,
    /// Only on the right.
    Added,
    /// Only on the left.
    Removed,
}

/// One row of a side-by-side diff, by key (the first item of a key counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffRow {
    pub key: String,
    pub left: Option<String>,
    pub right: Option<String>,
    pub change: DiffKind,
    pub info: Option<KeyInfo>,
}

/// A side-by-side diff: keys in the left's order, then keys only on the right in its order.
/// `same_text` tells whether the texts are identical (blank lines and comments included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDiff {
    pub rows: Vec<DiffRow>,
    pub same_text: bool,
}

/// Diffs two policies' items.
pub fn diff(left: &PolicyItems, right: &PolicyItems) -> PolicyDiff {
    let mut keys: Vec<&str> = Vec::new();
    for (k, _) in left.items().chain(right.items()) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let rows = keys
        .into_iter()
        .map(|k| {
            let (l, r) = (left.get(k), right.get(k));
            let change = match (l, r) {
                (Some(a), Some(b)) if a == b => DiffKind::Same,
                (Some(_), Some(_)) => DiffKind::Changed,
                (None, _) => DiffKind::Added,
                (Some(_), None) => DiffKind::Removed,
            };
            DiffRow {
                key: k.to_owned(),
                left: l.map(str::to_owned),
                right: r.map(str::to_owned),
                change,
                info: key_info(k),
            }
        })
        .collect();
    PolicyDiff {
        rows,
        same_text: left.to_text() == right.to_text(),
    }
}

/// A group named by id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRef {
    pub id: u64,
    pub displayname: String,
}

/// Who uses a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyUsage {
    pub policy: u64,
    /// Groups whose policy it is.
    pub groups: Vec<GroupRef>,
    /// Users who have it as their own policy.
    pub users: Vec<String>,
    /// Users who inherit it from one of those groups (their own policy is 0).
    pub inheriting_users: usize,
}

/// Where a user's policy comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "camelCase")]
pub enum EffectivePolicy {
    /// The user's own policy.
    #[serde(rename_all = "camelCase")]
    User {
        user: String,
        policy: PolicyDocument,
    },
    /// Inherited from the user's group.
    #[serde(rename_all = "camelCase")]
    Group {
        user: String,
        group: GroupRef,
        policy: PolicyDocument,
    },
    /// Neither the user nor the group names a policy that exists.
    #[serde(rename_all = "camelCase")]
    None { user: String, reason: String },
}

impl Core {
    /// Every policy of the active profile's domain, as the server lists them.
    pub async fn policies(&self) -> Result<Vec<Policy>> {
        let client = self.active_client().await?;
        Ok(client.policies().list().await?)
    }

    /// One policy as a typed document.
    pub async fn policy(&self, id: u64) -> Result<PolicyDocument> {
        let client = self.active_client().await?;
        Ok(PolicyDocument::of(&client.policies().get(id).await?))
    }

    /// Creates a policy named `name`: empty, or a copy of `copy_of`'s items.
    pub async fn create_policy(&self, name: &str, copy_of: Option<u64>) -> Result<PolicyDocument> {
        let result = async {
            let name = checked_name(name)?;
            let client = self.active_client().await?;
            let data = match copy_of {
                Some(id) => client.policies().get(id).await?.data,
                None => PolicyItems::default(),
            };
            let created = client.policies().create(&NewPolicy { name, data }).await?;
            Ok(PolicyDocument::of(&created))
        }
        .await;
        self.journal_policy("policy.create", name, &result);
        result
    }

    /// Renames a policy.
    pub async fn rename_policy(&self, id: u64, name: &str) -> Result<PolicyDocument> {
        let result = async {
            let update = PolicyUpdate {
                name: Some(checked_name(name)?),
                data: None,
            };
            let client = self.active_client().await?;
            Ok(PolicyDocument::of(
                &client.policies().update(id, &update).await?,
            ))
        }
        .await;
        self.journal_policy("policy.rename", &id.to_string(), &result);
        result
    }

    /// Applies `edits` to the policy's items as the server has them now, and saves.
    pub async fn edit_policy(&self, id: u64, edits: &[PolicyEdit]) -> Result<PolicyDocument> {
        let result = async {
            let client = self.active_client().await?;
            let current = client.policies().get(id).await?;
            let data = edited(&current.data, edits)?;
            self.save_items(id, data).await
        }
        .await;
        self.journal_policy("policy.edit", &id.to_string(), &result);
        result
    }

    /// Replaces the policy's text (the raw view's edit).
    pub async fn set_policy_text(&self, id: u64, text: &str) -> Result<PolicyDocument> {
        let result = self.save_items(id, PolicyItems::from_text(text)).await;
        self.journal_policy("policy.edit", &id.to_string(), &result);
        result
    }

    async fn save_items(&self, id: u64, data: PolicyItems) -> Result<PolicyDocument> {
        let client = self.active_client().await?;
        let update = PolicyUpdate {
            name: None,
            data: Some(data),
        };
        Ok(PolicyDocument::of(
            &client.policies().update(id, &update).await?,
        ))
    }

    /// The diff of `edits` against the policy as the server has it (before/after an unsaved
    /// edit).
    pub async fn policy_edit_diff(&self, id: u64, edits: &[PolicyEdit]) -> Result<PolicyDiff> {
        let client = self.active_client().await?;
        let current = client.policies().get(id).await?;
        Ok(diff(&current.data, &edited(&current.data, edits)?))
    }

    /// The diff of two policies.
    pub async fn policy_diff(&self, left: u64, right: u64) -> Result<PolicyDiff> {
        let client = self.active_client().await?;
        let policies = client.policies();
        let (l, r) = tokio::try_join!(policies.get(left), policies.get(right))?;
        Ok(diff(&l.data, &r.data))
    }

    /// Which groups and users use the policy.
    pub async fn policy_usage(&self, id: u64) -> Result<PolicyUsage> {
        let client = self.active_client().await?;
        let (groups, users) = (client.groups(), client.users());
        let (groups, users) = tokio::try_join!(groups.list(api::Expand::empty()), users.list())?;
        let using: Vec<GroupRef> = groups
            .iter()
            .filter(|g| g.policy == id)
            .map(|g| GroupRef {
                id: g.id,
                displayname: g.displayname.clone(),
            })
            .collect();
        Ok(PolicyUsage {
            policy: id,
            users: users
                .iter()
                .filter(|u| u.policy == id)
                .map(|u| u.name.clone())
                .collect(),
            inheriting_users: users
                .iter()
                .filter(|u| u.policy == 0 && using.iter().any(|g| g.id == u.group))
                .count(),
            groups: using,
        })
    }

    /// Deletes a policy that nobody uses; otherwise refuses, naming the groups and users.
    pub async fn delete_policy(&self, id: u64) -> Result<()> {
        let result = async {
            let usage = self.policy_usage(id).await?;
            if !usage.groups.is_empty() || !usage.users.is_empty() {
                let mut parts = Vec::new();
                if !usage.groups.is_empty() {
                    let names: Vec<&str> = usage
                        .groups
                        .iter()
                        .map(|g| g.displayname.as_str())
                        .collect();
                    parts.push(format!("group(s) {}", names.join(", ")));
                }
                if !usage.users.is_empty() {
                    parts.push(format!("{} user(s)", usage.users.len()));
                }
                return Err(Error::invalid(
                    "policy",
                    format!(
                        "still used by {}: give them another policy first",
                        parts.join(" and ")
                    ),
                ));
            }
            let client = self.active_client().await?;
            Ok(client.policies().delete(id).await?)
        }
        .await;
        self.journal_policy("policy.delete", &id.to_string(), &result);
        result
    }

    /// The policy that applies to `user`: their own, else their group's.
    pub async fn effective_policy(&self, user: &str) -> Result<EffectivePolicy> {
        let client = self.active_client().await?;
        let u = client.users().get(user).await?;
        if u.policy != 0 {
            return match client.policies().get(u.policy).await {
                Ok(p) => Ok(EffectivePolicy::User {
                    user: u.name,
                    policy: PolicyDocument::of(&p),
                }),
                Err(trillian_api::Error::NotFound { .. }) => Ok(EffectivePolicy::None {
                    reason: format!("{} names policy {}, which does not exist", u.name, u.policy),
                    user: u.name,
                }),
                Err(e) => Err(e.into()),
            };
        }
        let group = match client.groups().get(u.group, api::Expand::empty()).await {
            Ok(g) => g,
            Err(trillian_api::Error::NotFound { .. }) => {
                return Ok(EffectivePolicy::None {
                    reason: format!("{} is in group {}, which does not exist", u.name, u.group),
                    user: u.name,
                });
            }
            Err(e) => return Err(e.into()),
        };
        let gref = GroupRef {
            id: group.id,
            displayname: group.displayname.clone(),
        };
        if group.policy == 0 {
            return Ok(EffectivePolicy::None {
                reason: format!(
                    "neither {} nor group {} has a policy",
                    u.name, group.displayname
                ),
                user: u.name,
            });
        }
        match client.policies().get(group.policy).await {
            Ok(p) => Ok(EffectivePolicy::Group {
                user: u.name,
                group: gref,
                policy: PolicyDocument::of(&p),
            }),
            Err(trillian_api::Error::NotFound { .. }) => Ok(EffectivePolicy::None {
                reason: format!(
                    "group {} names policy {}, which does not exist",
                    group.displayname, group.policy
                ),
                user: u.name,
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn journal_policy<T>(&self, action: &str, target: &str, result: &Result<T>) {
        let profile = self.active_profile().map(|p| p.id);
        self.inner.journal.record(
            profile.as_deref(),
            action,
            target,
            JournalOutcome::of(result),
        );
    }
}

fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "a policy needs a name"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_order_blank_lines_and_unknown_keys() {
        let items = PolicyItems::from_text(
            "trillian.plugin.msn 0\n\nacme.custom hello world\ntrillian.history.cloud 1\n",
        );
        let rows = PolicyDocument::rows(&items);
        assert_eq!(rows.len(), 4);
        assert!(
            matches!(&rows[0], PolicyRow::Item { info: Some(i), .. } if i.control == Control::Switch)
        );
        assert!(matches!(&rows[1], PolicyRow::Verbatim { text, line: 1 } if text.is_empty()));
        assert!(
            matches!(&rows[2], PolicyRow::Item { key, value, info: None, .. }
                if key == "acme.custom" && value == "hello world"),
            "unknown key kept with its value verbatim"
        );
    }

    #[test]
    fn edits_change_only_their_line() {
        let text = "# managed\ntrillian.plugin.msn 0\n\nzz.unknown  two  spaces\ntrillian.history.cloud 1\n";
        let items = PolicyItems::from_text(text);
        let out = edited(
            &items,
            &[
                PolicyEdit {
                    key: "trillian.plugin.msn".into(),
                    value: Some("1".into()),
                },
                PolicyEdit {
                    key: "trillian.history.cloud".into(),
                    value: None,
                },
                PolicyEdit {
                    key: "trillian.filetransfer".into(),
                    value: Some("server".into()),
                },
            ],
        )
        .expect("valid edits");
        assert_eq!(
            out.to_text(),
            "# managed\ntrillian.plugin.msn 1\n\nzz.unknown  two  spaces\ntrillian.filetransfer server\n"
        );
        assert!(
            edited(
                &items,
                &[PolicyEdit {
                    key: "a b".into(),
                    value: None
                }]
            )
            .is_err()
        );
        assert!(
            edited(
                &items,
                &[PolicyEdit {
                    key: "a".into(),
                    value: Some("x\ny".into())
                }]
            )
            .is_err(),
            "a value cannot smuggle in a second line"
        );
    }

    #[test]
    fn diff_by_key() {
        let l = PolicyItems::from_text("a 1\nb 2\nc 3\n");
        let r = PolicyItems::from_text("a 1\nc 4\nd 5\n");
        let d = diff(&l, &r);
        let got: Vec<(&str, DiffKind)> =
            d.rows.iter().map(|r| (r.key.as_str(), r.change)).collect();
        assert_eq!(
            got,
            [
                ("a", DiffKind::Same),
                ("b", DiffKind::Removed),
                ("c", DiffKind::Changed),
                ("d", DiffKind::Added)
            ]
        );
        assert!(!d.same_text);
        let blank = PolicyItems::from_text("a 1\n\nb 2\nc 3\n");
        let d = diff(&l, &blank);
        assert!(d.rows.iter().all(|r| r.change == DiffKind::Same));
        assert!(!d.same_text, "a blank line is a difference of text");
    }
}
