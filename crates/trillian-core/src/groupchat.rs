//! Group chats of the active profile's domain: list, create, edit (display name, topic, named
//! flags with unknown bits kept), and members (Op/Voice, add users or a whole group, remove in
//! bulk as a job).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::job::{Job, JobReport, Outcome, Progress};
use crate::model::{GroupChat, GroupChatFlags, GroupChatUpdate, MemberFlags, NewGroupChat};
use crate::{Core, JournalOutcome, api};

/// One group chat as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatSummary {
    /// `#<hex>@domain`.
    pub name: String,
    pub display_name: String,
    pub topic: String,
    pub member_count: u32,
    /// Time of the last message, unix milliseconds (0: none).
    pub last_message_ms: u64,
    /// All flag bits, unknown ones included.
    pub flags: u32,
    /// The reference's names of the named flags that are set (`GROUPCHAT_DISABLE_LIST`, …).
    pub flag_names: Vec<String>,
}

impl From<&GroupChat> for GroupChatSummary {
    fn from(c: &GroupChat) -> Self {
        GroupChatSummary {
            name: c.name.clone(),
            display_name: c.displayname.clone(),
            topic: c.topic.clone(),
            member_count: u32::try_from(c.members.len()).unwrap_or(u32::MAX),
            last_message_ms: c.message_timestamp,
            flags: c.flags.bits(),
            flag_names: GroupChatFlags::NAMED
                .iter()
                .filter(|(_, f)| c.flags.contains(*f))
                .map(|(n, _)| (*n).to_owned())
                .collect(),
        }
    }
}

/// A named group chat flag, for a switch with a one-line explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagInfo {
    /// The reference's constant name, e.g. `GROUPCHAT_DISABLE_TOPIC_SET`.
    pub name: String,
    pub bit: u32,
    /// A short label for the switch.
    pub label: String,
    /// One line saying what it does.
    pub explanation: String,
}

/// Every named group chat flag, in the reference's order. Operators are not bound by the
/// `DISABLE_*` flags (they may change them too).
pub fn groupchat_flags() -> Vec<FlagInfo> {
    let text = |f: GroupChatFlags| -> (&'static str, &'static str) {
        match f {
            GroupChatFlags::DELETED => (
                "Deleted",
                "Hidden from listings; still reachable by its name.",
            ),
            GroupChatFlags::DISABLE_DISPLAYNAME_SET => (
                "Lock display name",
                "Members cannot rename the chat (operators still can).",
            ),
            GroupChatFlags::DISABLE_TOPIC_SET => (
                "Lock topic",
                "Members cannot change the topic (operators still can).",
            ),
            GroupChatFlags::DISABLE_LIST => (
                "Hide member list",
                "Members cannot see who is in the chat (operators still can).",
            ),
            GroupChatFlags::DISABLE_MEMBER_ADD => (
                "No adding members",
                "Members cannot invite others (operators still can).",
            ),
            GroupChatFlags::DISABLE_MEMBER_REMOVE => (
                "No removing members",
                "Members cannot remove others (operators still can).",
            ),
            GroupChatFlags::DISABLE_MESSAGE_SEND => (
                "Read-only",
                "Members cannot send messages (operators still can).",
            ),
            _ => ("Unknown", ""),
        }
    };
    GroupChatFlags::NAMED
        .iter()
        .map(|(name, f)| {
            let (label, explanation) = text(*f);
            FlagInfo {
                name: (*name).to_owned(),
                bit: f.bits(),
                label: label.to_owned(),
                explanation: explanation.to_owned(),
            }
        })
        .collect()
}

/// `flags` with the named bit `bit` switched on or off; every other bit (unknown ones too) kept.
pub fn with_flag(flags: u32, bit: u32, on: bool) -> u32 {
    if on { flags | bit } else { flags & !bit }
}

/// What to change on a group chat; `None` fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatEdit {
    pub display_name: Option<String>,
    pub topic: Option<String>,
    /// The full flag word (unknown bits as read from the server).
    pub flags: Option<u32>,
}

