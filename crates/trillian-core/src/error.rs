//! The crate's error type and the small code the UI branches on.
//!
//! No variant ever holds a token: keychain errors are mapped variant by variant (the raw secret
//! bytes some `keyring_core` errors carry are dropped), and API errors come from `trillian-api`,
//! whose errors are token-free by construction.

use serde::{Deserialize, Serialize};

/// What went wrong, in the few categories the UI and the CLI branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The server refused the token (HTTP 401).
    Unauthorized,
    /// The profile, resource or sandbox does not exist.
    NotFound,
    /// The server could not be reached (DNS, refused, timeout, reset).
    Network,
    /// TLS failed (untrusted certificate, hostname mismatch, bad CA file).
    Tls,
    /// The OS keychain failed, is locked, hung or is missing.
    Keychain,
    /// No token is stored for the profile.
    NoToken,
    /// The caller's input was refused (bad URL, empty domain, unknown profile field).
    Invalid,
    /// The server answered with an error (400, 500, …) and its reason.
    Server,
    /// The server's answer could not be understood.
    Decode,
    /// The work was cancelled by the user.
    Cancelled,
    /// A local failure (file system, a task that died).
    Internal,
}

/// Errors of `trillian-core`. The `Display` text is meant for people: it carries the server's
/// reason where there is one, and never a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An API call failed; see `trillian_api::Error`.
    #[error(transparent)]
    Api(#[from] trillian_api::Error),

    /// No profile with this id.
    #[error("no profile with id {0:?}")]
    ProfileNotFound(String),

    /// No profile is active.
    #[error("no active profile: choose or create one first")]
    NoActiveProfile,

    /// The profile has no stored token.
    #[error("no token is stored for profile {0:?}: set one first")]
    NoToken(String),

    /// No token is stored in the keychain for an identity (a user to send messages as).
    #[error("no token stored for {0}: add this user's own token to send as them")]
    NoIdentityToken(String),

    /// Input refused, with the field and why.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field or parameter that was refused.
        field: &'static str,
        /// Why.
        reason: String,
    },

    /// The keychain failed; `hint` says what the user can do about it.
    #[error("keychain: {reason} ({hint})")]
    Keychain {
        /// What failed.
        reason: String,
        /// How to fix it.
        hint: String,
    },

    /// The sandbox could not be started, reset or stopped.
    #[error("sandbox: {0}")]
    Sandbox(String),

    /// The sandbox is not running.
    #[error("the sandbox is not running")]
    SandboxNotRunning,

    /// A local file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// A local file (profiles, journal) could not be parsed.
    #[error("{what}: {reason}")]
    LocalData {
        /// Which file.
        what: String,
        /// The parser's reason.
        reason: String,
    },

    /// The user cancelled the work.
    #[error("cancelled")]
    Cancelled,

    /// A background task died.
    #[error("internal error: {0}")]
    Internal(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The category the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Api(e) => api_code(e),
            Error::ProfileNotFound(_) | Error::NoActiveProfile | Error::SandboxNotRunning => {
                ErrorCode::NotFound
            }
            Error::NoToken(_) | Error::NoIdentityToken(_) => ErrorCode::NoToken,
            Error::Invalid { .. } => ErrorCode::Invalid,
            Error::Keychain { .. } => ErrorCode::Keychain,
            Error::Sandbox(_) | Error::Io { .. } | Error::LocalData { .. } | Error::Internal(_) => {
                ErrorCode::Internal
            }
            Error::Cancelled => ErrorCode::Cancelled,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

fn api_code(e: &trillian_api::Error) -> ErrorCode {
    use trillian_api::Error as A;
    match e {
        A::Unauthorized { .. } => ErrorCode::Unauthorized,
        A::NotFound { .. } => ErrorCode::NotFound,
        A::Transport { message } if is_tls_failure(message) => ErrorCode::Tls,
        A::Transport { .. } | A::Timeout { .. } => ErrorCode::Network,
        A::Api { status: 400, .. } => ErrorCode::Invalid,
        A::Api { .. } => ErrorCode::Server,
        A::Decode { .. } | A::TooLarge { .. } => ErrorCode::Decode,
        A::Config(message) if message.contains("CA") => ErrorCode::Tls,
        A::Config(_) => ErrorCode::Invalid,
        _ => ErrorCode::Internal,
    }
}

/// Whether a transport error's text (reqwest's chain of causes, rustls' reasons) is a TLS
/// failure. `trillian-api` folds TLS into `Transport`, so the text decides.
pub(crate) fn is_tls_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "certificate",
        "tls",
        "handshake",
        "unknownissuer",
        "notvalidforname",
        "rustls",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

/// The most specific reason in a transport error's text: its last cause (`a: b: c` gives `c`),
/// or the certificate problem for a TLS failure.
pub(crate) fn transport_reason(message: &str) -> String {
    if let Some(at) = message.find("invalid peer certificate") {
        return message[at..].to_owned();
    }
    message
        .rsplit(": ")
        .find(|part| !part.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .to_owned()
}
