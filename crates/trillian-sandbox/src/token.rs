//! Issuing API tokens.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::{Owner, store};

/// 48 unpredictable bytes as Base64 (64 characters, `+` and `/` included, like real tokens).
pub fn generate() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut seed = Sha256::new();
    // RandomState keys come from the operating system's random source.
    for i in 0..4u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(i);
        seed.update(h.finish().to_le_bytes());
    }
    seed.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    seed.update(
        time::OffsetDateTime::now_utc()
            .unix_timestamp_nanos()
            .to_le_bytes(),
    );
    seed.update(std::process::id().to_le_bytes());
    let seed = seed.finalize();
    let mut bytes = Vec::with_capacity(48);
    for part in 0..2u8 {
        let mut h = Sha256::new();
        h.update(seed);
        h.update([part]);
        bytes.extend_from_slice(&h.finalize());
    }
    bytes.truncate(48);
    STANDARD.encode(bytes)
}

/// Creates a token for `owner` of `domain` (the user must exist).
pub fn issue(conn: &Connection, domain: &str, owner: &Owner) -> Result<String> {
    let id = store::domain_id(conn, domain)?.ok_or_else(|| Error::UnknownDomain(domain.into()))?;
    let im = match owner {
        Owner::Admin => None,
        Owner::User(im) => {
            store::user::get(conn, id, im)?.ok_or_else(|| Error::UnknownUser(im.clone()))?;
            Some(im.as_str())
        }
    };
    let token = generate();
    store::token::insert(conn, id, im, &token, store::now_secs())?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_differ_and_look_like_base64() {
        let a = super::generate();
        let b = super::generate();
        assert_ne!(a, b, "two tokens in a row");
        assert_eq!(a.len(), 64, "48 bytes of Base64");
    }
}
