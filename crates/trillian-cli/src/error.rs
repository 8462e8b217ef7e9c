//! The CLI's error type and its exit codes. No variant holds a token: API and core errors are
//! token-free by construction, and this crate never formats one.

use std::process::ExitCode;

use trillian_core::ErrorCode;

/// Exit code: the server refused the request, or a local step failed.
pub const EXIT_API: u8 = 1;
/// Exit code: the command line was wrong (clap uses 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: no token, or the server did not accept it.
pub const EXIT_AUTH: u8 = 3;
/// Exit code: the server could not be reached.
pub const EXIT_NETWORK: u8 = 4;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An API call failed.
    #[error(transparent)]
    Api(#[from] trillian_api::Error),
    /// Profiles or keychain failed (or an API call made through core).
    #[error(transparent)]
    Core(#[from] trillian_core::Error),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// A name given on the command line matches nothing on the server.
    #[error("{0}")]
    NotFound(String),
    /// No token to use.
    #[error("{0}")]
    NoToken(String),
    /// A local file or stream failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A CSV file could not be read or written.
    #[error("{what}: {reason}")]
    Csv { what: String, reason: String },
    /// JSON output could not be written.
    #[error("writing JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// A check (`profile test`) found a problem; the report was printed.
    #[error("{message}")]
    Check { exit: u8, message: String },
    /// A bulk command was stopped (Ctrl-C); what was done was reported.
    #[error("{0}")]
    Cancelled(String),
    /// Some items of a bulk command failed; each one was reported.
    #[error("{failed} of {total} rows failed")]
    Partial { failed: usize, total: usize },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    pub fn stdout(source: std::io::Error) -> Self {
        Error::io("writing to standard output", source)
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Api(e) => api_exit_code(e),
            Error::Core(e) => core_exit_code(e),
            Error::Usage(_) => EXIT_USAGE,
            Error::NoToken(_) => EXIT_AUTH,
            Error::Check { exit, .. } => *exit,
            Error::NotFound(_)
            | Error::Io { .. }
            | Error::Csv { .. }
            | Error::Json(_)
            | Error::Cancelled(_)
            | Error::Partial { .. } => EXIT_API,
        }
    }

    /// Whether standard output was closed under us (`trillian users list | head`): then the
    /// process ends quietly, as other Unix tools do.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::BrokenPipe,
            Error::Json(e) => e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe),
            _ => false,
        }
    }

    /// The category trillian-core's journal (and the app) use for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Core(e) => e.code(),
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Io { .. } | Error::Csv { .. } | Error::Json(_) => ErrorCode::Internal,
            _ => match self.exit_code() {
                EXIT_AUTH => ErrorCode::Unauthorized,
                EXIT_NETWORK => ErrorCode::Network,
                EXIT_USAGE => ErrorCode::Invalid,
                _ => ErrorCode::Server,
            },
        }
    }

    pub fn to_exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit_code())
    }
}

fn api_exit_code(e: &trillian_api::Error) -> u8 {
    use trillian_api::Error as E;
    match e {
        E::Unauthorized { .. } => EXIT_AUTH,
        E::Transport { .. } | E::Timeout { .. } => EXIT_NETWORK,
        E::Config(_) => EXIT_USAGE,
        _ => EXIT_API,
    }
}

fn core_exit_code(e: &trillian_core::Error) -> u8 {
    use trillian_core::{Error as E, ErrorCode as C};
    match e.code() {
        C::Unauthorized | C::NoToken | C::Keychain => EXIT_AUTH,
        C::Network | C::Tls => EXIT_NETWORK,
        C::Invalid => EXIT_USAGE,
        _ => match e {
            E::ProfileNotFound(_) | E::NoActiveProfile => EXIT_USAGE,
            _ => EXIT_API,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_map_to_their_exit_codes() {
        let unauthorized = Error::Api(trillian_api::Error::Unauthorized {
            message: "no".into(),
        });
        assert_eq!(unauthorized.exit_code(), EXIT_AUTH);
        let refused = Error::Api(trillian_api::Error::Transport {
            message: "refused".into(),
        });
        assert_eq!(refused.exit_code(), EXIT_NETWORK);
        let timeout = Error::Api(trillian_api::Error::Timeout {
            message: "slow".into(),
        });
        assert_eq!(timeout.exit_code(), EXIT_NETWORK);
        let bad = Error::Api(trillian_api::Error::Api {
            status: 400,
            message: "bad".into(),
        });
        assert_eq!(bad.exit_code(), EXIT_API);
        let missing = Error::Api(trillian_api::Error::NotFound {
            message: "gone".into(),
        });
        assert_eq!(missing.exit_code(), EXIT_API);
    }

    #[test]
    fn local_errors_map_to_their_exit_codes() {
        assert_eq!(Error::Usage("x".into()).exit_code(), EXIT_USAGE);
        assert_eq!(Error::NoToken("x".into()).exit_code(), EXIT_AUTH);
        assert_eq!(
            Error::Partial {
                failed: 1,
                total: 2
            }
            .exit_code(),
            EXIT_API
        );
        let core = Error::Core(trillian_core::Error::NoToken("p1".into()));
        assert_eq!(core.exit_code(), EXIT_AUTH);
        let core = Error::Core(trillian_core::Error::ProfileNotFound("p1".into()));
        assert_eq!(core.exit_code(), EXIT_USAGE);
    }
}
