//! The one error type every command returns: `{ code, message }` on the IPC wire.
//!
//! The code enum stays small — a variant only where the UI branches on it. The message is written
//! for the administrator (it carries the server's reason where there is one); internal detail goes
//! to the log. No message ever contains the API token: trillian-core's errors are built without it.

use serde::Serialize;
use specta::Type;

/// What the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The server could not be reached (DNS, refused, timeout).
    Unreachable,
    /// TLS handshake or certificate problem.
    Tls,
    /// The server refused the token.
    Unauthorized,
    /// The thing asked for does not exist.
    NotFound,
    /// The input was refused before anything was sent.
    InvalidInput,
    /// The OS keychain is missing, locked or failed.
    Keychain,
    /// No profile is active, the active profile has no token, or the sandbox is not running.
    NotConnected,
    /// The server answered with an error of its own.
    Server,
    /// A long job was cancelled.
    Cancelled,
    /// Anything else; details are in the log.
    Internal,
}

/// The rejection value of every command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl From<trillian_core::Error> for IpcError {
    fn from(e: trillian_core::Error) -> Self {
        use trillian_core::{Error, ErrorCode as Core};
        let code = match &e {
            Error::NoActiveProfile | Error::SandboxNotRunning => ErrorCode::NotConnected,
            _ => match e.code() {
                Core::Unauthorized => ErrorCode::Unauthorized,
                Core::NotFound => ErrorCode::NotFound,
                Core::Network => ErrorCode::Unreachable,
                Core::Tls => ErrorCode::Tls,
                Core::Keychain => ErrorCode::Keychain,
                Core::NoToken => ErrorCode::NotConnected,
                Core::Invalid => ErrorCode::InvalidInput,
                Core::Server | Core::Decode => ErrorCode::Server,
                Core::Cancelled => ErrorCode::Cancelled,
                Core::Internal => ErrorCode::Internal,
            },
        };
        if code == ErrorCode::Internal {
            tracing::error!("internal error: {e}");
        }
        // trillian-core's messages are written for people and never carry a token.
        IpcError::new(code, capitalise(&e.to_string()))
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a command returns.
pub type IpcResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_reason_and_get_a_code() {
        let e: IpcError = trillian_core::Error::NoActiveProfile.into();
        assert_eq!(
            e.code,
            ErrorCode::NotConnected,
            "no active profile sends the UI to Connect"
        );
        assert!(e.message.starts_with("No active profile"), "{}", e.message);
        let e: IpcError = trillian_core::Error::ProfileNotFound("p1".into()).into();
        assert_eq!(e.code, ErrorCode::NotFound);
        assert!(e.message.contains("p1"));
    }

    #[test]
    fn serialises_as_code_and_message() {
        let e = IpcError::new(ErrorCode::InvalidInput, "Bad base URL");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "invalid_input", "message": "Bad base URL"})
        );
    }
}
