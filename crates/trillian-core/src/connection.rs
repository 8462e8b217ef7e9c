//! "Test connection": tells apart unreachable, TLS problem, wrong token, wrong domain and OK.

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::{Core, JournalOutcome, api};

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

impl ConnectionReport {
    /// One line for people (the CLI, the journal).
    pub fn summary(&self) -> String {
        match self {
            ConnectionReport::Ok { counts } => format!(
                "connected: {} users, {} groups, {} policies, {} group chats, {} online",
                counts.users, counts.groups, counts.policies, counts.groupchats, counts.online
            ),
            ConnectionReport::Unreachable { reason } => format!("unreachable: {reason}"),
            ConnectionReport::Tls { reason } => format!("TLS problem: {reason}"),
            ConnectionReport::WrongToken { reason } => format!("wrong token: {reason}"),
            ConnectionReport::WrongDomain { reason } => format!("wrong domain: {reason}"),
            ConnectionReport::NoToken => "no token is stored for this profile".to_owned(),
            ConnectionReport::Failed { reason, .. } => format!("failed: {reason}"),
        }
    }
}

impl Core {
    /// Tests a profile: reaches the server with its token and reads the domain's counts.
    ///
    /// A fresh client is used (nothing cached), with one retry at most, so the answer is about
    /// the profile as it is now. How the outcome is decided:
    /// - no token stored → `NoToken`; keychain failure → `Failed { code: Keychain }`;
    /// - connect/DNS/timeout → `Unreachable`; TLS failure or an unusable CA file → `Tls`;
    /// - 404 on the domain's listing (a server that does not serve the domain), or 401 whose
    ///   reason names the domain → `WrongDomain`;
    /// - any other 401 → `WrongToken`. The sandbox, like the API (a resource that is not the
    ///   token's to touch is 401), answers a token of another domain with the same
    ///   "invalid token" as an unknown token, so the two cannot be told apart from its answer;
    ///   the `WrongToken` reason then says that the domain may be wrong too.
    pub async fn test_connection(&self, profile_id: &str) -> Result<ConnectionReport> {
        let profile = self.profile(profile_id)?;
        let (profile, token) = match self.credentials(&profile).await {
            Ok(found) => found,
            Err(Error::NoToken(_)) => return Ok(ConnectionReport::NoToken),
            Err(e) => return Ok(failed(&e)),
        };
        let client = match crate::client_builder(&profile, token)
            .max_retries(1)
            .build()
        {
            Ok(client) => client,
            Err(e) => return Ok(classify(&profile.domain, &Error::Api(e))),
        };
        let report = match Listings::read(&client).await {
            Ok(listings) => ConnectionReport::Ok {
                counts: listings.counts(),
            },
            Err(e) => classify(&profile.domain, &e),
        };
        self.inner.journal.record(
            Some(profile_id),
            "connection.test",
            profile_id,
            match &report {
                ConnectionReport::Ok { .. } => JournalOutcome::Ok,
                other => JournalOutcome::Failed {
                    code: report_code(other),
                    message: other.summary(),
                },
            },
        );
        Ok(report)
    }
}

/// The five listings the counts and the dashboard are made of.
pub(crate) struct Listings {
    pub(crate) users: Vec<api::User>,
    pub(crate) groups: Vec<api::Group>,
    pub(crate) policies: Vec<api::Policy>,
    pub(crate) groupchats: Vec<api::GroupChat>,
    pub(crate) presence: Vec<api::Presence>,
}

impl Listings {
    /// Reads the five listings concurrently.
    pub(crate) async fn read(client: &api::Client) -> Result<Listings> {
        let (u, g, p, c, pr) = (
            client.users(),
            client.groups(),
            client.policies(),
            client.groupchats(),
            client.presence(),
        );
        let (users, groups, policies, groupchats, presence) = tokio::try_join!(
            u.list(),
            g.list(api::Expand::empty()),
            p.list(),
            c.list(api::Expand::empty()),
            pr.list(),
        )?;
        Ok(Listings {
            users,
            groups,
            policies,
            groupchats,
            presence,
        })
    }

    pub(crate) fn counts(&self) -> Counts {
        Counts {
            users: self.users.len(),
            groups: self.groups.len(),
            policies: self.policies.len(),
            groupchats: self.groupchats.len(),
            online: online(&self.presence),
        }
    }
}

/// Users whose status is anything but offline.
pub(crate) fn online(presence: &[api::Presence]) -> usize {
    presence
        .iter()
        .filter(|p| p.status != api::PresenceStatus::Offline)
        .count()
}

