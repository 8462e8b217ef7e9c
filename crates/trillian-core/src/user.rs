//! Users of the active profile's domain: the list kept here per profile (searched, filtered,
//! sorted and paged in Rust: see [`table`]), the detail operations (create, update,
//! disable/enable, delete, new password, avatar), CSV import and export, and bulk actions as
//! jobs with per-item results.
//!
//! Disabled users (flag `USER_DISABLED`, 0x1) cannot sign in and keep all their data; deleted
//! users are gone with their history. Deleting asks for the address typed again.

pub mod avatar;
pub mod draft;
pub mod import;
pub mod table;

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub use draft::{FieldProblem, UserChanges, UserDraft};
pub use import::{ImportMapping, ImportOptions, ImportPreview, PreviewRow, RowState};
pub use table::{Choice, UserColumn, UserFacets, UserQuery, UserRow, UsersPage};

use crate::error::{Error, Result};
use crate::job::{Cancel, Job, JobReport, Outcome, Progress};
use crate::journal::JournalOutcome;
use crate::model::{User, UserFlags, UserUpdate};
use crate::{Core, Profile, api};
use table::Table;

/// Creates running at once during an import.
pub const IMPORT_CONCURRENCY: usize = 16;
/// Changes running at once during a bulk action.
pub const BULK_CONCURRENCY: usize = 8;

/// The user lists in memory, by profile id.
#[derive(Default)]
pub(crate) struct UserCache(Mutex<HashMap<String, Table>>);

impl UserCache {
    fn with<T>(&self, profile_id: &str, f: impl FnOnce(&mut Table) -> T) -> Option<T> {
        let mut tables = self.0.lock().unwrap_or_else(|p| p.into_inner());
        tables.get_mut(profile_id).map(f)
    }

    fn put(&self, profile_id: &str, table: Table) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(profile_id.to_owned(), table);
    }

    /// Sets a user's presence status in a profile's list, if it is loaded.
    pub(crate) fn set_status(&self, profile_id: &str, address: &str, status: u32) {
        self.with(profile_id, |t| t.set_status(address, status));
    }

    /// Forgets a profile's list (the profile changed or was removed).
    pub(crate) fn forget(&self, profile_id: &str) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(profile_id);
    }
}

/// A change applied to many users at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum BulkAction {
    /// Set `USER_DISABLED`: they cannot sign in; everything is kept.
    Disable,
    /// Clear `USER_DISABLED`.
    Enable,
    /// Move into one group.
    MoveToGroup { group: u64 },
    /// Delete them and their data (asks for [`bulk_delete_phrase`] typed).
    Delete,
}

impl BulkAction {
    fn journal_name(self) -> &'static str {
        match self {
            BulkAction::Disable => "user.bulk.disable",
            BulkAction::Enable => "user.bulk.enable",
            BulkAction::MoveToGroup { .. } => "user.bulk.move",
            BulkAction::Delete => "user.bulk.delete",
        }
    }
}

/// What must be typed to delete `n` users at once.
pub fn bulk_delete_phrase(n: usize) -> String {
    format!("delete {n} users")
}

/// A short summary of a job for the journal.
fn summary(report: &JobReport) -> String {
    format!(
        "{} done, {} skipped, {} failed, {} not started",
        report.succeeded(),
        report.skipped(),
        report.failed(),
        report.not_started()
    )
}

impl Core {
    /// Every user of the active profile's domain, as the server sends them.
    pub async fn users(&self) -> Result<Vec<User>> {
        let client = self.active_client().await?;
        Ok(client.users().list().await?)
    }

    /// Loads the active profile's users into memory (again, with `refresh`), with the groups,
    /// policies and presence that name their columns; answers what the filters can offer.
    pub async fn users_load(&self, refresh: bool) -> Result<UserFacets> {
        let profile = self.require_active()?;
        if !refresh && let Some(facets) = self.inner.users.with(&profile.id, |t| t.facets()) {
            return Ok(facets);
        }
        self.load_table(&profile).await?;
        self.inner
            .users
            .with(&profile.id, |t| t.facets())
            .ok_or_else(|| Error::Internal("the user list went away".into()))
    }

