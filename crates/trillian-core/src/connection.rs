//! "Test connection": tells apart unreachable, TLS problem, wrong token, wrong domain and OK.

use serde::Serialize;

use crate::Core;
use crate::error::{ErrorCode, Result};

/// The domain's counts, as the dashboard and a successful connection test show them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Users.
    pub users: usize,
    /// Groups.
    pub groups: usize,
    /// Policies.
    pub policies: usize,
    /// Group chats (deleted ones are not listed by the server).
    pub groupchats: usize,
    /// Users whose presence is anything but offline.
    pub online: usize,
}

/// What a connection test found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "camelCase")]
pub enum ConnectionReport {
    /// Everything works.
    Ok {
        /// The domain's counts.
        counts: Counts,
    },
    /// The server could not be reached.
    Unreachable {
        /// Why (refused, DNS, timeout).
        reason: String,
    },
    /// TLS failed.
    Tls {
        /// The certificate's problem.
        reason: String,
    },
    /// The server refused the token (401).
    WrongToken {
        /// The server's reason.
        reason: String,
    },
    /// The server does not serve this domain for this token.
    WrongDomain {
        /// The server's reason.
        reason: String,
    },
    /// No token is stored for the profile.
    NoToken,
    /// Something else failed (server error, undecodable answer, keychain).
    Failed {
        /// The error's code.
        code: ErrorCode,
        /// The error for people.
        reason: String,
    },
}

impl Core {
    /// Tests a profile: reaches the server with its token and reads the domain's counts.
    pub async fn test_connection(&self, profile_id: &str) -> Result<ConnectionReport> {
        let _profile = self.profile(profile_id)?;
        Ok(ConnectionReport::Failed {
            code: ErrorCode::Internal,
            reason: "not implemented yet".into(),
        })
    }
}