fn classify(domain: &str, e: &Error) -> ConnectionReport {
    use trillian_api::Error as A;
    match e {
        Error::Api(A::Unauthorized { message }) => {
            if message.to_ascii_lowercase().contains("domain") {
                ConnectionReport::WrongDomain {
                    reason: message.clone(),
                }
            } else {
                ConnectionReport::WrongToken {
                    reason: format!(
                        "the server refused the token ({message}); check the token, and that it \
                         belongs to the domain {domain}"
                    ),
                }
            }
        }
        Error::Api(A::NotFound { message }) => ConnectionReport::WrongDomain {
            reason: format!("the server does not serve the domain {domain} ({message})"),
        },
        Error::Api(A::Transport { message }) if crate::error::is_tls_failure(message) => {
            ConnectionReport::Tls {
                reason: crate::error::transport_reason(message),
            }
        }
        Error::Api(A::Config(message)) if message.contains("CA") => ConnectionReport::Tls {
            reason: message.clone(),
        },
        Error::Api(A::Transport { message }) | Error::Api(A::Timeout { message }) => {
            ConnectionReport::Unreachable {
                reason: crate::error::transport_reason(message),
            }
        }
        other => failed(other),
    }
}

fn failed(e: &Error) -> ConnectionReport {
    ConnectionReport::Failed {
        code: e.code(),
        reason: e.to_string(),
    }
}

fn report_code(r: &ConnectionReport) -> ErrorCode {
    match r {
        ConnectionReport::Ok { .. } => ErrorCode::Internal,
        ConnectionReport::Unreachable { .. } => ErrorCode::Network,
        ConnectionReport::Tls { .. } => ErrorCode::Tls,
        ConnectionReport::WrongToken { .. } | ConnectionReport::WrongDomain { .. } => {
            ErrorCode::Unauthorized
        }
        ConnectionReport::NoToken => ErrorCode::NoToken,
        ConnectionReport::Failed { code, .. } => *code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trillian_api::Error as A;

    fn api(e: A) -> Error {
        Error::Api(e)
    }

    #[test]
    fn classification_of_server_answers() {
        let c = |e| classify("example.com", &api(e));
        assert!(matches!(
            c(A::NotFound { message: "no such domain".into() }),
            ConnectionReport::WrongDomain { reason } if reason.contains("example.com")
                && reason.contains("no such domain")
        ));
        assert!(matches!(
            c(A::Unauthorized {
                message: "token is not valid for this domain".into()
            }),
            ConnectionReport::WrongDomain { .. }
        ));
        assert!(matches!(
            c(A::Unauthorized { message: "invalid token".into() }),
            ConnectionReport::WrongToken { reason } if reason.contains("invalid token")
        ));
        assert!(matches!(
            c(A::Transport {
                message: "users.list: error sending request: client error (Connect): invalid \
                          peer certificate: UnknownIssuer"
                    .into()
            }),
            ConnectionReport::Tls { reason } if reason == "invalid peer certificate: UnknownIssuer"
        ));
        assert!(matches!(
            c(A::Transport {
                message: "users.list: error sending request: tcp connect error: Connection \
                          refused (os error 111)"
                    .into()
            }),
            ConnectionReport::Unreachable { reason } if reason == "Connection refused (os error 111)"
        ));
        assert!(matches!(
            c(A::Timeout {
                message: "users.list: operation timed out".into()
            }),
            ConnectionReport::Unreachable { .. }
        ));
        assert!(matches!(
            c(A::Config("the trusted CA is not a PEM certificate".into())),
            ConnectionReport::Tls { .. }
        ));
        assert!(matches!(
            c(A::Api { status: 500, message: "database is locked".into() }),
            ConnectionReport::Failed { code: ErrorCode::Server, reason } if reason.contains("database is locked")
        ));
        assert!(matches!(
            c(A::Decode {
                what: "users.list".into(),
                excerpt: "<html>".into()
            }),
            ConnectionReport::Failed {
                code: ErrorCode::Decode,
                ..
            }
        ));
    }

    #[test]
    fn error_codes_of_api_errors() {
        let code = |e| api(e).code();
        assert_eq!(
            code(A::Unauthorized {
                message: String::new()
            }),
            ErrorCode::Unauthorized
        );
        assert_eq!(
            code(A::NotFound {
                message: String::new()
            }),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(A::Api {
                status: 400,
                message: String::new()
            }),
            ErrorCode::Invalid
        );
        assert_eq!(
            code(A::Api {
                status: 503,
                message: String::new()
            }),
            ErrorCode::Server
        );
        assert_eq!(code(A::TooLarge { limit: 1 }), ErrorCode::Decode);
        assert_eq!(
            code(A::Transport {
                message: "handshake failure".into()
            }),
            ErrorCode::Tls
        );
        assert_eq!(
            code(A::Transport {
                message: "connection reset".into()
            }),
            ErrorCode::Network
        );
        assert_eq!(code(A::Config("bad URL".into())), ErrorCode::Invalid);
    }
}
