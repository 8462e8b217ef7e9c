//! What the commands share: trillian-core, picked certificates, running jobs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use trillian_core::Core;
use trillian_core::job::Cancel;

use crate::certificate::PemFile;
use crate::commands::profile::PickedCertificate;
use crate::error::{IpcError, IpcResult};

/// How long a picked certificate waits for the profile form to be saved.
const PICK_TTL: Duration = Duration::from_secs(15 * 60);

pub struct AppState {
    pub core: Core,
    /// Started with `--sandbox`.
    pub open_sandbox: bool,
    picks: Mutex<HashMap<String, (Instant, PemFile)>>,
    jobs: Mutex<HashMap<String, Cancel>>,
}

impl AppState {
    pub fn new(core: Core, open_sandbox: bool) -> Self {
        Self {
            core,
            open_sandbox,
            picks: Mutex::new(HashMap::new()),
            jobs: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps a picked certificate for a while and returns the handle the UI refers to it by.
    pub fn hold_certificate(&self, pem: PemFile) -> PickedCertificate {
        let handle = format!("ca-{:016x}", fastrand::u64(..));
        let file_name = pem.file_name.clone();
        let mut picks = self.picks.lock().unwrap_or_else(|e| e.into_inner());
        picks.retain(|_, (at, _)| at.elapsed() < PICK_TTL);
        picks.insert(handle.clone(), (Instant::now(), pem));
        PickedCertificate { handle, file_name }
    }

    /// Takes a picked certificate out (once).
    pub fn take_certificate(&self, handle: &str) -> IpcResult<PemFile> {
        let mut picks = self.picks.lock().unwrap_or_else(|e| e.into_inner());
        match picks.remove(handle) {
            Some((at, pem)) if at.elapsed() < PICK_TTL => Ok(pem),
            _ => Err(IpcError::invalid("Pick the certificate file again.")),
        }
    }

    /// Registers a running job; returns its id and cancel flag.
    pub fn start_job(&self) -> (String, Cancel) {
        let id = format!("job-{:016x}", fastrand::u64(..));
        let cancel = Cancel::new();
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), cancel.clone());
        (id, cancel)
    }

    pub fn finish_job(&self, id: &str) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Cancels a running job; unknown ids (already finished) are not an error.
    pub fn cancel_job(&self, id: &str) {
        if let Some(cancel) = self.jobs.lock().unwrap_or_else(|e| e.into_inner()).get(id) {
            cancel.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let paths = trillian_core::Paths {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        };
        let core = Core::new(paths, trillian_core::Keychain::session_only()).unwrap();
        (dir, AppState::new(core, false))
    }

    fn pem(name: &str) -> PemFile {
        PemFile {
            path: name.into(),
            file_name: name.into(),
            pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into(),
        }
    }

    #[test]
    fn a_picked_certificate_is_taken_once_by_its_handle() {
        let (_dir, state) = state();
        let picked = state.hold_certificate(pem("ca.pem"));
        assert_eq!(picked.file_name, "ca.pem");
        assert!(
            state.take_certificate("ca-unknown").is_err(),
            "unknown handle"
        );
        assert_eq!(
            state.take_certificate(&picked.handle).unwrap().file_name,
            "ca.pem"
        );
        assert!(
            state.take_certificate(&picked.handle).is_err(),
            "a handle is good once"
        );
    }

    #[test]
    fn jobs_can_be_cancelled_by_id() {
        let (_dir, state) = state();
        let (id, cancel) = state.start_job();
        state.cancel_job("job-unknown");
        assert!(!cancel.is_cancelled());
        state.cancel_job(&id);
        assert!(cancel.is_cancelled());
        state.finish_job(&id);
    }
}
