//! Message history of a group chat or a user: weeks, a week's messages, sending as an identity
//! (its token goes straight to the keychain and never comes back), deleting a block / a week /
//! all, and export to HTML/JSONL/CSV with a checksum manifest (save dialog on the Rust side).

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use trillian_core::Token;
use trillian_core::message::{self as core_msg, ExportFormat, ExportRequest, Owner, WeekRef};
use trillian_core::model::Message;

use crate::commands::job::JobEvent;
use crate::commands::small;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// Whose history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum HistoryOwner {
    GroupChat { name: String },
    User { im: String },
}

impl From<HistoryOwner> for Owner {
    fn from(o: HistoryOwner) -> Owner {
        match o {
            HistoryOwner::GroupChat { name } => Owner::GroupChat { name },
            HistoryOwner::User { im } => Owner::User { im },
        }
    }
}

/// One week of one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryWeek {
    pub conversation: String,
    /// The group chat, or the user's partner.
    pub with: String,
    pub year: i32,
    pub week: u32,
    pub messages: u32,
    /// `YYYY-MM-DD`.
    pub monday: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    pub weeks: Vec<HistoryWeek>,
    pub total_messages: u32,
}

/// One message; `timestamp` in unix milliseconds (exact in an f64).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryMessage {
    pub timestamp: f64,
    pub from: String,
    pub text: String,
}

impl From<Message> for HistoryMessage {
    fn from(m: Message) -> Self {
        HistoryMessage {
            timestamp: m.timestamp as f64,
            from: m.from,
            text: m.text,
        }
    }
}

impl HistoryMessage {
    fn to_core(&self) -> IpcResult<Message> {
        let t = self.timestamp;
        if !(t.is_finite() && t >= 0.0 && t.fract() == 0.0 && t < 9_007_199_254_740_992.0) {
            return Err(IpcError::invalid(
                "A message's time is not a whole millisecond.",
            ));
        }
        Ok(Message {
            timestamp: t as u64,
            from: self.from.clone(),
            text: self.text.clone(),
        })
    }
}

/// An ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

