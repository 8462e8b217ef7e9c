//! Group chats: the list, one chat, create, edit (display name, topic, named flags), and
//! members (Op/Voice, add users or a group, bulk remove as a job).

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;
use tauri::ipc::Channel;
use trillian_core::groupchat::{self as core_gc, GroupChatEdit, GroupChatSummary};
use trillian_core::job::{Job, JobReport, Outcome, Progress};

use crate::commands::job::JobEvent;
use crate::commands::small;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// How many member requests run at once.
const MEMBER_CONCURRENCY: usize = 4;

/// One group chat (list row and detail).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatRow {
    pub name: String,
    pub display_name: String,
    pub topic: String,
    pub member_count: u32,
    /// Unix milliseconds of the last message, 0 for none.
    pub last_message_ms: f64,
    /// Every flag bit, unknown ones included.
    pub flags: u32,
    /// The reference names of the named flags that are set.
    pub flag_names: Vec<String>,
}

impl From<GroupChatSummary> for GroupChatRow {
    fn from(s: GroupChatSummary) -> Self {
        GroupChatRow {
            name: s.name,
            display_name: s.display_name,
            topic: s.topic,
            member_count: s.member_count,
            // Milliseconds stay exact in an f64 up to 2^53 (year 287396).
            last_message_ms: s.last_message_ms as f64,
            flags: s.flags,
            flag_names: s.flag_names,
        }
    }
}

/// A named flag with its switch label and one-line explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatFlag {
    pub name: String,
    pub bit: u32,
    pub label: String,
    pub explanation: String,
}

/// Create: display name, topic, flags.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatInput {
    pub display_name: String,
    pub topic: String,
    pub flags: u32,
}

/// Edit: only what is set changes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatChanges {
    pub display_name: Option<String>,
    pub topic: Option<String>,
    pub flags: Option<u32>,
}

/// One member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MemberRow {
    pub im: String,
    pub flags: u32,
    pub op: bool,
    pub voice: bool,
}

impl From<core_gc::MemberRow> for MemberRow {
    fn from(m: core_gc::MemberRow) -> Self {
        MemberRow {
            im: m.im,
            flags: m.flags,
            op: m.op,
            voice: m.voice,
        }
    }
}

/// One item of a bulk job that did not simply succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ItemNote {
    pub item: String,
    /// `skipped`, `failed` or `cancelled`.
    pub status: String,
    pub message: String,
}

/// What a bulk job did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    pub succeeded: u32,
    pub skipped: u32,
    pub failed: u32,
    pub cancelled: bool,
    pub notes: Vec<ItemNote>,
}

impl BulkResult {
    pub(crate) fn of(r: &JobReport) -> Self {
        BulkResult {
            succeeded: small(r.succeeded()),
            skipped: small(r.skipped()),
            failed: small(r.failed()),
            cancelled: r.cancelled,
            notes: r
                .items
                .iter()
                .filter_map(|i| {
                    let (status, message) = match &i.outcome {
                        Outcome::Done { .. } => return None,
                        Outcome::Skipped { reason } => ("skipped", reason.clone()),
                        Outcome::Failed { message, .. } => ("failed", message.clone()),
                        Outcome::Cancelled => ("cancelled", String::new()),
                    };
                    Some(ItemNote {
                        item: i.item.clone(),
                        status: status.into(),
                        message,
                    })
                })
                .collect(),
        }
    }

    fn summary(&self) -> String {
        format!(
            "{} done, {} skipped, {} failed{}",
            self.succeeded,
            self.skipped,
            self.failed,
            if self.cancelled { " (cancelled)" } else { "" }
        )
    }
}

/// A user the "add members" picker offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CandidateUser {
    pub im: String,
    pub display_name: String,
    pub group: u32,
}

/// A group whose users can be added at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CandidateGroup {
    pub id: u32,
    pub display_name: String,
    pub users: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MemberCandidates {
    pub users: Vec<CandidateUser>,
    pub groups: Vec<CandidateGroup>,
}

