//! Server profiles: where a server is and how to talk to it. Never a token.
//!
//! Profiles persist as one JSON document, `profiles.json` in the config folder, written
//! atomically (a temporary file in the same folder, flushed, then renamed over the old one), so a
//! crash leaves either the old or the new list, never half of one.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The id of the profile that sandbox mode creates and updates.
pub const SANDBOX_PROFILE_ID: &str = "sandbox";

/// The file, inside the config folder, that holds the profiles.
pub const PROFILES_FILE: &str = "profiles.json";

/// What a profile points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProfileKind {
    /// A Trillian server (the cloud or an in-house one).
    Server,
    /// The embedded sandbox this app starts itself.
    Sandbox,
}

/// A saved server profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Stable id; also the keychain entry's user name.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// `https://api.trillian.im`, an in-house server, or a loopback `http://` sandbox.
    pub base_url: String,
    /// The Trillian domain administered through this profile.
    pub domain: String,
    /// A CA certificate (PEM) to trust for this server, in addition to the system roots.
    #[serde(default)]
    pub ca_cert_pem: Option<String>,
    /// Send updates as POST instead of PATCH.
    #[serde(default)]
    pub post_for_updates: bool,
    /// The administrator's own IM address in this domain, if they have one: the app never
    /// deletes or disables it (the API's token belongs to the domain, not to a user, so only the
    /// administrator can say which account is theirs).
    #[serde(default)]
    pub own_address: Option<String>,
    /// Server or sandbox.
    pub kind: ProfileKind,
}

impl Profile {
    /// Whether `address` is the administrator's own account ([`Profile::own_address`]).
    pub fn is_own_address(&self, address: &str) -> bool {
        self.own_address
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(address.trim()))
    }
}

/// What the UI sends to add (no `id`) or update (with `id`) a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDraft {
    /// `None` adds a new profile; `Some(id)` updates that one.
    #[serde(default)]
    pub id: Option<String>,
    /// A name for people; the domain when empty.
    #[serde(default)]
    pub name: String,
    /// The server's base URL.
    pub base_url: String,
    /// The Trillian domain.
    pub domain: String,
    /// A CA certificate (PEM) to trust, if any.
    #[serde(default)]
    pub ca_cert_pem: Option<String>,
    /// Send updates as POST instead of PATCH.
    #[serde(default)]
    pub post_for_updates: bool,
    /// The administrator's own IM address in this domain (a bare name gets the domain), if any.
    #[serde(default)]
    pub own_address: Option<String>,
}

/// The cloud server, the default base URL of a new profile.
pub const DEFAULT_BASE_URL: &str = "https://api.trillian.im";

/// The document on disk.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfilesFile {
    version: u32,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    profiles: Vec<Profile>,
}

/// The profiles in memory and their file.
#[derive(Debug)]
pub(crate) struct ProfileStore {
    path: PathBuf,
    doc: ProfilesFile,
    /// Modification time and length of the file as last read or written: another process
    /// (the CLI beside the app) may change it, and [`ProfileStore::sync`] then re-reads it.
    seen: Option<(std::time::SystemTime, u64)>,
}