/// One member of a group chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRow {
    /// IM address.
    pub im: String,
    /// All flag bits (unknown ones kept).
    pub flags: u32,
    /// `GROUPCHAT_MEMBER_OP`.
    pub op: bool,
    /// `GROUPCHAT_MEMBER_VOICE`.
    pub voice: bool,
}

impl MemberRow {
    fn new(im: String, flags: MemberFlags) -> Self {
        MemberRow {
            im,
            flags: flags.bits(),
            op: flags.contains(MemberFlags::OP),
            voice: flags.contains(MemberFlags::VOICE),
        }
    }
}

/// A user who can be added to a group chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateUser {
    pub im: String,
    pub display_name: String,
    pub group: u64,
}

/// A group whose users can be added at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateGroup {
    pub id: u64,
    pub display_name: String,
    /// How many users are in the group.
    pub users: u32,
}

/// Who can be added to a group chat: the users and the groups of the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidates {
    pub users: Vec<CandidateUser>,
    pub groups: Vec<CandidateGroup>,
}

impl Core {
    /// The users and groups of the domain, for the "add members" picker.
    pub async fn member_candidates(&self) -> Result<Candidates> {
        let client = self.active_client().await?;
        let (users_api, groups_api) = (client.users(), client.groups());
        let (users, groups) =
            tokio::try_join!(users_api.list(), groups_api.list(api::Expand::empty()))?;
        let mut users: Vec<CandidateUser> = users
            .into_iter()
            .map(|u| CandidateUser {
                im: u.name,
                display_name: u.displayname,
                group: u.group,
            })
            .collect();
        users.sort_by(|a, b| a.im.cmp(&b.im));
        let mut groups: Vec<CandidateGroup> = groups
            .into_iter()
            .map(|g| CandidateGroup {
                users: u32::try_from(users.iter().filter(|u| u.group == g.id).count())
                    .unwrap_or(u32::MAX),
                id: g.id,
                display_name: g.displayname,
            })
            .collect();
        groups.sort_by(|a, b| {
            a.display_name
                .to_lowercase()
                .cmp(&b.display_name.to_lowercase())
        });
        Ok(Candidates { users, groups })
    }

    /// Every group chat of the active profile's domain, members expanded.
    pub async fn groupchats(&self) -> Result<Vec<GroupChat>> {
        let client = self.active_client().await?;
        Ok(client.groupchats().list(api::Expand::MEMBERS).await?)
    }

