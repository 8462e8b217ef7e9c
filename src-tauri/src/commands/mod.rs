//! Every IPC command of the app, in one list. Each command is a few lines over trillian-core.

pub mod app;
pub mod connection;
pub mod group;
pub mod groupchat;
pub mod job;
pub mod journal;
pub mod keychain;
pub mod media;
pub mod message;
pub mod policy;
pub mod presence;
pub mod profile;
pub mod sandbox;
pub mod user;

use tauri_specta::{Builder, ErrorHandlingMode, collect_commands};

/// The command names declared to the ACL in build.rs (and granted in capabilities/main.json).
pub const NAMES: &[&str] = include!("names.rs");

/// Where the generated TypeScript bindings are committed, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/lib/ipc/bindings.ts";

/// The typed command list: the invoke handler and the TypeScript bindings both come from it.
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .error_handling(ErrorHandlingMode::Result)
        // One TypeScript type per Rust type (not separate *_Serialize/*_Deserialize shapes).
        .disable_serde_phases()
        .commands(collect_commands![
            app::app_info,
            app::open_external,
            profile::profiles_list,
            profile::profile_save,
            profile::profile_remove,
            profile::profile_set_active,
            profile::profile_pick_ca_certificate,
            keychain::keychain_status,
            keychain::keychain_use_session_only,
            keychain::token_set,
            keychain::token_clear,
            connection::connection_test,
            connection::dashboard_get,
            user::users_load,
            user::users_page,
            user::user_get,
            user::user_draft_check,
            user::user_create,
            user::user_update,
            user::user_set_disabled,
            user::user_delete,
            user::user_reset_password,
            user::avatar_get,
            user::avatar_pick,
            user::avatar_set_from_handle,
            user::avatar_delete,
            user::users_import_pick,
            user::users_import_preview,
            user::users_import_run,
            user::users_bulk,
            user::users_report_save,
            user::users_export,
            group::groups_tree,
            group::group_create,
            group::group_update,
            group::group_deletion,
            group::group_delete,
            group::peers_preview,
            group::peers_apply,
            policy::policies_list,
            policy::policy_get,
            policy::policy_create,
            policy::policy_rename,
            policy::policy_edit,
            policy::policy_set_text,
            policy::policy_delete,
            policy::policy_diff,
            policy::policy_edit_diff,
            policy::policy_usage,
            policy::policy_effective,
            groupchat::groupchats_list,
            groupchat::groupchat_get,
            groupchat::groupchat_candidates,
            groupchat::groupchat_flags,
            groupchat::groupchat_create,
            groupchat::groupchat_update,
            groupchat::groupchat_members,
            groupchat::groupchat_member_flags,
            groupchat::groupchat_members_add,
            groupchat::groupchat_members_remove,
            message::history_weeks,
            message::history_week,
            message::message_send,
            message::identities_list,
            message::identity_token_set,
            message::identity_token_clear,
            message::identity_has_token,
            message::history_delete_block,
            message::history_delete_week,
            message::history_delete_all,
            message::history_export,
            presence::presence_view,
            presence::presence_set,
            sandbox::sandbox_start,
            sandbox::sandbox_reset,
            journal::journal_list,
            job::job_cancel,
            media::media_list,
            media::media_thumbnail,
            media::media_watch_drops,
            media::media_pick_files,
            media::media_upload,
            media::media_download,
            media::media_delete,
            media::media_delete_many,
        ])
}

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let ts = specta_typescript::Typescript::default()
        .header("// Generated from src-tauri by `cargo test -p trillian-admin` (UPDATE_BINDINGS=1). Do not edit.\n");
    builder().export(ts, path).map_err(|e| e.to_string())
}

// Shared by the list commands.

pub(crate) fn small(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest_dir() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// The committed bindings must be what the Rust side generates now. Regenerate with
    /// `UPDATE_BINDINGS=1 cargo test -p trillian-admin bindings`.
    #[test]
    fn committed_bindings_are_up_to_date() {
        let committed_path = manifest_dir().join(BINDINGS_PATH);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            export_bindings(&committed_path).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let fresh_path = dir.path().join("bindings.ts");
        export_bindings(&fresh_path).unwrap();
        let fresh = std::fs::read_to_string(&fresh_path).unwrap();
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            fresh == committed,
            "ui/src/lib/ipc/bindings.ts is stale: run UPDATE_BINDINGS=1 cargo test -p trillian-admin \
             bindings, and commit the result"
        );
    }

    /// Names invoked by the generated bindings, in order.
    pub(crate) fn invoked_names(bindings: &str) -> Vec<String> {
        // `__TAURI_INVOKE("name"` or `__TAURI_INVOKE<Type>("name"`.
        bindings
            .split("__TAURI_INVOKE")
            .skip(2) // the import line
            .filter_map(|rest| {
                let (_, after) = rest.split_once("(\"")?;
                after.split('"').next().map(str::to_owned)
            })
            .collect()
    }

    #[test]
    fn handler_bindings_and_acl_list_agree() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bindings.ts");
        export_bindings(&path).unwrap();
        let mut invoked = invoked_names(&std::fs::read_to_string(&path).unwrap());
        invoked.sort();
        let mut declared: Vec<String> = NAMES.iter().map(|s| (*s).to_owned()).collect();
        declared.sort();
        assert_eq!(
            invoked, declared,
            "commands in collect_commands! vs names.rs (build.rs ACL)"
        );
    }
}
