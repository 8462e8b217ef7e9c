#!/usr/bin/env bash
# Supply-chain checks that work offline: banned crates, licences, sources (deny.toml).
# The RustSec advisory database cannot be fetched on these machines, so `advisories` is left to
# machines that can reach it; tests/src/lockfile.rs holds the minimum versions that matter here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo-deny >/dev/null 2>&1; then
  cargo install cargo-deny --locked --version 0.20.2
fi
cargo deny --all-features check bans licenses sources