    /// The group chat list for the screens (deleted chats are left out by the server).
    pub async fn groupchat_summaries(&self) -> Result<Vec<GroupChatSummary>> {
        let mut rows: Vec<GroupChatSummary> = self
            .groupchats()
            .await?
            .iter()
            .filter(|c| !c.flags.contains(GroupChatFlags::DELETED))
            .map(GroupChatSummary::from)
            .collect();
        rows.sort_by(|a, b| {
            a.display_name
                .to_lowercase()
                .cmp(&b.display_name.to_lowercase())
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(rows)
    }

    /// One group chat by name (also a deleted one), members expanded.
    pub async fn groupchat(&self, name: &str) -> Result<GroupChatSummary> {
        let client = self.active_client().await?;
        let chat = client.groupchats().get(name, api::Expand::MEMBERS).await?;
        Ok(GroupChatSummary::from(&chat))
    }

    /// Creates a group chat with a display name, flags and (if not empty) a topic.
    pub async fn create_groupchat(
        &self,
        display_name: &str,
        topic: &str,
        flags: u32,
    ) -> Result<GroupChatSummary> {
        let profile = self.require_active()?;
        let result = async {
            if display_name.trim().is_empty() {
                return Err(Error::invalid("display name", "must not be empty"));
            }
            let client = self.client_for(&profile).await?;
            let chats = client.groupchats();
            let mut chat = chats
                .create(&NewGroupChat {
                    displayname: Some(display_name.trim().to_owned()),
                    flags: Some(GroupChatFlags::from_bits_retain(flags)),
                })
                .await?;
            if !topic.trim().is_empty() {
                chat = chats
                    .update(
                        &chat.name,
                        &GroupChatUpdate {
                            topic: Some(topic.to_owned()),
                            ..GroupChatUpdate::default()
                        },
                    )
                    .await?;
            }
            Ok(GroupChatSummary::from(&chat))
        }
        .await;
        let target = match &result {
            Ok(c) => c.name.clone(),
            Err(_) => display_name.to_owned(),
        };
        self.record(
            Some(&profile.id),
            "groupchat.create",
            &target,
            JournalOutcome::of(&result),
        );
        result
    }

    /// Changes a group chat's display name, topic and/or flags.
    pub async fn update_groupchat(
        &self,
        name: &str,
        edit: &GroupChatEdit,
    ) -> Result<GroupChatSummary> {
        let profile = self.require_active()?;
        let result = async {
            if edit
                .display_name
                .as_deref()
                .is_some_and(|d| d.trim().is_empty())
            {
                return Err(Error::invalid("display name", "must not be empty"));
            }
            let client = self.client_for(&profile).await?;
            let update = GroupChatUpdate {
                displayname: edit.display_name.as_ref().map(|d| d.trim().to_owned()),
                flags: edit.flags.map(GroupChatFlags::from_bits_retain),
                topic: edit.topic.clone(),
            };
            let chats = client.groupchats();
            chats.update(name, &update).await?;
            let chat = chats.get(name, api::Expand::MEMBERS).await?;
            Ok(GroupChatSummary::from(&chat))
        }
        .await;
        self.record(
            Some(&profile.id),
            "groupchat.update",
            name,
            JournalOutcome::of(&result),
        );
        result
    }

    /// The members of a group chat, by address.
    pub async fn groupchat_members(&self, name: &str) -> Result<Vec<MemberRow>> {
        let client = self.active_client().await?;
        let mut rows: Vec<MemberRow> = client
            .groupchats()
            .members(name)
            .list()
            .await?
            .into_iter()
            .map(|m| MemberRow::new(m.name, m.flags))
            .collect();
        rows.sort_by(|a, b| a.im.cmp(&b.im));
        Ok(rows)
    }

    /// Sets a member's flags (Op, Voice; other bits as given). Posting to an existing member
    /// updates its flags.
    pub async fn set_member_flags(&self, name: &str, im: &str, flags: u32) -> Result<MemberRow> {
        let profile = self.require_active()?;
        let result = async {
            let client = self.client_for(&profile).await?;
            let members = client.groupchats().members(name);
            let present = members.list().await?.iter().any(|m| m.name == im);
            if !present {
                return Err(Error::invalid(
                    "member",
                    format!("{im} is not a member of this group chat"),
                ));
            }
            let m = members
                .add(im, Some(MemberFlags::from_bits_retain(flags)))
                .await?;
            Ok(MemberRow::new(m.name, m.flags))
        }
        .await;
        self.record(
            Some(&profile.id),
            "groupchat.member.flags",
            &format!("{name} {im}"),
            JournalOutcome::of(&result),
        );
        result
    }

    /// The addresses of every user in group `group_id` (for "add everyone in a group").
    pub async fn group_member_ims(&self, group_id: u64) -> Result<Vec<String>> {
        let client = self.active_client().await?;
        let mut ims: Vec<String> = client
            .users()
            .list()
            .await?
            .into_iter()
            .filter(|u| u.group == group_id)
            .map(|u| u.name)
            .collect();
        ims.sort();
        Ok(ims)
    }

    /// Adds `ims` to a group chat with `flags`, one item each; who is already a member is
    /// skipped (safe to re-run).
    pub async fn add_groupchat_members(
        &self,
        name: &str,
        ims: Vec<String>,
        flags: u32,
        job: &Job,
        on_progress: impl FnMut(Progress),
    ) -> Result<JobReport> {
        self.change_members(
            name,
            ims,
            Some(MemberFlags::from_bits_retain(flags)),
            job,
            on_progress,
        )
        .await
    }

    /// Removes `ims` from a group chat, one item each; who is no longer a member is skipped
    /// (safe to re-run after an interruption).
    pub async fn remove_groupchat_members(
        &self,
        name: &str,
        ims: Vec<String>,
        job: &Job,
        on_progress: impl FnMut(Progress),
    ) -> Result<JobReport> {
        self.change_members(name, ims, None, job, on_progress).await
    }

    /// Adds (`Some(flags)`) or removes (`None`) members as a job, each change journalled; users
    /// already in the wanted state are skipped.
    async fn change_members(
        &self,
        name: &str,
        ims: Vec<String>,
        add: Option<MemberFlags>,
        job: &Job,
        on_progress: impl FnMut(Progress),
    ) -> Result<JobReport> {
        let profile = self.require_active()?;
        let client = self.client_for(&profile).await?;
        let present: HashSet<String> = client
            .groupchats()
            .members(name)
            .list()
            .await?
            .into_iter()
            .map(|m| m.name)
            .collect();
        let ims = dedup(ims);
        let client = &client;
        let present = &present;
        let profile_id = profile.id.as_str();
        let report = job
            .run(
                ims,
                Clone::clone,
                |im| async move {
                    let members = client.groupchats().members(name);
                    let (result, action) = match add {
                        Some(_) if present.contains(&im) => {
                            return Ok(Outcome::skipped("already a member"));
                        }
                        None if !present.contains(&im) => {
                            return Ok(Outcome::skipped("not a member"));
                        }
                        Some(flags) => (
                            members.add(&im, Some(flags)).await.map(drop),
                            "groupchat.member.add",
                        ),
                        None => (members.remove(&im).await, "groupchat.member.remove"),
                    };
                    let result = result.map_err(Error::from);
                    self.record(
                        Some(profile_id),
                        action,
                        &format!("{name} {im}"),
                        JournalOutcome::of(&result),
                    );
                    result.map(|()| Outcome::done())
                },
                on_progress,
            )
            .await;
        Ok(report)
    }
}

fn dedup(ims: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ims.into_iter()
        .map(|im| im.trim().to_owned())
        .filter(|im| !im.is_empty() && seen.insert(im.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_flag_has_an_explanation() {
        let flags = groupchat_flags();
        assert_eq!(flags.len(), 7, "DELETED and six DISABLE_* flags");
        for f in &flags {
            assert!(f.name.starts_with("GROUPCHAT_"), "{}", f.name);
            assert!(!f.explanation.is_empty(), "{} explained", f.name);
        }
    }

    #[test]
    fn switching_a_flag_keeps_unknown_bits() {
        let unknown = 0x8000_0000 | 0x10;
        let f = with_flag(unknown, GroupChatFlags::DISABLE_TOPIC_SET.bits(), true);
        assert_eq!(f, unknown | 0x200);
        assert_eq!(
            with_flag(f, 0x200, false),
            unknown,
            "only the named bit changes"
        );
    }

    #[test]
    fn summary_names_the_set_flags_and_keeps_unknown_bits() {
        let chat = GroupChat {
            name: "#a@x".into(),
            flags: GroupChatFlags::from_bits_retain(0x4000_0000 | 0x2000),
            ..GroupChat::default()
        };
        let s = GroupChatSummary::from(&chat);
        assert_eq!(s.flag_names, vec!["GROUPCHAT_DISABLE_MESSAGE_SEND"]);
        assert_eq!(s.flags, 0x4000_2000);
    }

    #[test]
    fn dedup_trims_and_drops_empties() {
        assert_eq!(
            dedup(vec![
                " a@x ".into(),
                "a@x".into(),
                String::new(),
                "b@x".into()
            ]),
            vec!["a@x", "b@x"]
        );
    }
}