    async fn load_table(&self, profile: &Profile) -> Result<()> {
        let client = self.client_for(profile).await?;
        let (users_api, groups_api) = (client.users(), client.groups());
        let (policies_api, presence_api) = (client.policies(), client.presence());
        let (users, groups, policies, presence) = tokio::try_join!(
            users_api.list(),
            groups_api.list(api::Expand::empty()),
            policies_api.list(),
            presence_api.list(),
        )?;
        let table =
            tokio::task::spawn_blocking(move || Table::new(users, &groups, &policies, &presence))
                .await
                .map_err(|e| Error::Internal(format!("building the user list: {e}")))?;
        self.inner.users.put(&profile.id, table);
        Ok(())
    }

    /// Runs `f` on the active profile's list, loading it first if needed.
    async fn with_users<T>(&self, f: impl FnOnce(&mut Table) -> T) -> Result<(Profile, T)> {
        let profile = self.require_active()?;
        let mut f = Some(f);
        for _ in 0..2 {
            let done = self
                .inner
                .users
                .with(&profile.id, |t| f.take().map(|f| f(t)));
            if let Some(Some(value)) = done {
                return Ok((profile, value));
            }
            self.load_table(&profile).await?;
        }
        Err(Error::Internal("the user list could not be kept".into()))
    }

    /// One window of the active profile's users, searched, filtered and sorted.
    pub async fn users_page(&self, query: UserQuery) -> Result<UsersPage> {
        let (_, page) = self.with_users(|t| t.page(&query)).await?;
        Ok(page)
    }

    /// What the filters can offer (groups, policies, statuses with counts).
    pub async fn users_facets(&self) -> Result<UserFacets> {
        let (_, facets) = self.with_users(|t| t.facets()).await?;
        Ok(facets)
    }

    /// The CSV of every user `query` selects (its window ignored), in its order.
    pub async fn users_export(&self, query: UserQuery) -> Result<String> {
        let (_, rows) = self.with_users(|t| t.selected_rows(&query)).await?;
        tokio::task::spawn_blocking(move || import::rows_csv(&rows))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
    }

    /// One user, fresh from the server (the list is updated with it).
    pub async fn user_get(&self, address: &str) -> Result<UserRow> {
        let client = self.active_client().await?;
        let user = client.users().get(address).await?;
        let (_, row) = self.with_users(|t| t.upsert(&user)).await?;
        Ok(row)
    }

    /// Every problem of a create-user form (empty when it may be sent).
    pub fn user_draft_problems(&self, draft: &UserDraft) -> Result<Vec<FieldProblem>> {
        let profile = self.require_active()?;
        Ok(draft::draft_problems(draft, &profile.domain))
    }

    /// Creates a user after checking the form (nothing is sent when a field is refused).
    pub async fn user_create(&self, draft: UserDraft) -> Result<UserRow> {
        let profile = self.require_active()?;
        let result = async {
            let new = draft::new_user(&draft, &profile.domain)?;
            let client = self.client_for(&profile).await?;
            let user = client.users().create(&new).await?;
            let (_, row) = self.with_users(|t| t.upsert(&user)).await?;
            Ok(row)
        }
        .await;
        self.journal_user(&profile, "user.create", draft.im.trim(), &result);
        result
    }

    /// Changes display name, e-mail, group or policy.
    pub async fn user_update(&self, address: &str, changes: UserChanges) -> Result<UserRow> {
        let update = draft::user_update(&changes)?;
        self.apply_update(address, "user.update", &update).await
    }

