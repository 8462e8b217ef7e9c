//! Users of the active profile's domain (first-cut list).

use serde::Serialize;
use specta::Type;
use tauri::State;
use trillian_api::model::{Group, User};

use crate::commands::{lookup, names};
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

#[tauri::command]
#[specta::specta]
pub async fn users_list(state: State<'_, AppState>) -> IpcResult<Vec<UserRow>> {
    let core = &state.core;
    let (users, groups) = tokio::try_join!(core.users(), core.groups())?;
    Ok(user_rows(&users, &groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_shows_the_group_name() {
        let groups = [Group {
            id: 2,
            displayname: "Sales".into(),
            ..Group::default()
        }];
        let users = [
            User {
                name: "ann@acme.example".into(),
                group: 2,
                ..User::default()
            },
            User {
                name: "bob@acme.example".into(),
                group: 9,
                ..User::default()
            },
        ];
        let rows = user_rows(&users, &groups);
        assert_eq!(rows[0].group, "Sales");
        assert_eq!(rows[1].group, "#9", "an unknown group stays visible");
        assert!(!rows[0].disabled);
    }
}
