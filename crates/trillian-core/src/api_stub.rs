//! TEMPORARY stand-in for the `trillian-api` types that are not exported yet (Token, Client,
//! models). Replaced by `use trillian_api as api` as soon as that crate publishes them.

use serde::Serialize;

use crate::error::Result;
use crate::profile::Profile;

/// Stand-in for `trillian_api::Token`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Token(secret.into())
    }
    /// The secret.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Stand-in for `trillian_api::Error`.
#[derive(Debug, thiserror::Error)]
#[error("api")]
pub struct ApiError;
pub use ApiError as Error;

/// Stand-in for `trillian_api::Client`.
#[derive(Clone)]
pub(crate) struct Client;

impl Client {
    pub(crate) fn build(_profile: &Profile, _token: Token) -> Result<Client> {
        Err(crate::error::Error::Internal(
            "trillian-api is not wired in yet".into(),
        ))
    }
}

pub mod model {
    use super::Serialize;
    /// Stand-in.
    #[derive(Debug, Clone, Serialize)]
    pub struct User;
    /// Stand-in.
    #[derive(Debug, Clone, Serialize)]
    pub struct Group;
    /// Stand-in.
    #[derive(Debug, Clone, Serialize)]
    pub struct Policy;
    /// Stand-in.
    #[derive(Debug, Clone, Serialize)]
    pub struct GroupChat;
    /// Stand-in.
    #[derive(Debug, Clone, Serialize)]
    pub struct Presence;
}
