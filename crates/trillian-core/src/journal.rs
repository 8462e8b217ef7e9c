//! The local journal of admin actions: one JSON object a line in `journal.jsonl` in the data
//! folder, appended, never rewritten. Time, profile, action, target, outcome — never a token
//! (no field takes one, and error messages are token-free by construction).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// The journal file, inside the data folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum JournalOutcome {
    /// It worked.
    Ok,
    /// It failed.
    Failed {
        /// The error's code.
        code: ErrorCode,
        /// The error for people.
        message: String,
    },
}

impl JournalOutcome {
    /// The outcome of a result.
    pub fn of<T>(result: &Result<T>) -> Self {
        match result {
            Ok(_) => JournalOutcome::Ok,
            Err(e) => JournalOutcome::Failed {
                code: e.code(),
                message: e.to_string(),
            },
        }
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When, RFC 3339 UTC.
    pub time: String,
    /// The profile id the action was done through (none for app-level actions).
    pub profile: Option<String>,
    /// What was done, e.g. `profile.save`, `token.set`, `user.delete`.
    pub action: String,
    /// On what, e.g. a profile id, a user's address.
    pub target: String,
    /// How it ended.
    pub outcome: JournalOutcome,
}

pub(crate) struct Journal {
    path: PathBuf,
    lock: Mutex<()>,
}

impl Journal {
    pub(crate) fn new(data_dir: &Path) -> Self {
        Journal {
            path: data_dir.join(JOURNAL_FILE),
            lock: Mutex::new(()),
        }
    }

    /// Appends one line. Called after the action; a journal failure is logged, not returned,
    /// so that it never masks the action's own result.
    pub(crate) fn record(
        &self,
        profile: Option<&str>,
        action: &str,
        target: &str,
        outcome: JournalOutcome,
    ) {
        let entry = JournalEntry {
            time: now_rfc3339(),
            profile: profile.map(str::to_owned),
            action: action.to_owned(),
            target: target.to_owned(),
            outcome,
        };
        if let Err(e) = self.append(&entry) {
            tracing::warn!(error = %e, action, "could not write the journal");
        }
    }

    fn append(&self, entry: &JournalEntry) -> Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(|e| Error::LocalData {
            what: "encoding a journal entry".into(),
            reason: e.to_string(),
        })?;
        line.push(b'\n');
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| Error::io(format!("opening {}", self.path.display()), e))?;
        // A crash mid-write leaves a line without its newline: end it first, so that the torn
        // line stays alone (and is skipped) instead of swallowing this one.
        if !ends_with_newline(&mut file) {
            line.insert(0, b'\n');
        }
        // One write of the whole line: O_APPEND keeps concurrent writers' lines whole.
        file.write_all(&line)
            .map_err(|e| Error::io(format!("appending to {}", self.path.display()), e))
    }

    /// The newest `limit` entries, newest first. Lines that do not parse (a crash mid-write)
    /// are skipped.
    pub(crate) fn read(&self, limit: usize) -> Result<Vec<JournalEntry>> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(format!("reading {}", self.path.display()), e)),
        };
        let mut ring = std::collections::VecDeque::with_capacity(limit.min(10_000));
        for line in std::io::BufReader::new(file).split(b'\n') {
            let line =
                line.map_err(|e| Error::io(format!("reading {}", self.path.display()), e))?;
            let Ok(entry) = serde_json::from_slice::<JournalEntry>(&line) else {
                continue;
            };
            if limit == 0 {
                continue;
            }
            if ring.len() == limit {
                ring.pop_front();
            }
            ring.push_back(entry);
        }
        Ok(ring.into_iter().rev().collect())
    }
}

/// True for an empty file or one whose last byte is a newline.
fn ends_with_newline(file: &mut std::fs::File) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(len) = file.seek(SeekFrom::End(0)) else {
        return true;
    };
    if len == 0 || file.seek(SeekFrom::End(-1)).is_err() {
        return true;
    }
    let mut last = [0u8; 1];
    file.read_exact(&mut last)
        .map(|()| last[0] == b'\n')
        .unwrap_or(true)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_reads_newest_first_skipping_torn_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = Journal::new(dir.path());
        assert!(j.read(10).expect("empty").is_empty(), "no file yet");
        for n in 0..5 {
            j.record(
                Some("p1"),
                "user.delete",
                &format!("u{n}@example.com"),
                JournalOutcome::Ok,
            );
        }
        // A torn line, as a crash mid-write would leave.
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL_FILE))
            .and_then(|mut f| f.write_all(b"{\"time\":\"2026"))
            .expect("tear");
        j.record(
            None,
            "sandbox.start",
            "sandbox",
            JournalOutcome::of::<()>(&Err(Error::Cancelled)),
        );
        let last3 = j.read(3).expect("read");
        assert_eq!(last3.len(), 3);
        assert_eq!(last3[0].action, "sandbox.start", "newest first");
        assert_eq!(
            last3[0].outcome,
            JournalOutcome::Failed {
                code: ErrorCode::Cancelled,
                message: "cancelled".into()
            }
        );
        assert_eq!(last3[1].target, "u4@example.com");
        assert_eq!(last3[2].target, "u3@example.com");
        assert_eq!(
            j.read(100).expect("all").len(),
            6,
            "the torn line is skipped"
        );
        assert!(
            time::OffsetDateTime::parse(
                &last3[0].time,
                &time::format_description::well_known::Rfc3339
            )
            .is_ok()
        );
    }
}
