//! The crate's one error type. No variant ever holds the API token or a URL carrying it.

/// What can go wrong talking to the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status (400, 500, a refused redirect...), with the
    /// `<error>` text of its body when there was one.
    #[error("the server answered {status}: {message}")]
    Api { status: u16, message: String },
    /// 401: no valid token, or the resource is not this token's to touch.
    #[error("not authorized: {message}")]
    Unauthorized { message: String },
    /// 404.
    #[error("not found: {message}")]
    NotFound { message: String },
    /// The connection failed (refused, reset, TLS...).
    #[error("could not talk to the server: {message}")]
    Transport { message: String },
    /// A connect, request or idle-read timeout fired.
    #[error("the server did not answer in time: {message}")]
    Timeout { message: String },
    /// The answer could not be read as the expected document. `what` names the operation.
    #[error("could not read the answer to {what}: {excerpt}")]
    Decode { what: String, excerpt: String },
    /// The answer is larger than the configured cap.
    #[error("the answer is larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    /// The client was configured wrongly (bad URL, `http://` to a non-loopback host, bad CA...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A local read or write (upload source, download destination) failed.
    #[error("local I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status behind the error, when there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(401),
            Error::NotFound { .. } => Some(404),
            _ => None,
        }
    }

    pub(crate) fn decode(what: &str, excerpt: impl Into<String>) -> Error {
        Error::Decode {
            what: what.to_owned(),
            excerpt: excerpt.into(),
        }
    }

    /// Replaces every occurrence of the secrets (the token and its percent-encoded form) in the
    /// messages, and any piece of them of 8 characters or more (an excerpt of a server's answer
    /// may cut the token in two).
    pub(crate) fn scrub(self, secrets: &[&str]) -> Error {
        let clean = |s: String| -> String { scrub_text(s, secrets) };
        match self {
            Error::Api { status, message } => Error::Api {
                status,
                message: clean(message),
            },
            Error::Unauthorized { message } => Error::Unauthorized {
                message: clean(message),
            },
            Error::NotFound { message } => Error::NotFound {
                message: clean(message),
            },
            Error::Transport { message } => Error::Transport {
                message: clean(message),
            },
            Error::Timeout { message } => Error::Timeout {
                message: clean(message),
            },
            Error::Decode { what, excerpt } => Error::Decode {
                what,
                excerpt: clean(excerpt),
            },
            Error::Config(m) => Error::Config(clean(m)),
            Error::Io(e) => {
                let text = e.to_string();
                if secrets.iter().any(|s| !s.is_empty() && text.contains(s)) {
                    Error::Io(std::io::Error::new(e.kind(), clean(text)))
                } else {
                    Error::Io(e)
                }
            }
            other => other,
        }
    }
}

/// Shortest piece of a secret that is redacted.
const MIN_PIECE: usize = 8;

fn scrub_text(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|x| !x.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "<redacted>");
        }
        let chars: Vec<(usize, char)> = secret.char_indices().collect();
        let n = chars.len();
        if n < MIN_PIECE {
            continue;
        }
        // longest pieces first, so that a long piece is not left half-redacted
        for len in (MIN_PIECE..n).rev() {
            for start in 0..=(n - len) {
                let from = chars[start].0;
                let to = chars.get(start + len).map_or(secret.len(), |c| c.0);
                let piece = &secret[from..to];
                if text.contains(piece) {
                    text = text.replace(piece, "<redacted>");
                }
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_whole_and_partial_secrets() {
        let secret = "ABCDEFGHIJKLMNOP-secret";
        let e = Error::Decode {
            what: "op".into(),
            excerpt: format!("near \"{}\" and {secret} and IJKLMNOP-s", &secret[..12]),
        };
        let text = e.scrub(&[secret]).to_string();
        assert!(!text.contains("ABCDEFGH"), "{text}");
        assert!(!text.contains("IJKLMNOP"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}