impl ProfileStore {
    /// Loads the profiles from `config_dir`. A file that cannot be parsed is moved aside (to
    /// `profiles.json.bad-<unix seconds>`) with a warning, and the list starts empty: the app
    /// must still start.
    pub(crate) fn load(config_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(config_dir)
            .map_err(|e| Error::io(format!("creating {}", config_dir.display()), e))?;
        let path = config_dir.join(PROFILES_FILE);
        let doc = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<ProfilesFile>(&bytes) {
                Ok(doc) => doc,
                Err(e) => {
                    let aside = path.with_extension(format!("json.bad-{}", unix_now()));
                    tracing::warn!(
                        file = %path.display(), aside = %aside.display(), error = %e,
                        "profiles file unreadable; moved aside, starting with no profiles"
                    );
                    std::fs::rename(&path, &aside)
                        .map_err(|e| Error::io(format!("moving aside {}", path.display()), e))?;
                    ProfilesFile::default()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ProfilesFile::default(),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        let seen = file_stamp(&path);
        Ok(ProfileStore { path, doc, seen })
    }

    /// Re-reads the file when another process changed it since we last read or wrote it. A
    /// file that cannot be read now keeps what we have (and is logged).
    pub(crate) fn sync(&mut self) {
        let now = file_stamp(&self.path);
        if now == self.seen {
            return;
        }
        match std::fs::read(&self.path) {
            Ok(bytes) => match serde_json::from_slice::<ProfilesFile>(&bytes) {
                Ok(doc) => {
                    self.doc = doc;
                    self.seen = now;
                }
                Err(e) => tracing::warn!(error = %e, "profiles file changed but cannot be read"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.doc = ProfilesFile::default();
                self.seen = None;
            }
            Err(e) => tracing::warn!(error = %e, "profiles file changed but cannot be read"),
        }
    }

    pub(crate) fn list(&self) -> Vec<Profile> {
        self.doc.profiles.clone()
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Profile> {
        self.doc.profiles.iter().find(|p| p.id == id)
    }

    pub(crate) fn active_id(&self) -> Option<&str> {
        self.doc.active.as_deref()
    }

    pub(crate) fn active(&self) -> Option<&Profile> {
        self.active_id().and_then(|id| self.get(id))
    }

    /// Adds or replaces `profile` (by id) and writes the file.
    pub(crate) fn upsert(&mut self, profile: Profile) -> Result<()> {
        let mut next = self.doc.profiles.clone();
        match next.iter_mut().find(|p| p.id == profile.id) {
            Some(slot) => *slot = profile,
            None => next.push(profile),
        }
        self.commit(next, self.doc.active.clone())
    }

    /// Removes a profile; clears `active` when it was the active one. Returns the removed one.
    pub(crate) fn remove(&mut self, id: &str) -> Result<Profile> {
        let removed = self
            .get(id)
            .cloned()
            .ok_or_else(|| Error::ProfileNotFound(id.to_owned()))?;
        let next = self
            .doc
            .profiles
            .iter()
            .filter(|p| p.id != id)
            .cloned()
            .collect();
        let active = self.doc.active.clone().filter(|a| a != id);
        self.commit(next, active)?;
        Ok(removed)
    }

    pub(crate) fn set_active(&mut self, id: &str) -> Result<Profile> {
        let profile = self
            .get(id)
            .cloned()
            .ok_or_else(|| Error::ProfileNotFound(id.to_owned()))?;
        self.commit(self.doc.profiles.clone(), Some(id.to_owned()))?;
        Ok(profile)
    }

    /// Writes the new state to disk first; memory changes only when the write succeeded.
    fn commit(&mut self, profiles: Vec<Profile>, active: Option<String>) -> Result<()> {
        let doc = ProfilesFile {
            version: 1,
            active,
            profiles,
        };
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| Error::LocalData {
            what: "encoding profiles".into(),
            reason: e.to_string(),
        })?;
        write_atomically(&self.path, &bytes)?;
        self.doc = doc;
        self.seen = file_stamp(&self.path);
        Ok(())
    }
}

fn file_stamp(path: &Path) -> Option<(std::time::SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = open_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing {}", path.display()), e)
    })
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Checks a draft and turns it into a profile (without choosing the id).
/// The own address of a draft as a full address of `domain`; `None` when not given.
pub(crate) fn validate_own_address(own: Option<&str>, domain: &str) -> Result<Option<String>> {
    match own.map(str::trim) {
        None | Some("") => Ok(None),
        Some(own) => crate::user::draft::full_address(own, domain)
            .map(Some)
            .map_err(|reason| Error::invalid("own address", reason)),
    }
}

pub(crate) fn validate(draft: &ProfileDraft) -> Result<(String, String, String, Option<String>)> {
    let base_url = validate_base_url(&draft.base_url)?;
    let domain = draft.domain.trim();
    if domain.is_empty() {
        return Err(Error::invalid("domain", "the domain must not be empty"));
    }
    if domain
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c.is_control())
    {
        return Err(Error::invalid(
            "domain",
            "a domain has no spaces or slashes (for example example.com)",
        ));
    }
    let name = match draft.name.trim() {
        "" => domain.to_owned(),
        n => n.to_owned(),
    };
    let ca = match draft.ca_cert_pem.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(pem) if pem.contains("-----BEGIN CERTIFICATE-----") => Some(pem.to_owned()),
        Some(_) => {
            return Err(Error::invalid(
                "CA certificate",
                "expected a PEM certificate (-----BEGIN CERTIFICATE-----)",
            ));
        }
    };
    Ok((name, base_url, domain.to_owned(), ca))
}

