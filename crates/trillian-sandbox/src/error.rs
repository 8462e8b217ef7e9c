//! The crate's error type.

use std::path::PathBuf;

/// What can go wrong starting, running or administering a sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An SQLite call failed.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The database file could not be opened or is of an unknown schema.
    #[error("database {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    /// Listening or serving failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A blocking database task panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
    /// The configuration cannot work (no domain, bad domain name, bad URL...).
    #[error("configuration: {0}")]
    Config(String),
    /// The domain is not served by this sandbox.
    #[error("unknown domain {0}")]
    UnknownDomain(String),
    /// The user does not exist in that domain.
    #[error("unknown user {0}")]
    UnknownUser(String),
    /// Generating demo images failed.
    #[error("image: {0}")]
    Image(#[from] image::ImageError),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