impl From<IsoWeek> for WeekRef {
    fn from(w: IsoWeek) -> WeekRef {
        WeekRef {
            year: w.year,
            week: w.week,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportKind {
    Html,
    Jsonl,
    Csv,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFileView {
    pub file: String,
    pub bytes: f64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportView {
    pub folder: String,
    pub files: Vec<ExportedFileView>,
    pub manifest: String,
    pub weeks: u32,
    pub messages: u32,
}

#[tauri::command]
#[specta::specta]
pub async fn history_weeks(
    state: State<'_, AppState>,
    owner: HistoryOwner,
) -> IpcResult<HistoryView> {
    let h = state.core.history(&owner.into()).await?;
    Ok(HistoryView {
        total_messages: small(h.total_messages),
        weeks: h
            .weeks
            .into_iter()
            .map(|w| HistoryWeek {
                conversation: w.conversation,
                with: w.with,
                year: w.year,
                week: w.week,
                messages: small(w.messages),
                monday: w.monday,
            })
            .collect(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn history_week(
    state: State<'_, AppState>,
    owner: HistoryOwner,
    conversation: String,
    week: IsoWeek,
) -> IpcResult<Vec<HistoryMessage>> {
    let msgs = state
        .core
        .history_week(&owner.into(), &conversation, week.into())
        .await?;
    Ok(msgs.into_iter().map(HistoryMessage::from).collect())
}

/// Sends as `from`, with `from`'s own token from the keychain (error `not_connected` naming
/// the user when none is stored).
#[tauri::command]
#[specta::specta]
pub async fn message_send(
    state: State<'_, AppState>,
    owner: HistoryOwner,
    from: String,
    text: String,
) -> IpcResult<HistoryMessage> {
    let m = state.core.send_message(&owner.into(), &from, &text).await?;
    Ok(m.into())
}

/// The users a token is stored for (active profile).
#[tauri::command]
#[specta::specta]
pub async fn identities_list(state: State<'_, AppState>) -> IpcResult<Vec<String>> {
    Ok(state.core.identities()?)
}

/// Stores a user's own token in the keychain. It never comes back over the IPC.
#[tauri::command]
#[specta::specta]
pub async fn identity_token_set(
    state: State<'_, AppState>,
    im: String,
    token: String,
) -> IpcResult<()> {
    Ok(state
        .core
        .set_identity_token(&im, Token::new(token))
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn identity_token_clear(state: State<'_, AppState>, im: String) -> IpcResult<()> {
    Ok(state.core.clear_identity_token(&im).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn identity_has_token(state: State<'_, AppState>, im: String) -> IpcResult<bool> {
    Ok(state.core.has_identity_token(&im).await?)
}

/// Deletes the selected messages (as the week listed them) of one week.
#[tauri::command]
#[specta::specta]
pub async fn history_delete_block(
    state: State<'_, AppState>,
    owner: HistoryOwner,
    conversation: String,
    week: IsoWeek,
    messages: Vec<HistoryMessage>,
) -> IpcResult<()> {
    let block = messages
        .iter()
        .map(HistoryMessage::to_core)
        .collect::<IpcResult<Vec<_>>>()?;
    Ok(state
        .core
        .delete_messages(&owner.into(), &conversation, week.into(), &block)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn history_delete_week(
    state: State<'_, AppState>,
    owner: HistoryOwner,
    conversation: String,
    week: IsoWeek,
) -> IpcResult<()> {
    Ok(state
        .core
        .delete_week(&owner.into(), &conversation, week.into())
        .await?)
}

/// Deletes the whole history; answers how many conversations were deleted.
#[tauri::command]
#[specta::specta]
pub async fn history_delete_all(state: State<'_, AppState>, owner: HistoryOwner) -> IpcResult<u32> {
    Ok(state.core.delete_history(&owner.into()).await?)
}

/// A file name stem from what the user typed (the export adds the extensions).
fn stem(name: &str) -> String {
    let name = name
        .strip_suffix(".html")
        .or_else(|| name.strip_suffix(".jsonl"))
        .or_else(|| name.strip_suffix(".csv"))
        .unwrap_or(name);
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        "history".into()
    } else {
        cleaned
    }
}

/// Asks where to save (OS dialog, Rust side), then exports `weeks` (all when `None`) in
/// `formats`, streaming to disk with progress on `on_event`. `None` when the user cancels the
/// dialog.
#[tauri::command]
#[specta::specta]
pub async fn history_export(
    app: AppHandle,
    state: State<'_, AppState>,
    owner: HistoryOwner,
    weeks: Option<Vec<IsoWeek>>,
    formats: Vec<ExportKind>,
    suggested_name: String,
    on_event: Channel<JobEvent>,
) -> IpcResult<Option<ExportView>> {
    let Some(path) = crate::dialog::save_file(
        &app,
        "Export message history (one file per format, plus a checksum manifest)",
        &format!("{}.html", stem(&suggested_name)),
        None,
    )
    .await?
    else {
        return Ok(None);
    };
    let dir = path
        .parent()
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| IpcError::invalid("Choose a file inside a folder."))?;
    let base = stem(
        &path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let request = ExportRequest {
        weeks: weeks.map(|ws| ws.into_iter().map(WeekRef::from).collect()),
        formats: formats
            .into_iter()
            .map(|f| match f {
                ExportKind::Html => ExportFormat::Html,
                ExportKind::Jsonl => ExportFormat::Jsonl,
                ExportKind::Csv => ExportFormat::Csv,
            })
            .collect(),
        dir,
        base_name: base,
    };
    let (job_id, cancel) = state.start_job();
    let send = |e: JobEvent| {
        let _ = on_event.send(e);
    };
    send(JobEvent::Started {
        job_id: job_id.clone(),
        title: "Export message history".into(),
        total: None,
    });
    let result = state
        .core
        .export_history(&owner.into(), &request, &cancel, |p| {
            send(JobEvent::Progress {
                done: small(p.done),
                total: Some(small(p.total)),
                item: Some(p.item),
            });
        })
        .await;
    state.finish_job(&job_id);
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            send(JobEvent::Finished {
                ok: false,
                message: e.to_string(),
            });
            return Err(e.into());
        }
    };
    send(JobEvent::Finished {
        ok: true,
        message: format!(
            "Exported {} messages of {} weeks to {} ({} files and {}).",
            report.messages,
            report.weeks,
            report.dir,
            report.files.len(),
            report.manifest
        ),
    });
    Ok(Some(export_view(report)))
}

fn export_view(r: core_msg::ExportReport) -> ExportView {
    ExportView {
        folder: r.dir,
        files: r
            .files
            .into_iter()
            .map(|f| ExportedFileView {
                file: f.file,
                bytes: f.bytes as f64,
                sha256: f.sha256,
            })
            .collect(),
        manifest: r.manifest,
        weeks: r.weeks,
        messages: small(r.messages),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe_file_names() {
        assert_eq!(stem("general.html"), "general");
        assert_eq!(stem("../../etc/passwd"), "-..-etc-passwd");
        assert_eq!(stem(""), "history");
        assert_eq!(stem(".hidden.csv"), "hidden");
    }

    #[test]
    fn message_times_must_be_whole_milliseconds() {
        let m = |t: f64| HistoryMessage {
            timestamp: t,
            from: "a@x".into(),
            text: "t".into(),
        };
        assert_eq!(
            m(1_464_200_972_389.0).to_core().map(|m| m.timestamp),
            Ok(1_464_200_972_389)
        );
        assert!(m(1.5).to_core().is_err());
        assert!(m(-1.0).to_core().is_err());
        assert!(m(f64::NAN).to_core().is_err());
    }
}