/// `https://` anywhere; `http://` only for a loopback host (the sandbox). No user info, query or
/// fragment. Returns the URL without a trailing slash.
pub fn validate_base_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    let url = url::Url::parse(raw)
        .map_err(|e| Error::invalid("base URL", format!("{e} (for example {DEFAULT_BASE_URL})")))?;
    let host = url
        .host()
        .ok_or_else(|| Error::invalid("base URL", "the URL has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match host {
                url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
                url::Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
                url::Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
            };
            if !loopback {
                return Err(Error::invalid(
                    "base URL",
                    "http:// would send the token unencrypted; use https:// (http is allowed only \
                     for a server on this computer: localhost, 127.0.0.1, ::1)",
                ));
            }
        }
        other => {
            return Err(Error::invalid(
                "base URL",
                format!("unsupported scheme {other:?}: use https://"),
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            "base URL",
            "the URL must not contain a user name or password",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(
            "base URL",
            "the URL must not contain a query (?…) or fragment (#…)",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A new, unused profile id.
pub(crate) fn new_id(taken: impl Fn(&str) -> bool) -> String {
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let id = format!("p{:x}{:04x}", nanos, fastrand::u16(..));
        if !taken(&id) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(url: &str, domain: &str) -> ProfileDraft {
        ProfileDraft {
            id: None,
            name: String::new(),
            base_url: url.into(),
            domain: domain.into(),
            ca_cert_pem: None,
            post_for_updates: false,
            own_address: None,
        }
    }

    #[test]
    fn own_address_is_a_full_address_of_the_domain() {
        assert_eq!(validate_own_address(None, "x.com").unwrap(), None);
        assert_eq!(validate_own_address(Some("  "), "x.com").unwrap(), None);
        assert_eq!(
            validate_own_address(Some("ann"), "x.com")
                .unwrap()
                .as_deref(),
            Some("ann@x.com")
        );
        assert!(validate_own_address(Some("ann@other.com"), "x.com").is_err());
        let p = Profile {
            id: "p".into(),
            name: "p".into(),
            base_url: "https://x".into(),
            domain: "x.com".into(),
            ca_cert_pem: None,
            post_for_updates: false,
            own_address: Some("ann@x.com".into()),
            kind: ProfileKind::Server,
        };
        assert!(p.is_own_address("Ann@X.com"));
        assert!(!p.is_own_address("bob@x.com"));
    }

    #[test]
    fn urls_https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://api.trillian.im",
            "https://api.trillian.im/",
            "https://im.example.com:8443/base/",
            "http://127.0.0.1:8080",
            "http://localhost:1234/",
            "http://[::1]:9/",
            "http://127.3.4.5",
        ] {
            assert!(validate_base_url(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "http://api.trillian.im",
            "http://192.168.1.2",
            "http://[::2]/",
            "http://localhost.evil.com/",
            "ftp://example.com",
            "api.trillian.im",
            "",
            "https://user:pw@example.com",
            "https://example.com/?token=x",
            "https://example.com/#x",
        ] {
            let e = validate_base_url(bad).expect_err(bad);
            assert_eq!(e.code(), crate::ErrorCode::Invalid, "{bad}");
        }
        assert_eq!(
            validate_base_url(" https://api.trillian.im/ ")
                .ok()
                .as_deref(),
            Some("https://api.trillian.im"),
            "trailing slash and spaces are trimmed"
        );
    }

    #[test]
    fn domain_must_be_present_and_plain() {
        assert!(validate(&draft(DEFAULT_BASE_URL, "  ")).is_err());
        assert!(validate(&draft(DEFAULT_BASE_URL, "a/b")).is_err());
        assert!(validate(&draft(DEFAULT_BASE_URL, "a b")).is_err());
        let (name, _, domain, _) =
            validate(&draft(DEFAULT_BASE_URL, " example.com ")).expect("valid");
        assert_eq!(domain, "example.com");
        assert_eq!(name, "example.com", "an empty name defaults to the domain");
    }

    #[test]
    fn ca_must_look_like_pem() {
        let mut d = draft(DEFAULT_BASE_URL, "example.com");
        d.ca_cert_pem = Some("not a cert".into());
        assert!(validate(&d).is_err());
        d.ca_cert_pem = Some("   ".into());
        assert_eq!(validate(&d).expect("blank CA is none").3, None);
    }

    #[test]
    fn unreadable_file_is_moved_aside_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(PROFILES_FILE), b"{ not json").expect("write");
        let store = ProfileStore::load(dir.path()).expect("load survives a bad file");
        assert!(store.list().is_empty());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read_dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("profiles.json.bad-")),
            "the bad file is kept for the user: {names:?}"
        );
    }
}