    /// Disables (cannot sign in, data kept) or enables a user.
    pub async fn user_set_disabled(&self, address: &str, disabled: bool) -> Result<UserRow> {
        if disabled {
            refuse_own(&self.require_active()?, address, "disables")?;
        }
        let client = self.active_client().await?;
        let current = client.users().get(address).await?;
        let update = UserUpdate {
            flags: Some(with_disabled(current.flags, disabled)),
            ..UserUpdate::default()
        };
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.apply_update(address, action, &update).await
    }

    async fn apply_update(
        &self,
        address: &str,
        action: &str,
        update: &UserUpdate,
    ) -> Result<UserRow> {
        let profile = self.require_active()?;
        let result = async {
            let client = self.client_for(&profile).await?;
            let user = client.users().update(address, update).await?;
            let (_, row) = self.with_users(|t| t.upsert(&user)).await?;
            Ok(row)
        }
        .await;
        self.journal_user(&profile, action, address, &result);
        result
    }

    /// Deletes a user and everything the user had. `confirm` must be the address typed again.
    pub async fn user_delete(&self, address: &str, confirm: &str) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            refuse_own(&profile, address, "deletes")?;
            if confirm.trim() != address {
                return Err(Error::invalid(
                    "confirm",
                    format!("type {address} to delete this user and all of the user's data"),
                ));
            }
            let client = self.client_for(&profile).await?;
            client.users().delete(address).await?;
            self.inner.users.with(&profile.id, |t| t.remove(address));
            Ok(())
        }
        .await;
        self.journal_user(&profile, "user.delete", address, &result);
        result
    }

    /// Sets a new generated password and returns it (once: it is kept nowhere).
    pub async fn user_reset_password(&self, address: &str) -> Result<String> {
        let profile = self.require_active()?;
        let password = draft::generate_password()?;
        let update = UserUpdate {
            password: Some(password.clone()),
            ..UserUpdate::default()
        };
        let result = async {
            let client = self.client_for(&profile).await?;
            client.users().update(address, &update).await?;
            Ok(())
        }
        .await;
        self.journal_user(&profile, "user.password", address, &result);
        result.map(|()| password)
    }

    /// Sets a user's avatar from image file bytes: decoded under limits, cropped square,
    /// resized to [`avatar::AVATAR_SIDE`], sent as PNG. Answers the PNG sent.
    pub async fn avatar_set(&self, address: &str, image: Vec<u8>) -> Result<Vec<u8>> {
        let profile = self.require_active()?;
        let result = async {
            let png = tokio::task::spawn_blocking(move || {
                avatar::square_png(&image, avatar::AVATAR_SIDE)
            })
            .await
            .map_err(|e| Error::Internal(e.to_string()))??;
            let client = self.client_for(&profile).await?;
            client
                .users()
                .avatar(address)
                .set(png.clone(), "image/png")
                .await?;
            Ok(png)
        }
        .await;
        self.journal_user(&profile, "user.avatar.set", address, &result);
        result
    }

    /// A user's avatar decoded here and re-encoded as a PNG of at most
    /// [`avatar::AVATAR_SIDE`] pixels; `None` when the user has none.
    pub async fn avatar_get(&self, address: &str) -> Result<Option<Vec<u8>>> {
        let client = self.active_client().await?;
        let bytes = match client.users().avatar(address).get().await {
            Ok(media) => media.bytes,
            Err(api::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let png =
            tokio::task::spawn_blocking(move || avatar::square_png(&bytes, avatar::AVATAR_SIDE))
                .await
                .map_err(|e| Error::Internal(e.to_string()))??;
        Ok(Some(png))
    }

    /// Deletes a user's avatar.
    pub async fn avatar_delete(&self, address: &str) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            let client = self.client_for(&profile).await?;
            client.users().avatar(address).delete().await?;
            Ok(())
        }
        .await;
        self.journal_user(&profile, "user.avatar.delete", address, &result);
        result
    }

    /// Reads a CSV file and checks every row (address, password rules, e-mail, group and
    /// policy names, who exists already), with `mapping` or one guessed from the headers.
    pub async fn users_import_preview(
        &self,
        csv: &[u8],
        mapping: Option<ImportMapping>,
        generate_passwords: bool,
    ) -> Result<ImportPreview> {
        let (headers, records) = import::read_csv(csv)?;
        let mapping = mapping.unwrap_or_else(|| ImportMapping::suggest(&headers));
        let options = ImportOptions {
            mapping: mapping.clone(),
            generate_passwords,
            dry_run: true,
        };
        // The list in memory decides "exists" here (loaded if needed); the run itself reloads
        // it, so that what is skipped there is what exists then.
        let profile = self.require_active()?;
        let (_, planned) = self
            .with_users(|t| import::plan(&records, &options, t, &profile.domain))
            .await?;
        Ok(import::preview(headers, mapping, &planned?))
    }

    /// Imports users from a CSV file as a job: rows checked first (refused rows fail with the
    /// reason and are not sent), users who exist skipped (so an interrupted import can simply
    /// be run again), the rest created [`IMPORT_CONCURRENCY`] at a time. With
    /// `options.dry_run` nothing is sent and creatable rows report "would be created".
    pub async fn users_import(
        &self,
        csv: &[u8],
        options: ImportOptions,
        cancel: Cancel,
        on_progress: impl FnMut(Progress),
    ) -> Result<JobReport> {
        let profile = self.require_active()?;
        let (_, records) = import::read_csv(csv)?;
        self.load_table(&profile).await?;
        let (_, planned) = self
            .with_users(|t| import::plan(&records, &options, t, &profile.domain))
            .await?;
        let planned: Vec<import::Planned> = planned?.into_iter().map(|(p, _)| p).collect();
        let client = self.client_for(&profile).await?;
        let dry_run = options.dry_run;
        let report = import::run(
            &client,
            planned,
            dry_run,
            IMPORT_CONCURRENCY,
            cancel,
            on_progress,
            |created| {
                self.inner.users.with(&profile.id, |t| t.upsert(created));
            },
        )
        .await;
        if !dry_run {
            self.record(
                Some(&profile.id),
                "user.import",
                &summary(&report),
                if report.failed() == 0 {
                    JournalOutcome::Ok
                } else {
                    JournalOutcome::Failed {
                        code: crate::ErrorCode::Invalid,
                        message: format!("{} rows failed", report.failed()),
                    }
                },
            );
        }
        Ok(report)
    }

    /// Applies `action` to `addresses` as a job ([`BULK_CONCURRENCY`] at a time), each user
    /// reported: done, skipped (already so, already gone) or failed with the server's reason.
    /// Deleting asks for [`bulk_delete_phrase`] typed as `confirm`.
    pub async fn users_bulk(
        &self,
        action: BulkAction,
        addresses: Vec<String>,
        confirm: &str,
        cancel: Cancel,
        on_progress: impl FnMut(Progress),
    ) -> Result<JobReport> {
        let profile = self.require_active()?;
        if action == BulkAction::Delete && confirm.trim() != bulk_delete_phrase(addresses.len()) {
            return Err(Error::invalid(
                "confirm",
                format!(
                    "type \"{}\" to delete these users and all of their data",
                    bulk_delete_phrase(addresses.len())
                ),
            ));
        }
        if let BulkAction::MoveToGroup { group } = action {
            let (_, known) = self
                .with_users(|t| {
                    t.facets()
                        .groups
                        .iter()
                        .any(|g| g.id == group && !g.name.starts_with('#'))
                })
                .await?;
            if !known {
                return Err(Error::invalid("group", format!("no group with id {group}")));
            }
        }
        let client = self.client_for(&profile).await?;
        let job = Job::new(BULK_CONCURRENCY).with_cancel(cancel);
        let report = job
            .run(
                addresses,
                Clone::clone,
                |address| {
                    let client = &client;
                    let profile = &profile;
                    async move { self.bulk_one(client, profile, action, &address).await }
                },
                on_progress,
            )
            .await;
        self.record(
            Some(&profile.id),
            action.journal_name(),
            &summary(&report),
            if report.failed() == 0 {
                JournalOutcome::Ok
            } else {
                JournalOutcome::Failed {
                    code: crate::ErrorCode::Server,
                    message: format!("{} users failed", report.failed()),
                }
            },
        );
        Ok(report)
    }

    async fn bulk_one(
        &self,
        client: &api::Client,
        profile: &Profile,
        action: BulkAction,
        address: &str,
    ) -> Result<Outcome> {
        if matches!(action, BulkAction::Delete | BulkAction::Disable)
            && profile.is_own_address(address)
        {
            return Ok(Outcome::skipped(
                "your own account (as the profile says): never deleted or disabled",
            ));
        }
        if action == BulkAction::Delete {
            return match client.users().delete(address).await {
                Ok(_) => {
                    self.inner.users.with(&profile.id, |t| t.remove(address));
                    Ok(Outcome::done_with("deleted"))
                }
                Err(api::Error::NotFound { .. }) => {
                    self.inner.users.with(&profile.id, |t| t.remove(address));
                    Ok(Outcome::skipped("already gone"))
                }
                Err(e) => Err(e.into()),
            };
        }
        let current = match client.users().get(address).await {
            Ok(user) => user,
            Err(api::Error::NotFound { .. }) => {
                self.inner.users.with(&profile.id, |t| t.remove(address));
                return Err(Error::invalid("user", "no such user (deleted meanwhile?)"));
            }
            Err(e) => return Err(e.into()),
        };
        let flags = |disabled| UserUpdate {
            flags: Some(with_disabled(current.flags, disabled)),
            ..UserUpdate::default()
        };
        let (update, done, skip) = match action {
            BulkAction::Disable => (
                flags(true),
                "disabled",
                current.is_disabled().then_some("already disabled"),
            ),
            BulkAction::Enable => (
                flags(false),
                "enabled",
                (!current.is_disabled()).then_some("already enabled"),
            ),
            BulkAction::MoveToGroup { group } => (
                UserUpdate {
                    group: Some(group),
                    ..UserUpdate::default()
                },
                "moved",
                (current.group == group).then_some("already in that group"),
            ),
            BulkAction::Delete => return Err(Error::Internal("delete is handled above".into())),
        };
        if let Some(reason) = skip {
            self.inner.users.with(&profile.id, |t| t.upsert(&current));
            return Ok(Outcome::skipped(reason));
        }
        let user = client.users().update(address, &update).await?;
        self.inner.users.with(&profile.id, |t| t.upsert(&user));
        Ok(Outcome::done_with(done))
    }

    fn journal_user<T>(&self, profile: &Profile, action: &str, target: &str, result: &Result<T>) {
        self.record(
            Some(&profile.id),
            action,
            target,
            JournalOutcome::of(result),
        );
    }
}

/// Refuses to delete or disable the administrator's own account (the profile's own address).
fn refuse_own(profile: &Profile, address: &str, verb: &str) -> Result<()> {
    if profile.is_own_address(address) {
        return Err(Error::invalid(
            "address",
            format!(
                "{address} is your own account (profile \"{}\"): the app never {verb} it",
                profile.name
            ),
        ));
    }
    Ok(())
}

/// `flags` with `USER_DISABLED` set or cleared; every other bit kept.
pub fn with_disabled(flags: UserFlags, disabled: bool) -> UserFlags {
    let mut flags = flags;
    flags.set(UserFlags::DISABLED, disabled);
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabling_keeps_other_flag_bits() {
        let flags = UserFlags::from_bits_retain(0x30);
        assert_eq!(with_disabled(flags, true).bits(), 0x31);
        assert_eq!(
            with_disabled(UserFlags::from_bits_retain(0x31), false).bits(),
            0x30
        );
    }

    #[test]
    fn the_bulk_delete_phrase_names_the_count() {
        assert_eq!(bulk_delete_phrase(3), "delete 3 users");
    }
}
