//! The sandbox's integration tests: every operation through the router (`oneshot`, fresh in-memory
//! database), the auth matrix, limits and hostile input, crash safety of the real binary, and
//! streamed media uploads over a real socket.

mod auth;
mod common;
mod crash;
mod limits;
mod operations;
mod upload;

/// A 1×1 PNG.
pub fn operations_png() -> &'static [u8] {
    operations::PNG_1X1
}

/// Base64 SHA-256, the media id of `data`.
pub fn operations_digest(data: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(data))
}
