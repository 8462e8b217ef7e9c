//! Group chats of the active profile's domain (first-cut list).

use serde::Serialize;
use specta::Type;
use tauri::State;
use trillian_api::model::{GroupChat, GroupChatFlags};

use crate::commands::small;
use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupChatRow {
    pub name: String,
    pub display_name: String,
    pub topic: String,
    pub members: u32,
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

#[tauri::command]
#[specta::specta]
pub async fn groupchats_list(state: State<'_, AppState>) -> IpcResult<Vec<GroupChatRow>> {
    Ok(groupchat_rows(&state.core.groupchats().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
