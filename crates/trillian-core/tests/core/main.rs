//! Integration tests of trillian-core against the real things: the OS keychain (Secret Service
//! and keyutils, inside `scripts/test-env.sh`) and, for the API parts, a real sandbox over HTTP.
//!
//! Run: `scripts/test-env.sh cargo test -p trillian-core`.

mod connection;
mod group;
mod groupchat;
mod keychain;
mod media;
mod policy;
mod profile;
mod sandbox;
mod token;
mod user;

use std::path::Path;

use trillian_core::{Core, Keychain, Paths, StoreKind};

/// A token value that must never show up anywhere but the keychain.
pub fn sentinel() -> String {
    format!("SENTINEL-{:016x}-tok", fastrand::u64(..))
}

/// A keychain service name of its own per test, so tests never see each other's entries.
pub fn test_service() -> String {
    format!("trillian-core-test-{:08x}", fastrand::u32(..))
}

/// Fails loudly outside the test session instead of passing without a keyring.
pub fn require_session() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need the real keyring: run them as `scripts/test-env.sh cargo test -p \
         trillian-core`"
    );
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub service: String,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture {
    pub fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().expect("tempdir"),
            service: test_service(),
        }
    }
    pub fn paths(&self) -> Paths {
        Paths {
            config_dir: self.dir.path().join("config"),
            data_dir: self.dir.path().join("data"),
        }
    }
    pub fn keychain(&self, kind: StoreKind) -> Keychain {
        Keychain::with_options(kind, &self.service, std::time::Duration::from_secs(10))
    }
    pub fn core(&self, kind: StoreKind) -> Core {
        Core::new(self.paths(), self.keychain(kind)).expect("core")
    }
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

/// `secret-tool lookup service S username U`: what another process sees in the Secret Service.
pub fn secret_tool_lookup(service: &str, user: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}
