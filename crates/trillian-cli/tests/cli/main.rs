//! The built `trillian` binary against a sandbox on a real socket (port 0), one module per command
//! group. Every run is checked for the token in its output (see `common::Run`).
//!
//! Tests that store a token in the OS keychain are `#[ignore]`d outside a desktop-like session;
//! run them with `scripts/test-env.sh cargo test -p trillian-cli -- --include-ignored`.

mod common;
mod errors;
mod groupchats;
mod groups;
mod hostile;
mod policies;
mod presence;
mod profile;
mod scale;
mod users;