#[tauri::command]
#[specta::specta]
pub async fn groupchat_candidates(state: State<'_, AppState>) -> IpcResult<MemberCandidates> {
    let c = state.core.member_candidates().await?;
    Ok(MemberCandidates {
        users: c
            .users
            .into_iter()
            .map(|u| CandidateUser {
                im: u.im,
                display_name: u.display_name,
                group: small(u.group),
            })
            .collect(),
        groups: c
            .groups
            .into_iter()
            .map(|g| CandidateGroup {
                id: small(g.id),
                display_name: g.display_name,
                users: g.users,
            })
            .collect(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn groupchats_list(state: State<'_, AppState>) -> IpcResult<Vec<GroupChatRow>> {
    let rows = state.core.groupchat_summaries().await?;
    Ok(rows.into_iter().map(GroupChatRow::from).collect())
}

#[tauri::command]
#[specta::specta]
pub async fn groupchat_get(state: State<'_, AppState>, name: String) -> IpcResult<GroupChatRow> {
    Ok(state.core.groupchat(&name).await?.into())
}

#[tauri::command]
#[specta::specta]
pub fn groupchat_flags() -> Vec<GroupChatFlag> {
    core_gc::groupchat_flags()
        .into_iter()
        .map(|f| GroupChatFlag {
            name: f.name,
            bit: f.bit,
            label: f.label,
            explanation: f.explanation,
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn groupchat_create(
    state: State<'_, AppState>,
    input: GroupChatInput,
) -> IpcResult<GroupChatRow> {
    let chat = state
        .core
        .create_groupchat(&input.display_name, &input.topic, input.flags)
        .await?;
    Ok(chat.into())
}

#[tauri::command]
#[specta::specta]
pub async fn groupchat_update(
    state: State<'_, AppState>,
    name: String,
    changes: GroupChatChanges,
) -> IpcResult<GroupChatRow> {
    let edit = GroupChatEdit {
        display_name: changes.display_name,
        topic: changes.topic,
        flags: changes.flags,
    };
    Ok(state.core.update_groupchat(&name, &edit).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn groupchat_members(
    state: State<'_, AppState>,
    name: String,
) -> IpcResult<Vec<MemberRow>> {
    let rows = state.core.groupchat_members(&name).await?;
    Ok(rows.into_iter().map(MemberRow::from).collect())
}

/// Sets a member's flags (Op = 1, Voice = 2; other bits as given).
#[tauri::command]
#[specta::specta]
pub async fn groupchat_member_flags(
    state: State<'_, AppState>,
    name: String,
    im: String,
    flags: u32,
) -> IpcResult<MemberRow> {
    Ok(state.core.set_member_flags(&name, &im, flags).await?.into())
}

enum MemberOp {
    Add { flags: u32 },
    Remove,
}

/// Runs a member job over `ims`, forwarding its progress to `on_event`.
async fn member_job(
    state: &AppState,
    name: &str,
    ims: Vec<String>,
    op: MemberOp,
    on_event: &Channel<JobEvent>,
) -> IpcResult<BulkResult> {
    let (job_id, cancel) = state.start_job();
    let send = |e: JobEvent| {
        // A closed channel (the page went away) must not fail the job.
        let _ = on_event.send(e);
    };
    let total = ims.len();
    let title = match op {
        MemberOp::Add { .. } => format!("Add {total} members"),
        MemberOp::Remove => format!("Remove {total} members"),
    };
    send(JobEvent::Started {
        job_id: job_id.clone(),
        title,
        total: Some(small(total)),
    });
    let job = Job::new(MEMBER_CONCURRENCY).with_cancel(cancel);
    let progress = |p: Progress| {
        send(JobEvent::Progress {
            done: small(p.done),
            total: Some(small(p.total)),
            item: Some(p.item),
        });
    };
    let result = match op {
        MemberOp::Add { flags } => {
            state
                .core
                .add_groupchat_members(name, ims, flags, &job, progress)
                .await
        }
        MemberOp::Remove => {
            state
                .core
                .remove_groupchat_members(name, ims, &job, progress)
                .await
        }
    };
    state.finish_job(&job_id);
    match result {
        Ok(report) => {
            let bulk = BulkResult::of(&report);
            send(JobEvent::Finished {
                ok: bulk.failed == 0 && !bulk.cancelled,
                message: bulk.summary(),
            });
            Ok(bulk)
        }
        Err(e) => {
            send(JobEvent::Finished {
                ok: false,
                message: e.to_string(),
            });
            Err(e.into())
        }
    }
}

/// Adds users (`ims`) and/or everyone in group `group_id` (0: none) with `flags`.
#[tauri::command]
#[specta::specta]
pub async fn groupchat_members_add(
    state: State<'_, AppState>,
    name: String,
    ims: Vec<String>,
    group_id: u32,
    flags: u32,
    on_event: Channel<JobEvent>,
) -> IpcResult<BulkResult> {
    let mut all = ims;
    if group_id != 0 {
        all.extend(state.core.group_member_ims(group_id.into()).await?);
    }
    if all.is_empty() {
        return Err(IpcError::invalid(
            "Pick at least one user or a group with members.",
        ));
    }
    member_job(&state, &name, all, MemberOp::Add { flags }, &on_event).await
}

/// Removes `ims` from the chat.
#[tauri::command]
#[specta::specta]
pub async fn groupchat_members_remove(
    state: State<'_, AppState>,
    name: String,
    ims: Vec<String>,
    on_event: Channel<JobEvent>,
) -> IpcResult<BulkResult> {
    if ims.is_empty() {
        return Err(IpcError::invalid("Select the members to remove."));
    }
    member_job(&state, &name, ims, MemberOp::Remove, &on_event).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use trillian_core::job::ItemResult;

    #[test]
    fn bulk_result_lists_what_did_not_simply_succeed() {
        let report = JobReport {
            items: vec![
                ItemResult {
                    item: "a@x".into(),
                    outcome: Outcome::done(),
                },
                ItemResult {
                    item: "b@x".into(),
                    outcome: Outcome::skipped("already a member"),
                },
            ],
            cancelled: false,
        };
        let r = BulkResult::of(&report);
        assert_eq!((r.succeeded, r.skipped, r.failed), (1, 1, 0));
        assert_eq!(r.notes.len(), 1);
        assert_eq!(r.notes[0].message, "already a member");
        assert_eq!(r.summary(), "1 done, 1 skipped, 0 failed");
    }

    #[test]
    fn every_named_flag_is_offered() {
        let flags = groupchat_flags();
        assert_eq!(flags.len(), 7);
        assert!(
            flags
                .iter()
                .any(|f| f.name == "GROUPCHAT_DELETED" && f.bit == 1)
        );
    }
}
